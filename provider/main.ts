/**
 * The bluegreen component provider: serves the library's three components
 * (components/library) to Python, Go, C#, YAML... programs through
 * `pulumi package add <this directory>` (docs/multi-language.md). Runs
 * compiled, as dist/provider/main.js (tsconfig.build.json).
 */
import * as path from "node:path";
import { SECRET_CONFIG_KEYS } from "../components/config/secrets";
import { AwsBlueGreen, DockerBlueGreen, KubernetesBlueGreen } from "./index";
import { serveComponents } from "./host";

void serveComponents({
  name: "bluegreen",
  // The package directory (package.json, tsconfig.json, index.ts) from dist/provider/.
  dirname: path.resolve(__dirname, "../.."),
  components: [AwsBlueGreen, KubernetesBlueGreen, DockerBlueGreen],
  // The keys the program keeps secret end to end are secrets in every language's SDK too.
  secretInputs: SECRET_CONFIG_KEYS,
});
