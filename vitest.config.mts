import { defineConfig } from "vitest/config";
import { LongFilesFirst } from "./testkit/longFilesFirst";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real hosts (dynamic-provider host, policy analyzer, haproxy, postgres)
    // start per file; forks keep their processes isolated.
    pool: "forks",
    // Test files share their worker's modules (the SDKs load once per worker, not once per file: a fifth of
    // the suite's CPU). A file that changes process-wide state puts it back (runProgram installs fresh mocks
    // each run); the suite passed in its usual and in a shuffled file order this way (issue 17 note).
    isolate: false,
    // Most files wait on the real processes they drive (the CLI, hosts, haproxy, postgres); vitest's default
    // on 2 cores is one file at a time. Three at once overlap those waits (see the closing note of issue 17).
    maxWorkers: 3,
    sequence: { sequencer: LongFilesFirst },
    // The JSON report feeds the `N passed, N failed` line printed by .ci/run.
    reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
    // Generous: with three files at once on a busy machine a test may take several times its idle time.
    testTimeout: 180_000,
    // Hooks start real processes (plans, policy packs, haproxy, postgres, provider hosts): on a
    // slow or busy machine that takes several times as long, and it must not fail a test.
    hookTimeout: 300_000,
  },
});
