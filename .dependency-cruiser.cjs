/**
 * The import graph's rules (run by `npm run lint`). Type-only imports count:
 * they tie modules as much as value imports do.
 */
const PLATFORMS = "aws|kubernetes|docker";

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "no-platform-to-platform",
      comment:
        "A platform plugs into the core and never imports another platform (shared pieces live in the core or in rds/).",
      severity: "error",
      from: { path: `^components/(${PLATFORMS})/` },
      to: { path: `^components/(${PLATFORMS})/`, pathNot: "^components/$1/" },
    },
    {
      name: "core-knows-no-platform",
      comment:
        "Only platforms.ts (config), platformFactories.ts and the library's components (library/) know the platforms; the core (and rds/) imports none of them.",
      severity: "error",
      from: {
        path: "^components/",
        pathNot: [`^components/(${PLATFORMS})/`, "^components/platform(s|Factories)\\.ts$", "^components/library/"],
      },
      to: { path: `^components/(${PLATFORMS})/` },
    },
    {
      name: "pack-stands-alone",
      comment: "The policy pack imports nothing from outside policies/ (it carries generated copies of the contracts).",
      severity: "error",
      from: { path: "^policies/" },
      to: { pathNot: ["^policies/", "node_modules", "^(node:)?[a-z_]+$"], dependencyTypesNot: ["core"] },
    },
    {
      name: "components-import-nothing-above",
      comment: "components/ is the program and its library: no tooling, scripts, tests or test kit.",
      severity: "error",
      from: { path: "^(components/|index\\.ts$)" },
      to: { path: "^(tooling|scripts|test|testkit|bench|policies)/" },
    },
    {
      name: "tooling-imports-no-tests",
      severity: "error",
      from: { path: "^(tooling|scripts)/" },
      to: { path: "^(test|testkit|bench)/" },
    },
    {
      name: "nothing-imports-scripts-or-tests",
      severity: "error",
      from: { pathNot: "^(scripts|test|bench)/" },
      to: { path: "^(scripts|test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: ["node_modules", "\\.build/", "^dist/", "policies/node_modules"] },
  },
};
