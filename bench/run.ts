/**
 * Runs every benchmark in bench/ one after the other (they measure wall time,
 * so never in parallel) and prints their figures. `npm run bench -- gate`
 * runs only the benches whose file name contains "gate".
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const filter = process.argv[2] ?? "";
const benches = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts" && file.includes(filter))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench/${file}`);
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, file)], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${file} failed with exit code ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
