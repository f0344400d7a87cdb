// Lint of the whole code base: typescript-eslint's recommended rules, the
// type-aware promise rules (a floating promise in a provider or a shift is a
// silent failure), and a size limit on source files.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".build/",
      "dist/",
      // The component provider plugin, compiled (npm run build:provider).
      "provider/dist/",
      ".vitest/",
      ".ci/",
      "**/*.cjs",
      "**/*.mjs",
      "**/*.mts",
      "policies/node_modules/",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // Providers require modules inside their functions so their serialized closures stay small.
      "@typescript-eslint/no-require-imports": "off",
      // Generated gRPC stubs and engine payloads are untyped.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["components/**/*.ts", "policies/**/*.ts", "tooling/**/*.ts", "scripts/**/*.ts"],
    rules: { "max-lines": ["error", { max: 300, skipBlankLines: false, skipComments: false }] },
  },
);
