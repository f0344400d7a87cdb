/**
 * A secret is never validated as its placeholder and never printed (issue
 * 24, point 10). Offline, a `secure:` value nested at any depth, in a mapping
 * or a list, reads as a placeholder that validation takes as present with a
 * value unknown: never checked as the text "[secret]", and no rule judges
 * by it. Under the engine the value is decrypted: whatever rule or schema
 * check refuses it, no message shows it. A URL in a message never shows its
 * password; a value too long to quote is described by its size.
 */
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, SHOWN_VALUE_MAX } from "../../components/config/issues";
import { SECRET_CONFIG_KEYS, SECRET_PLACEHOLDER } from "../../components/config/secrets";
import { parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { PROJECT_DIR } from "../../tooling/paths";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A project whose stack `dev` is the shipped stack `base` with `extra` YAML lines appended under `config:`. */
function stackWith(base: string, extra: readonly string[]): ReturnType<typeof readStackConfig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-secrets-"));
  dirs.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const shipped = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${base}.yaml`), "utf8");
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `${shipped.trimEnd()}\n${extra.join("\n")}\n`);
  return readStackConfig("dev", dir);
}

function issuesOf(run: () => unknown): { key: string; message: string }[] {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
}

const CIPHER = "v1:c2VjcmV0LW5vbmNl:QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";

describe("offline, a nested secure value is present, its value unknown", () => {
  it("takes secure webhook URLs and probe headers at any depth in a staging stack (the keys that may be secret)", () => {
    const stack = stackWith("staging", [
      "  bluegreen:notify:",
      "    webhooks:",
      "      - url:",
      `          secure: ${CIPHER}`,
      "        format: slack",
      `      - { url: { secure: ${CIPHER} } }`,
      "  bluegreen:gateHeaders:",
      `    Authorization: { secure: ${CIPHER} }`,
    ]);
    expect(stack.secretKeys.sort()).toEqual(["bluegreen:gateHeaders", "bluegreen:notify"]);
    expect(stack.unreadableSecrets).toEqual([
      ["bluegreen:notify", "webhooks", "0", "url"],
      ["bluegreen:notify", "webhooks", "1", "url"],
      ["bluegreen:gateHeaders", "Authorization"],
    ]);
    const config = parseConfig(stack.values, "dev", stack.secretKeys, stack.unreadableSecrets);
    // Present (the placeholder stands for it, never validated as a URL), with the defaults of its neighbours.
    expect(config.notify.webhooks).toEqual([
      { url: SECRET_PLACEHOLDER, format: "slack" },
      { url: SECRET_PLACEHOLDER, format: "json" },
    ]);
    expect(config.gateHeaders).toEqual({ Authorization: SECRET_PLACEHOLDER });
  });

  it.each([
    [
      "a hotfix reason (a stack output)",
      ["  bluegreen:release:", "    hotfix:", `      reason: { secure: ${CIPHER} }`],
      "release.hotfix.reason",
    ],
    [
      "a number (the watch's interval)",
      ["  bluegreen:watch:", `    intervalSeconds: { secure: ${CIPHER} }`],
      "watch.intervalSeconds",
    ],
    [
      "an item of a list (a runtime API client)",
      ["  bluegreen:docker:", `    runtimeApiClients: [10.88.0.1, { secure: ${CIPHER} }]`],
      "docker.runtimeApiClients.1",
    ],
    [
      "a maintenance message",
      ["  bluegreen:maintenance:", `    message: { secure: ${CIPHER} }`],
      "maintenance.message",
    ],
  ])("refuses %s set with --secret for being secret, never for what its placeholder is", (_what, lines, at) => {
    const stack = stackWith("staging", lines);
    const key = `bluegreen:${at.split(".")[0]}`;
    const issues = issuesOf(() => parseConfig(stack.values, "dev", stack.secretKeys, stack.unreadableSecrets));
    expect(issues.find((issue) => issue.key === key)?.message).toMatch(
      /^holds a value set with `--secret`, but this setting is used in plain text/,
    );
    // Nothing judged the placeholder: no issue at the secret's own place, and no message names it.
    expect(issues.map((issue) => issue.key)).not.toContain(`bluegreen:${at}`);
    expect(JSON.stringify(issues)).not.toContain(SECRET_PLACEHOLDER);
    expect(JSON.stringify(issues)).not.toContain(CIPHER);
  });

  it("takes a key encrypted whole (left out offline) as present: refused for being secret, never as missing", () => {
    const stack = stackWith("staging", []);
    const values = { ...stack.values };
    delete values["bluegreen:app"];
    const issues = issuesOf(() => parseConfig(values, "dev", ["bluegreen:app"], []));
    expect(issues.map((issue) => issue.key)).toEqual(["bluegreen:app"]);
    expect(issues[0].message).toMatch(/^holds a value set with `--secret`/);
  });

  it("skips a rule that would judge an unknown value, and runs every other (a malformed URL elsewhere is still refused)", () => {
    const stack = stackWith("staging", [
      "  bluegreen:notify:",
      `    webhooks: [{ url: { secure: ${CIPHER} } }, { url: "ftp://hooks.example.com/x" }]`,
    ]);
    const issues = issuesOf(() => parseConfig(stack.values, "dev", stack.secretKeys, stack.unreadableSecrets));
    expect(issues.map((issue) => issue.key)).toEqual(["bluegreen:notify.webhooks.1.url"]);
  });
});

/** Config keys by path, each set to a value through the engine (decrypted): every kind of check reads one of them. */
const POSITIONS: readonly (readonly string[])[] = [
  ["app", "name"],
  ["blue", "image"],
  ["blue", "version"],
  ["blue", "user"],
  ["green", "secrets", "DATABASE_URL"],
  ["traffic", "green"],
  ["migration", "version"],
  ["migration", "command", "0"],
  ["gate", "targets", "blue", "0"],
  ["gate", "prometheus", "url"],
  ["gate", "body", "json", "path"],
  ["gateHeaders", "Authorization"],
  ["notify", "webhooks", "0", "url"],
  ["maintenance", "message"],
  ["release", "hotfix", "reason"],
  ["listener", "certificateArn"],
  ["network", "vpcId"],
  ["database", "identifier"],
];

function withValue(raw: Record<string, string>, at: readonly string[], value: string): Record<string, string> {
  const [key, ...inner] = at;
  const fullKey = `bluegreen:${key}`;
  if (inner.length === 0) return { ...raw, [fullKey]: value };
  const root = raw[fullKey] === undefined ? {} : JSON.parse(raw[fullKey]);
  let node = root;
  for (const [i, part] of inner.slice(0, -1).entries()) {
    node[part] ??= /^\d+$/.test(inner[i + 1]) ? [] : {};
    node = node[part];
  }
  node[inner[inner.length - 1]] = value;
  return { ...raw, [fullKey]: JSON.stringify(root) };
}

describe("a secret's value is never printed", () => {
  const staging = readStackConfig("staging").values;

  it("whatever refuses it, at any key set with --secret (the engine hands the program the decrypted value)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...POSITIONS),
        // Credentials of 6 characters or more; shorter texts are not masked (see parse.ts).
        fc.stringMatching(/^[A-Za-z0-9:/@._-]{6,40}$/),
        (at, secret) => {
          const raw = withValue(staging, at, secret);
          const issues = issuesOf(() => parseConfig(raw, "staging", [`bluegreen:${at[0]}`]));
          for (const issue of issues) {
            expect(`${issue.key}: ${issue.message}`).not.toContain(secret);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("and the keys that hold credentials never quote a value, secret or not", () => {
    for (const key of SECRET_CONFIG_KEYS) expect(["gateHeaders", "notify"]).toContain(key);
    const raw = withValue(staging, ["notify", "webhooks", "0", "url"], "hooks.example.com/services/T0/B0/tok3n");
    const issues = issuesOf(() => parseConfig({ ...raw, "bluegreen:environment": "development" }, "staging"));
    expect(issues).toEqual([
      {
        key: "bluegreen:notify.webhooks.0.url",
        message:
          'must be an absolute http(s) URL such as "https://app.example.com/health" (the value is not shown: it may be a credential)',
      },
    ]);
  });
});

describe("what a message quotes", () => {
  const staging = readStackConfig("staging").values;

  it("a malformed URL without its password, wherever the URL is", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          ["gate", "targets", "blue", "0"],
          ["gate", "targets", "green", "0"],
          ["gate", "prometheus", "url"],
        ),
        fc.constantFrom("ftp", "file", "htp", "gopher", "ws"),
        fc.stringMatching(/^[A-Za-z0-9]{8,20}$/),
        (at, scheme, password) => {
          const raw = withValue(staging, at, `${scheme}://deploy:${password}@internal.example.com/health`);
          const text = issuesOf(() => parseConfig(raw, "staging"))
            .map((issue) => `${issue.key}: ${issue.message}`)
            .join("\n");
          expect(text).toContain(`${scheme}://deploy:***@internal.example.com/health`);
          expect(text).not.toContain(password);
        },
      ),
    );
  });

  it("an oversized value by its size, never echoed (a 2 MB maintenance message, a huge image or name)", () => {
    for (const at of [
      ["maintenance", "message"],
      ["blue", "image"],
      ["app", "name"],
      ["release", "hotfix", "reason"],
      ["migration", "version"],
      ["gate", "targets", "blue", "0"],
    ]) {
      const huge = `${"x".repeat(2 * 1024 * 1024)}:latest`;
      const issues = issuesOf(() => parseConfig(withValue(staging, at, huge), "staging"));
      const text = issues.map((issue) => `${issue.key}: ${issue.message}`).join("\n");
      expect(issues.length, at.join(".")).toBeGreaterThan(0);
      expect(text.length, at.join(".")).toBeLessThan(4096);
      expect(text).not.toContain("x".repeat(SHOWN_VALUE_MAX + 1));
    }
    const message = issuesOf(() =>
      parseConfig(withValue(staging, ["maintenance", "message"], "m".repeat(2 * 1024 * 1024)), "staging"),
    );
    expect(message).toEqual([
      {
        key: "bluegreen:maintenance.message",
        message: expect.stringMatching(/\(got a text of 2,097,152 characters \(not shown\)\)$/),
      },
    ]);
  });
});
