/**
 * What a breach does when rule (f) forbids the way back (issue 26, ask 4):
 * the pure decision over every combination of the rules' answers, then
 * `npm run watch` as the release engine runs it after the breaking-migration
 * runbook's window closed, against an in-memory stack with the program's
 * real config rules and the real promotion rule, on a logical clock.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReleaseRecord } from "../../../tooling/history/record";
import { breachResponse, MAINTENANCE_ENABLED_KEY } from "../../../tooling/release/breachResponse";
import { runWatchCommand } from "../../../tooling/release/watchRun";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { errorRateBreach, FakeClock, FakeStack } from "./fakeStack";

describe("breachResponse: what a breach does, given the rules' answer on going back", () => {
  const refusal = fc.option(fc.string({ minLength: 1 }), { nil: undefined });

  it("the page goes back up exactly when rule (f) refuses and it is not up already; otherwise any refusal stops, and none rolls back", () => {
    fc.assert(
      fc.property(refusal, refusal, fc.boolean(), (migration, config, maintenanceOn) => {
        // Rule (f)'s refusal is always among the refusals.
        const any = migration ?? config;
        const response = breachResponse({ migration, any, maintenanceOn });
        if (migration !== undefined && !maintenanceOn) {
          expect(response).toEqual({ kind: "maintenance-page", refusal: migration });
        } else if (any !== undefined) {
          expect(response).toEqual({ kind: "stop", refusal: any });
        } else {
          expect(response).toEqual({ kind: "roll-back" });
        }
      }),
    );
  });
});

const breach = errorRateBreach();
const WATCH = { stack: "staging", durationMs: 1_800_000, rollback: true, verbose: false };
const RULE_F =
  "traffic to blue (1.4.2) would rise, but migration 2026-12-01-split-orders is irreversible and blue runs an older major version than 2.0.0";

/** The runbook after step 5: green 2.0.0 has all the traffic after an irreversible migration, the window just closed. */
function afterWindow(overrides: Record<string, unknown> = {}, options: { failUps?: number } = {}) {
  const values = readStackConfig("staging").values;
  const green = {
    ...JSON.parse(values["bluegreen:green"]),
    version: "2.0.0",
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0",
  };
  const migration = {
    ...JSON.parse(values["bluegreen:migration"]),
    version: "2026-12-01-split-orders",
    reversible: false,
  };
  const clock = new FakeClock();
  const stack = new FakeStack("staging", clock, {
    deployed: { blue: 0, green: 100 },
    overrides: {
      "bluegreen:green": green,
      "bluegreen:migration": migration,
      "bluegreen:traffic": { blue: 0, green: 100 },
      "bluegreen:maintenance": { enabled: false, message: "Back by 22:30 UTC." },
      ...overrides,
    },
    engineFails: (up) => (up <= (options.failUps ?? 0) ? "the ALB is throttling" : undefined),
  });
  const session = clock.session(stack, () => ({ kind: "breach", breaches: [breach], reason: breach.text }));
  return { clock, stack, session };
}

describe("npm run watch after the window of an irreversible major migration closed", () => {
  it("GIVEN rule (f) forbids going back to blue WHEN green breaches THEN the page goes back up, traffic stays, and the release stops saying why", async () => {
    const { clock, stack, session } = afterWindow();
    const outcome = await runWatchCommand(session, WATCH);

    expect(stack.calls).toEqual([`set ${MAINTENANCE_ENABLED_KEY}=true`, "up -policies"]);
    expect(JSON.parse(stack.raw["bluegreen:maintenance"])).toMatchObject({
      enabled: true,
      message: "Back by 22:30 UTC.",
    });
    expect(stack.deployed).toEqual({ blue: 0, green: 100 });
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.weights).toEqual({ blue: 0, green: 100 });
    expect(outcome.summary).toContain(
      `green breached at blue 0% / green 100%: ${breach.text}. traffic cannot go back to blue: ${RULE_F}`,
    );
    expect(outcome.summary).toContain(
      "The maintenance page is back up (bluegreen:maintenance.enabled true) and the release stopped, traffic at blue 0% / green 100% behind it. " +
        "Restore from the pre-migration snapshot (docs/runbook-breaking-migration.md, step 7).",
    );
    expect(clock.lines[0]).toContain(
      `a breach puts the maintenance page back up and stops: traffic cannot go back to blue (${RULE_F}`,
    );
    const record = parseReleaseRecord(stack.messages[0]!);
    expect(record).toMatchObject({
      kind: "record",
      record: { command: "watch", result: "stopped", watch: { outcome: "breach" } },
    });
    expect(clock.events.map((e) => e.type)).toEqual(["breach", "rollback-failed"]);
  });

  it("GIVEN the same stack with a restore snapshot configured WHEN green breaches THEN it rolls back to blue as usual", async () => {
    const database = {
      ...JSON.parse(readStackConfig("staging").values["bluegreen:database"]),
      restoreFromSnapshot: "api-pre-2026-12-01-split-orders",
    };
    const { stack, session } = afterWindow({ "bluegreen:database": database });
    const outcome = await runWatchCommand(session, WATCH);
    expect(outcome.end).toBe("breach");
    expect(stack.calls[0]).toMatch(/^set bluegreen:traffic\.blue=100 bluegreen:traffic\.green=0/);
    expect(stack.raw["bluegreen:maintenance"]).toContain('"enabled":false');
  });

  it("GIVEN the page is already up WHEN the watch starts THEN it does not: nothing more could protect users, as before", async () => {
    const { stack, session } = afterWindow({ "bluegreen:maintenance": { enabled: true } });
    const outcome = await runWatchCommand(session, WATCH);
    expect(outcome).toMatchObject({ end: "failed" });
    expect(outcome.summary).toMatch(
      /^not starting: a rollback to blue would be refused by blue's gate: traffic to blue \(1\.4\.2\)/,
    );
    expect(stack.calls).toEqual([]);
  });

  it("GIVEN pulumi up fails three times WHEN putting the page back up THEN it says so and that users still reach green", async () => {
    const { stack, session } = afterWindow({}, { failUps: 3 });
    const outcome = await runWatchCommand(session, WATCH);
    expect(stack.calls).toEqual([
      `set ${MAINTENANCE_ENABLED_KEY}=true`,
      "up -policies",
      "up -policies",
      "up -policies",
    ]);
    expect(outcome.end).toBe("rollbackFailed");
    expect(outcome.summary).toContain(
      "Putting the maintenance page back up FAILED: the stack config says bluegreen:maintenance.enabled true, but `pulumi up` failed (",
    );
    expect(outcome.summary).toContain("Users still reach green: run `pulumi up -s staging` now.");
  });
});
