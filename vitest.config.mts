import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real hosts (dynamic-provider host, policy analyzer, haproxy, postgres)
    // start per file; forks keep their processes isolated.
    pool: "forks",
    // The JSON report feeds the `N passed, N failed` line printed by .ci/run.
    reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
    testTimeout: 60_000,
    // Hooks start real processes (plans, policy packs, haproxy, postgres, provider hosts): on a
    // slow or busy machine that takes several times as long, and it must not fail a test.
    hookTimeout: 300_000,
  },
});
