/**
 * The stack-file corpus (test/fixtures/stacks/): each fixture is a stack file
 * whose leading comments say what it proves and what must happen to it:
 *
 *   # <what it proves> (issue 14, point N)
 *   # expect-exit: 0 | 1 | 2
 *   # expect-keys: <full keys a configuration error names>     (exit 2)
 *   # expect-policies: <mandatory policies it violates>        (exit 1)
 *   # policy-config: staging                                   (whose policies/config/<stack>.json judges it)
 *
 * Read by the corpus test, and by bench/ to count what an older commit got right.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../tooling/paths";

export const CORPUS_DIR = path.join(PROJECT_DIR, "test", "fixtures", "stacks");

export interface Fixture {
  /** The stack name: the file name without `.yaml`. */
  readonly name: string;
  readonly file: string;
  readonly about: string;
  readonly exit: 0 | 1 | 2;
  readonly keys: readonly string[];
  readonly policies: readonly string[];
  readonly policyConfigOf: string | undefined;
}

export function corpus(dir = CORPUS_DIR): Fixture[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => fixtureOf(path.join(dir, file)));
}

function fixtureOf(file: string): Fixture {
  const header = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .map((line) => line.replace(/^#\s?/, ""));
  const field = (name: string) =>
    header
      .find((line) => line.startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const list = (name: string) =>
    (field(name) ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")
      .sort();
  const exit = Number(field("expect-exit"));
  if (exit !== 0 && exit !== 1 && exit !== 2) {
    throw new Error(`${path.basename(file)}: needs a header line "# expect-exit: 0|1|2"`);
  }
  return {
    name: path.basename(file, ".yaml"),
    file,
    about: header[0] ?? "",
    exit,
    keys: list("expect-keys"),
    policies: list("expect-policies"),
    policyConfigOf: field("policy-config"),
  };
}

/** A project directory holding the repository's Pulumi.yaml and the fixture as `Pulumi.<name>.yaml`. */
export function projectFor(fixture: Fixture): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-corpus-"));
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.copyFileSync(fixture.file, path.join(dir, `Pulumi.${fixture.name}.yaml`));
  return dir;
}
