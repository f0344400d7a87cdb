/**
 * The bluegreen component provider: serves the library's three components
 * (components/library) to Python, Go, C#, YAML... programs through
 * `pulumi package add <this directory>` (docs/multi-language.md). Runs
 * compiled, as dist/provider/main.js (tsconfig.build.json).
 */
import { BLUEGREEN_PROVIDER } from "./bluegreen";
import { serveComponents } from "./host";

void serveComponents(BLUEGREEN_PROVIDER);
