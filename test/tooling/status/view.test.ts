import { describe, expect, it } from "vitest";
import { bar } from "../../../tooling/status/bars";
import { renderStatus, statusFromOutputs } from "../../../tooling/status/view";

const OUTPUTS = {
  url: "https://api.example.com",
  platform: "aws",
  primaryColor: "green",
  weights: { blue: 25, green: 75 },
  trafficPercent: { blue: 25, green: 75 },
  versions: { blue: "1.4.2", green: "1.10.0-rc.1" },
  gateVerdicts: { blue: "skipped", green: "passed" },
  snapshotId: "api-pre-42",
  migrationVersion: "42",
};

describe("bar", () => {
  it.each([
    [0, "░░░░░░░░░░"],
    [4, "░░░░░░░░░░"],
    [5, "█░░░░░░░░░"],
    [50, "█████░░░░░"],
    [100, "██████████"],
  ])("%d %% of 10 cells is %s", (percent, text) => {
    expect(bar(percent, 10)).toBe(text);
  });
});

describe("renderStatus", () => {
  it("shows bars, shares, weights, versions, the primary color, gate verdicts, snapshot and migration", () => {
    expect(renderStatus(statusFromOutputs("production", "stack outputs", OUTPUTS), 20)).toBe(
      [
        "Stack production on aws (stack outputs): https://api.example.com",
        "  blue   1.4.2        █████░░░░░░░░░░░░░░░   25 %  weight  25           gate skipped",
        "  green  1.10.0-rc.1  ███████████████░░░░░   75 %  weight  75  primary  gate passed",
        "  last snapshot:  api-pre-42",
        "  last migration: 42",
      ].join("\n"),
    );
  });

  it("says what is missing rather than guessing: no verdicts, no migration", () => {
    const view = statusFromOutputs("dev", "offline", {
      ...OUTPUTS,
      url: undefined,
      gateVerdicts: {},
      snapshotId: undefined,
      migrationVersion: undefined,
    });
    expect(renderStatus(view, 4).split("\n")).toEqual([
      "Stack dev on aws (offline)",
      "  blue   1.4.2        █░░░   25 %  weight  25           gate none recorded",
      "  green  1.10.0-rc.1  ███░   75 %  weight  75  primary  gate none recorded",
      "  last snapshot:  none (no migration configured)",
      "  last migration: none",
    ]);
  });

  it("shows what the migration's rehearsal measured, when the stack has it", () => {
    const view = statusFromOutputs("local", "stack outputs", {
      ...OUTPUTS,
      rehearsal: {
        kind: "migration-rehearsal",
        migrationVersion: "42",
        durationMs: 12_400,
        sampledEveryMs: 50,
        locks: [
          { table: "public.orders", mode: "AccessExclusiveLock", heldMs: 11_950 },
          { table: "public.customers", mode: "ShareRowExclusiveLock", heldMs: 400 },
        ],
      },
    });
    expect(renderStatus(view, 20).split("\n").slice(-2)).toEqual([
      "  last migration: 42",
      "  rehearsal:      migration 42 rehearsed on a copy of the real data: ran 12 s; held public.orders AccessExclusiveLock 12 s, public.customers ShareRowExclusiveLock 0.4 s",
    ]);
  });

  it("leaves out a rehearsal output it cannot read (another report version) rather than show half of it or stop", () => {
    const view = statusFromOutputs("local", "stack outputs", {
      ...OUTPUTS,
      rehearsal: { kind: "migration-rehearsal", locks: "x" },
    });
    expect(view.rehearsal).toBeUndefined();
    expect(renderStatus(view)).not.toContain("rehearsal");
  });

  it("lists the security groups an existing database admits, when the stack has them", () => {
    const view = statusFromOutputs("production", "stack outputs", {
      ...OUTPUTS,
      databaseClientSecurityGroups: { blue: "sg-0b1", green: "sg-0c2", migration: "sg-0d3" },
    });
    expect(renderStatus(view, 20).split("\n").at(-1)).toBe(
      "  database clients: blue sg-0b1, green sg-0c2, migration sg-0d3 (the existing database admits each on its port: docs/aws.md)",
    );
  });

  it("shows HOTFIX with its reason and emergency snapshot right under the stack line", () => {
    const view = statusFromOutputs("production", "stack outputs", {
      ...OUTPUTS,
      hotfix: { reason: "INC-42: checkout times out", snapshotId: "api-hotfix-1-10-1" },
    });
    expect(renderStatus(view, 20).split("\n")[1]).toBe(
      "  HOTFIX: INC-42: checkout times out (emergency snapshot api-hotfix-1-10-1; one jump past gate.maxStep)",
    );
  });

  it("refuses a stack without the program's outputs, naming them", () => {
    expect(() => statusFromOutputs("staging", "stack outputs", { url: "x" })).toThrow(
      "stack staging has no `platform`, `primaryColor`, `weights`, `trafficPercent`, `versions` outputs: " +
        "it was not deployed by this program yet (or by an older version). Run `pulumi up`, or look at the config with `--offline`.",
    );
  });
});
