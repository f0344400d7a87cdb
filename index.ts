/**
 * bluegreen: the stack's config in, a blue/green release out. The program
 * lives in components/ (program.ts); the engine runs the function exported
 * here, and the object it resolves to is the stack's outputs, the contract in
 * components/contracts/outputs.ts.
 */
import { blueGreenStack } from "./components/program";

export = blueGreenStack;
