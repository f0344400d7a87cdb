/**
 * The import-graph rules (.dependency-cruiser.cjs) can fail: each is shown a
 * small tree that breaks it, and must name it. The real tree is checked by
 * `npm run lint`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../tooling/paths";

const TREE: Record<string, string> = {
  "components/kubernetes/index.ts": 'import { aws } from "../aws";\nexport const k = aws;\n',
  "components/aws/index.ts": "export const aws = 1;\n",
  "components/release.ts":
    'import { aws } from "./aws";\nimport { paths } from "../tooling/paths";\nexport const r = aws + paths;\n',
  "components/a.ts": 'import type { B } from "./b";\nexport type A = B;\n',
  "components/b.ts": 'import type { A } from "./a";\nexport type B = A | 1;\n',
  "tooling/paths.ts": 'import { kit } from "../testkit/kit";\nexport const paths = kit;\n',
  "testkit/kit.ts": "export const kit = 1;\n",
  "policies/index.ts": 'import { r } from "../components/release";\nexport const p = r;\n',
};

describe("the import-graph rules", () => {
  let dir: string;
  let report: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "depcruise-"));
    for (const [file, text] of Object.entries(TREE)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
    const config = path.join(PROJECT_DIR, ".dependency-cruiser.cjs");
    const bin = path.join(PROJECT_DIR, "node_modules", ".bin", "depcruise");
    try {
      execFileSync(bin, ["components", "tooling", "policies", "testkit", "--config", config, "--output-type", "err"], {
        cwd: dir,
        encoding: "utf8",
        stdio: "pipe",
      });
      report = "";
    } catch (e) {
      // Without colours and line breaks: a cycle is printed over several lines.
      report = String((e as { stdout: string }).stdout)
        // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
        .replace(/\u001b\[[0-9;]*m/g, "")
        .replace(/\s+/g, " ");
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["no-platform-to-platform", "components/kubernetes/index.ts → components/aws/index.ts"],
    ["core-knows-no-platform", "components/release.ts → components/aws/index.ts"],
    ["components-import-nothing-above", "components/release.ts → tooling/paths.ts"],
    ["no-circular", "components/a.ts → components/b.ts → components/a.ts"],
    ["tooling-imports-no-tests", "tooling/paths.ts → testkit/kit.ts"],
    ["pack-stands-alone", "policies/index.ts → components/release.ts"],
  ])("%s fires on %s", (rule, edge) => {
    expect(report).toContain(`${rule}: ${edge}`);
  });
});
