/**
 * Real engine (the Pulumi CLI built from Go modules), no cloud needed: the
 * offline plan reads a stack file as the CLI does (issue 24, point 12). For
 * every file here, `pulumi config --json` and `--show-secrets` are compared
 * with readStackConfig of the same file: the same keys, the same values as
 * the engine hands them to the program (Go's JSON text), the same keys
 * secret, and each encrypted value the plan cannot read where the CLI
 * decrypts one. Merge keys, anchors, tags, yaml.v3's scalars, multi-line
 * strings (test/fixtures/yaml/features.yaml), secrets at any depth and
 * through aliases; and every file the CLI refuses (a key written twice, a
 * bad merge, an alias bomb, deep nesting...) is refused by the plan too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject } from "../../testkit/engine";
import { HOSTILE_YAML } from "../../testkit/hostileYaml";
import { UsageError } from "../../tooling/cli/command";
import { readStackConfig, SECRET_PLACEHOLDER, StackConfig } from "../../tooling/engine/stackFiles";
import { PROJECT_DIR } from "../../tooling/paths";

const STACK = "yaml";
let project: EngineProject;
/** The stack file's first line (the passphrase's salt), kept in every file written. */
let salt: string;
/** Ciphertexts of this stack's passphrase: a webhook URL with a password, a bearer token. */
let cipher: { url: string; token: string };

beforeAll(async () => {
  project = createEngineProject();
  await project.ok(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
  await project.setConfig(
    STACK,
    [
      ["bluegreen:url", "https://deploy:pw@hooks.example.com/x"],
      ["bluegreen:token", "Bearer t0k3n"],
    ],
    { secret: true },
  );
  const text = fs.readFileSync(stackFile(), "utf8");
  salt = text.split("\n").find((line) => line.startsWith("encryptionsalt:"))!;
  const ciphertext = (key: string) => new RegExp(`bluegreen:${key}:\\s*\\n?\\s*secure: (\\S+)`).exec(text)![1];
  cipher = { url: ciphertext("url"), token: ciphertext("token") };
}, 120_000);

afterAll(() => project?.remove());

function stackFile(): string {
  return path.join(project.dir, `Pulumi.${STACK}.yaml`);
}

interface CliEntry {
  readonly value?: string;
  readonly objectValue?: unknown;
  readonly secret: boolean;
}

/** `pulumi config --json` (and with `--show-secrets`) of `text`, and the plan's reading of the same file. */
async function bothReadings(text: string) {
  fs.writeFileSync(stackFile(), `${salt}\n${text}`);
  const hidden = await project.pulumi(["config", "--json", "--stack", STACK]);
  const shown = await project.pulumi(["config", "--json", "--show-secrets", "--stack", STACK]);
  let plan: StackConfig | Error;
  try {
    plan = readStackConfig(STACK, project.dir);
  } catch (error) {
    plan = error as Error;
  }
  return { hidden, shown, plan };
}

/** The value at `at` inside `value` replaced by the placeholder. */
function redactedAt(value: unknown, at: readonly string[]): unknown {
  if (at.length === 0) return SECRET_PLACEHOLDER;
  const [head, ...rest] = at;
  if (Array.isArray(value)) return value.map((item, i) => (String(i) === head ? redactedAt(item, rest) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [head]: redactedAt(record[head], rest) };
}

async function expectSameReading(text: string) {
  const { hidden, shown, plan } = await bothReadings(text);
  expect(hidden.code, hidden.stderr).toBe(0);
  expect(shown.code, shown.stderr).toBe(0);
  if (plan instanceof Error) throw plan;
  const cli = JSON.parse(hidden.stdout) as Record<string, CliEntry>;
  const decrypted = JSON.parse(shown.stdout) as Record<string, CliEntry>;
  // The same keys, the same ones secret.
  expect(Object.keys(cli).sort()).toEqual([...new Set([...Object.keys(plan.values), ...plan.secretKeys])].sort());
  expect(
    Object.keys(cli)
      .filter((key) => cli[key].secret)
      .sort(),
  ).toEqual([...plan.secretKeys].sort());
  for (const [key, entry] of Object.entries(cli)) {
    if (!entry.secret) {
      // Byte for byte what the engine hands the program.
      expect(plan.values[key], key).toBe(entry.value);
      continue;
    }
    const inner = plan.unreadableSecrets.filter(([secretKey]) => secretKey === key).map(([, ...at]) => at);
    if (inner.length === 0) {
      // Encrypted whole: left out offline.
      expect(plan.values, key).not.toHaveProperty(key);
      continue;
    }
    // Encrypted inside: the plan's value is the CLI's decrypted one with each secret replaced by the placeholder.
    const expected = inner.reduce<unknown>((value, at) => redactedAt(value, at), decrypted[key].objectValue);
    expect(JSON.parse(plan.values[key]), key).toEqual(expected);
    for (const at of inner) {
      const secret = at.reduce<unknown>(
        (value, part) => (value as Record<string, unknown>)[part],
        decrypted[key].objectValue,
      );
      expect(typeof secret, `${key} ${at.join(".")}`).toBe("string");
      expect(plan.values[key]).not.toContain(secret as string);
    }
  }
}

describe("`pulumi config --json` and the offline plan read a stack file alike", () => {
  it("every YAML feature: anchors, merge keys, tags, yaml.v3's scalars, multi-line strings", async () => {
    await expectSameReading(
      fs.readFileSync(path.join(PROJECT_DIR, "test", "fixtures", "yaml", "features.yaml"), "utf8"),
    );
  }, 120_000);

  it("the shipped stack files", async () => {
    for (const stack of ["local", "staging", "production", "kube-staging"]) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      await expectSameReading(text.replace(/^encryptionsalt:.*\n/m, ""));
    }
  }, 120_000);

  it("secrets at any depth, in lists, and reached through aliases and merges", async () => {
    await expectSameReading(
      [
        "config:",
        "  bluegreen:notify:",
        "    webhooks:",
        "      - url:",
        `          secure: ${cipher.url}`,
        "        format: slack",
        `      - { url: { secure: ${cipher.url} } }`,
        "  bluegreen:gateHeaders: &headers",
        "    Authorization:",
        `      secure: ${cipher.token}`,
        "    X-Plain: plain",
        "  bluegreen:merged:",
        "    <<: *headers",
        `    list: [{ secure: ${cipher.token} }, plain, [{ secure: ${cipher.token} }]]`,
        "  bluegreen:whole:",
        `    secure: ${cipher.token}`,
        `  bluegreen:notSecret: { secure: ${cipher.token}, other: 1 }`,
      ].join("\n"),
    );
  }, 120_000);
});

describe("a file the CLI refuses, the offline plan refuses too (exit 2, naming the file)", () => {
  it.each([
    ["a key written twice", "config:\n  bluegreen:a: 1\n  bluegreen:a: 2\n"],
    ["a nested key written twice, once quoted", 'config:\n  bluegreen:a: { x: 1, "x": 2 }\n'],
    ["two merge keys", "config:\n  bluegreen:a: { <<: { x: 1 }, <<: { y: 2 } }\n"],
    ["a merge of a scalar", "config:\n  bluegreen:a: { <<: 3 }\n"],
    ["a merge of an alias to a list", "config:\n  bluegreen:l: &l [1]\n  bluegreen:a: { <<: *l }\n"],
    ["a quoted merge of a scalar", 'config:\n  bluegreen:a: { "<<": 3 }\n'],
    ["an alias of no anchor", "config:\n  bluegreen:a: *nowhere\n"],
    [".nan", "config:\n  bluegreen:a: { x: .nan }\n"],
    [".inf", "config:\n  bluegreen:a: .inf\n"],
    ["a tag the value does not fit", "config:\n  bluegreen:a: { x: !!int abc }\n"],
    ["binary that is not base64", 'config:\n  bluegreen:a: !!binary "***"\n'],
    ["a key that is a list", "config:\n  bluegreen:a: { ? [1, 2] : x }\n"],
    ["a config key that is not a config key", "config:\n  1: x\n"],
    ...(["alias bomb", "merge bomb", "keyed alias bomb", "self alias", "deep inline lists"] as const).map(
      (name): [string, string] => [name, HOSTILE_YAML[name]()],
    ),
  ])(
    "%s",
    async (_what, text) => {
      const { hidden, plan } = await bothReadings(text);
      expect(hidden.code).not.toBe(0);
      expect(plan).toBeInstanceOf(UsageError);
      expect((plan as Error).message).toMatch(new RegExp(`^Pulumi\\.${STACK}\\.yaml(:\\d+:\\d+)?: `));
    },
    120_000,
  );

  it("a key and its namespaced twin: the CLI keeps one of them at random (seen: 3 of 8 runs one, 5 the other); the plan refuses", async () => {
    const { hidden, plan } = await bothReadings(
      "config:\n  traffic: { blue: 1, green: 0 }\n  bluegreen:traffic: { blue: 2, green: 0 }\n",
    );
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(plan).toBeInstanceOf(UsageError);
    expect((plan as Error).message).toMatch(/both set bluegreen:traffic .* at random/);
  }, 120_000);
});
