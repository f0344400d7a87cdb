/**
 * What the bluegreen component provider serves: main.ts serves it,
 * writeSchema.ts analyses it at build time. Resolves paths from its compiled
 * location, dist/provider/ (tsconfig.build.json).
 */
import * as path from "node:path";
import { SECRET_CONFIG_KEYS } from "../components/config/secrets";
import { AwsBlueGreen, DockerBlueGreen, KubernetesBlueGreen } from "./index";
import { ServeOptions } from "./host";

export const BLUEGREEN_PROVIDER: ServeOptions = {
  name: "bluegreen",
  // The package directory (package.json, tsconfig.json, index.ts) from dist/provider/.
  dirname: path.resolve(__dirname, "../.."),
  components: [AwsBlueGreen, KubernetesBlueGreen, DockerBlueGreen],
  // The keys the program keeps secret end to end are secrets in every language's SDK too.
  secretInputs: SECRET_CONFIG_KEYS,
};
