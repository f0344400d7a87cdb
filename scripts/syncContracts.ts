/** `npm run sync:contracts`: refreshes the policy pack's copies of the contract files (see tooling/build/packContracts.ts). */
import { writePackContracts } from "../tooling/build/packContracts";

const written = writePackContracts();
console.log(
  written.length === 0 ? "policies/contracts/ is up to date" : `wrote policies/contracts/: ${written.join(", ")}`,
);
