import { describe, expect, it } from "vitest";
import { parsePlanArgs } from "../../../tooling/plan/args";
import { UsageError } from "../../../tooling/cli/command";
import { Plan, resourceKey, sanitize, SECRET_TEXT, UNKNOWN_TEXT } from "../../../tooling/plan/buildPlan";
import { stableStringify } from "../../../tooling/plan/stableJson";
import { blockingLine } from "../../../tooling/plan/summary";

describe("stableStringify", () => {
  it("sorts keys at every level, keeps array order, drops undefined, ends with a newline", () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{\n  "a": {\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it("gives the same text whatever order the keys were added in", () => {
    expect(stableStringify({ x: 1, y: { b: 2, a: 1 } })).toBe(stableStringify({ y: { a: 1, b: 2 }, x: 1 }));
  });
});

describe("sanitize", () => {
  const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };

  it("hides secrets, names unknowns and removes the checkout's location", () => {
    expect(
      sanitize(
        {
          token: secret,
          dns: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
          file: "/home/ci/repo/policies/x.json",
          list: [secret],
        },
        "/home/ci/repo",
      ),
    ).toEqual({ token: SECRET_TEXT, dns: UNKNOWN_TEXT, file: "<project>/policies/x.json", list: [SECRET_TEXT] });
  });
});

describe("resourceKey", () => {
  it("drops stack and project from a URN, so stacks compare", () => {
    expect(
      resourceKey(
        "urn:pulumi:staging::bluegreen::bluegreen:index:BlueGreenApp$aws:lb/listener:Listener::api-traffic-listener",
      ),
    ).toBe("bluegreen:index:BlueGreenApp$aws:lb/listener:Listener::api-traffic-listener");
    expect(resourceKey("")).toBe("");
  });
});

describe("parsePlanArgs", () => {
  it.each([
    [["staging"], { stack: "staging" }],
    [["staging", "--json"], { stack: "staging", json: "plan-staging.json" }],
    [["staging", "--json", "out/plan.json"], { stack: "staging", json: "out/plan.json" }],
    [["--json", "staging"], { stack: "staging", json: "plan-staging.json" }],
    [
      ["production", "--diff", "old.json", "--json"],
      { stack: "production", json: "plan-production.json", diff: "old.json" },
    ],
  ])("reads %j", (argv, command) => {
    expect(parsePlanArgs(argv)).toEqual({ json: undefined, diff: undefined, ...command });
  });

  it.each([
    [[], "give exactly one stack name (got none)"],
    [["staging", "production"], "give exactly one stack name (got staging production)"],
    [["staging", "--dif", "x.json"], "Unknown option '--dif'"],
  ])("rejects %j with the usage", (argv, message) => {
    expect(() => parsePlanArgs(argv)).toThrow(UsageError);
    expect(() => parsePlanArgs(argv)).toThrow(message);
    expect(() => parsePlanArgs(argv)).toThrow(
      "usage: npm run plan -- <stack> [--json [<file>.json]] [--diff <old-plan>.json]",
    );
  });
});

describe("blockingLine", () => {
  const withViolations = (violations: Plan["violations"]) => ({ violations }) as Plan;

  it("blocks on mandatory violations only, naming the policies once each", () => {
    expect(
      blockingLine(withViolations([{ policyName: "tips", enforcementLevel: "advisory", message: "m" }])),
    ).toBeUndefined();
    expect(
      blockingLine(
        withViolations([
          { policyName: "images-pinned", enforcementLevel: "mandatory", message: "a" },
          { policyName: "images-pinned", enforcementLevel: "mandatory", message: "b" },
          { policyName: "tips", enforcementLevel: "advisory", message: "c" },
        ]),
      ),
    ).toBe(
      "PLAN BLOCKED: 2 mandatory policy violations (images-pinned); `pulumi up` with --policy-pack policies would refuse this stack. " +
        "Fix the config or resources listed above and plan again.",
    );
  });
});
