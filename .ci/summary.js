// Prints the closing line CI reads, from vitest's JSON report.
const fs = require("node:fs");

const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log("0 passed, 1 failed");
  console.error(`no test report at ${file}: the test run did not complete`);
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, "utf8"));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
