/**
 * `bluegreen:release.hotfix` in config validation: what the stack file alone
 * shows (the candidate is a patch release of the stable version). Whether the
 * hotfix carries a *new* migration version needs the previous state: the
 * release guard's Check refuses that at preview (test/guard/releaseGuard.test.ts).
 */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../tooling/engine/stackFiles";
import { issueLines } from "../configErrors";

const REASON = { hotfix: { reason: "INC-42: checkout times out on large carts" } };

/** Pulumi.staging.yaml (blue 1.4.2) with green at `version` and the given release mode. */
function staging(version: string, release: unknown): Record<string, unknown> {
  const values = readStackConfig("staging").values;
  const green = JSON.parse(values["bluegreen:green"]) as Record<string, unknown>;
  return {
    ...values,
    "bluegreen:green": JSON.stringify({ ...green, version, image: String(green.image).replace("1.5.0", version) }),
    "bluegreen:release": JSON.stringify(release),
  };
}
const hotfixLines = (raw: Record<string, unknown>) =>
  issueLines(raw, "staging").filter((line) => line.startsWith("bluegreen:release.hotfix"));

describe("bluegreen:release.hotfix in config validation", () => {
  it("accepts a patch release of the stable version (1.4.2 -> 1.4.3), migration configured or not", () => {
    expect(issueLines(staging("1.4.3", REASON), "staging")).toEqual([]);
  });

  it("refuses a minor release riding along with the flag, naming the key and the fix", () => {
    expect(hotfixLines(staging("1.5.0", REASON))).toEqual([
      "bluegreen:release.hotfix: is set but green 1.5.0 is not a patch release of blue 1.4.2 (same major and minor, higher patch, no prerelease): a hotfix may not ride along with a regular release. Remove bluegreen:release.hotfix",
    ]);
  });

  it("refuses a release candidate of the next patch (1.4.3-rc.1): untested code may not skip the step limit", () => {
    expect(hotfixLines(staging("1.4.3-rc.1", REASON))).toEqual([
      "bluegreen:release.hotfix: is set but green 1.4.3-rc.1 is not a patch release of blue 1.4.2 (same major and minor, higher patch, no prerelease): a hotfix may not ride along with a regular release. Remove bluegreen:release.hotfix",
    ]);
  });

  it("refuses the flag when both colors run one version", () => {
    expect(hotfixLines(staging("1.4.2", REASON))).toEqual([
      "bluegreen:release.hotfix: is set but both colors run one version (blue 1.4.2, green 1.4.2): a hotfix ships a patch release of the stable version. Deploy it to one color, or remove bluegreen:release.hotfix",
    ]);
  });

  it("asks for a reason of at least 10 characters", () => {
    expect(issueLines(staging("1.4.3", { hotfix: { reason: "urgent" } }), "staging")).toEqual([
      'bluegreen:release.hotfix.reason: must say why this is a hotfix (at least 10 characters) (got "urgent")',
    ]);
  });

  it("passes a regular release without the flag", () => {
    expect(hotfixLines(staging("1.5.0", {}))).toEqual([]);
  });
});
