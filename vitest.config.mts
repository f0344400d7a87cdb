import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real hosts (dynamic-provider host, policy analyzer, haproxy, postgres)
    // start per file; forks keep their processes isolated.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
