/**
 * Settings that would be unsafe, refused before anything runs: an unpinned
 * image, a relaxed container default without its reason, probe headers in
 * plain text outside development, and a secret the program would use in
 * plain text.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { engineValues } from "../configErrors";
import { ConfigError } from "../../components/config/issues";

const staging = () => readStackConfig("staging").values;
const color = (overrides: Record<string, unknown>) => ({
  ...JSON.parse(staging()["bluegreen:green"]),
  ...overrides,
});

function keysOf(raw: Record<string, string>, secretKeys: string[] = []): string[] {
  try {
    parseConfig(raw, "staging", secretKeys);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
  }
}

describe("images are pinned at validation", () => {
  it.each([
    ["no tag", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api", "has no tag"],
    ["latest", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:latest", "uses a tag that moves with every push"],
    ["LATEST", "api:LATEST", "uses a tag that moves with every push"],
  ])("refuses a color image with %s, naming the key", (_what, image, why) => {
    expect(keysOf({ ...staging(), ...engineValues({ "bluegreen:green": color({ image }) }) })).toEqual([
      expect.stringMatching(new RegExp(`^bluegreen:green\\.image: is not pinned: "${image}" ${why}`)),
    ]);
  });

  it("refuses an unpinned migration image", () => {
    const migration = { ...JSON.parse(staging()["bluegreen:migration"]), image: "api-migrate" };
    expect(keysOf({ ...staging(), ...engineValues({ "bluegreen:migration": migration }) })).toEqual([
      expect.stringMatching(/^bluegreen:migration\.image: is not pinned/),
    ]);
  });

  it("accepts a digest, with or without a tag, and a registry port", () => {
    for (const image of ["api@sha256:0123abcd", "api:latest@sha256:0123abcd", "registry.local:5000/api:1.5.0"]) {
      expect(keysOf({ ...staging(), ...engineValues({ "bluegreen:green": color({ image }) }) })).toEqual([]);
    }
  });
});

describe("relaxing a container default needs its reason", () => {
  it.each([
    [{ readOnlyRootFilesystem: false }, "readOnlyRootFilesystem: false"],
    [{ user: "0" }, 'user: "0" (root)'],
    [{ user: "0:0", readOnlyRootFilesystem: false }, 'readOnlyRootFilesystem: false, user: "0:0" (root)'],
  ])("refuses %j without securityException", (overrides, relaxed) => {
    expect(keysOf({ ...staging(), ...engineValues({ "bluegreen:green": color(overrides) }) })).toEqual([
      `bluegreen:green.securityException: is required: green relaxes a secure default (${relaxed}). Say why the image needs it (e.g. "the image writes its cache to /var/cache/app"), or restore the default (a read-only root filesystem with a writable /tmp; a non-root numeric user such as "10001")`,
    ]);
  });

  it("accepts it with the reason, and defaults to a read-only root filesystem and uid 10001", () => {
    const relaxed = color({ readOnlyRootFilesystem: false, securityException: "nginx writes /var/cache/nginx" });
    const config = parseConfig({ ...staging(), ...engineValues({ "bluegreen:green": relaxed }) }, "staging");
    expect(config.green).toMatchObject({ readOnlyRootFilesystem: false, user: "10001" });
    expect(parseConfig(staging(), "staging").blue).toMatchObject({ readOnlyRootFilesystem: true, user: "10001" });
  });

  it("refuses a user that is not numeric: a name could map to root in the image", () => {
    expect(keysOf({ ...staging(), ...engineValues({ "bluegreen:green": color({ user: "nginx" }) }) })).toEqual([
      expect.stringMatching(/^bluegreen:green\.user: must be a numeric uid or uid:gid/),
    ]);
  });
});

describe("secrets", () => {
  const headers = engineValues({ "bluegreen:gateHeaders": { Authorization: "Bearer abc" } });

  it("refuses probe headers in plain text outside development, naming the --secret --path command", () => {
    expect(keysOf({ ...staging(), ...headers })).toEqual([
      expect.stringContaining(
        "bluegreen:gateHeaders: is in plain text in a staging stack file: probe headers carry credentials. Set each with `pulumi config set --secret --path 'bluegreen:gateHeaders.<Header>' '<value>'`",
      ),
    ]);
    expect(keysOf({ ...staging(), ...headers }, ["bluegreen:gateHeaders"])).toEqual([]);
    expect(keysOf({ ...staging(), ...headers, "bluegreen:environment": "development" })).toEqual([]);
  });

  it("refuses a secret the program would use in plain text, without printing it", () => {
    const lines = keysOf(staging(), ["bluegreen:green", "aws:secretKey"]);
    expect(lines).toEqual([expect.stringMatching(/^bluegreen:green: holds a value set with `--secret`/)]);
  });
});
