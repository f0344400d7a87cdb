/**
 * The npm package as users install it: `npm run build:lib` compiles the
 * library with declarations to dist/, `npm pack` ships that build (the
 * library and every module it imports, each with its .d.ts), the README,
 * the CHANGELOG and docs/library.md, and nothing of the program's tests,
 * stack files or sources; the packed entry loads in plain Node.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

function npm(args: readonly string[], cwd = ROOT): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

let files: string[];
let work: string;
beforeAll(() => {
  npm(["run", "build:lib"]);
  const [dryRun] = JSON.parse(npm(["pack", "--dry-run", "--json"])) as PackResult[];
  files = dryRun.files.map((file) => file.path);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-pack-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The library's modules as tsc follows its imports from the entry: what the package must carry. */
function libraryModules(): string[] {
  const listed = execFileSync(
    path.join(ROOT, "node_modules", ".bin", "tsc"),
    ["-p", "tsconfig.lib.json", "--listFilesOnly"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  return listed
    .split("\n")
    .map((file) => path.relative(ROOT, file.trim()))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith(".."))
    .filter((file) => !file.startsWith("node_modules"));
}

describe("npm pack", () => {
  it("ships each library module compiled, with its declarations", () => {
    const modules = libraryModules();
    expect(modules).toEqual(
      expect.arrayContaining([
        "components/library/index.ts",
        "components/library/aws.ts",
        "components/blueGreenApp.ts",
        "components/gate/provider.ts",
      ]),
    );
    for (const module of modules) {
      const built = `dist/${module.replace(/\.ts$/, "")}`;
      expect(files, module).toContain(`${built}.js`);
      expect(files, module).toContain(`${built}.d.ts`);
    }
  });

  it("ships the README, the CHANGELOG and the library's guide", () => {
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "CHANGELOG.md", "docs/library.md"]));
  });

  it("ships nothing but the build and those documents: no tests, stack files, sources or node_modules", () => {
    const others = files.filter((file) => !/^dist\/.*\.(js|d\.ts)$/.test(file));
    expect(others.sort()).toEqual(["CHANGELOG.md", "README.md", "docs/library.md", "package.json"]);
    expect(files.filter((file) => /(^|\/)(test|testkit|node_modules)\/|Pulumi\.[\w-]+\.yaml$/.test(file))).toEqual([]);
  });

  it("installs: require('bluegreen') gives the three components, and its types check a user's program", () => {
    const tarball = npm(["pack", "--pack-destination", work]).trim().split("\n").pop()!;
    const modules = path.join(work, "node_modules");
    const installed = path.join(modules, "bluegreen");
    fs.mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(work, tarball), "-C", installed, "--strip-components=1"]);
    // Its dependencies as an install provides them: the repository's, side by side with it.
    for (const dependency of fs.readdirSync(path.join(ROOT, "node_modules"))) {
      if (!dependency.startsWith("."))
        fs.symlinkSync(path.join(ROOT, "node_modules", dependency), path.join(modules, dependency));
    }
    const loaded = execFileSync(
      process.execPath,
      [
        "-e",
        'const lib = require("bluegreen"); console.log(JSON.stringify(["AwsBlueGreen", "KubernetesBlueGreen", "DockerBlueGreen"].map((name) => [name, typeof lib[name], require.resolve("bluegreen")])))',
      ],
      { cwd: work, encoding: "utf8" },
    );
    const entry = path.join(installed, "dist", "components", "library", "index.js");
    expect(JSON.parse(loaded)).toEqual([
      ["AwsBlueGreen", "function", entry],
      ["KubernetesBlueGreen", "function", entry],
      ["DockerBlueGreen", "function", entry],
    ]);

    fs.writeFileSync(
      path.join(work, "program.ts"),
      [
        'import { DockerBlueGreen, DockerBlueGreenArgs } from "bluegreen";',
        "const args: DockerBlueGreenArgs = {",
        '  app: { name: "shop" },',
        '  blue: { version: "1.0.0", image: "shop:1.0.0" },',
        '  green: { version: "1.1.0", image: "shop:1.1.0" },',
        "  traffic: { blue: 90, green: 10 },",
        "};",
        'export const url: import("@pulumi/pulumi").Output<string> = new DockerBlueGreen("shop", args).url;',
        // A misspelt field must not type-check: the declarations are the real Args, not `any`.
        '// @ts-expect-error "trafic" is not a field of the Args',
        "export const typo: DockerBlueGreenArgs = { ...args, trafic: {} };",
      ].join("\n"),
    );
    const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
    const options = ["--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--types", "node"];
    expect(() => execFileSync(tsc, [...options, "program.ts"], { cwd: work, encoding: "utf8" })).not.toThrow();
  });
});
