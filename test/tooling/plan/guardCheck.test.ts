/**
 * The PR plan applies the release guard (tooling/plan/guardCheck.ts): with a
 * base plan it refuses what the guard's Check would refuse at `pulumi
 * preview` once the base is deployed, with the guard's message.
 *
 * Agreement, for every pair of base and head the guard reads (environment,
 * migration version and breaking flag, maintenance, hotfix; and no base at
 * all): the plan's verdict equals the guard's, where the guard side is
 * played as the engine plays it: the base's update records the guard's
 * checked inputs, its migration step completes (MigrationCompleted is
 * created) and the program writes that migration into the record, then the
 * head's Check runs with the record. Then, on real plans of the shipped
 * stacks, the plan reads the guard's inputs the program registers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckFailure } from "../../../components/contracts/providerKit";
import { DYNAMIC_TYPES } from "../../../components/contracts/resourceTypes";
import { parseConfig } from "../../../components/platforms";
import { releaseGuardProvider } from "../../../components/guard/provider";
import { migrationCompletedProvider } from "../../../components/guard/recordProviders";
import { releaseGuardInputs } from "../../../components/guard/releaseGuard";
import { recordedMigration, ReleaseGuardInputs } from "../../../components/guard/rules";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import type { Plan } from "../../../tooling/plan/buildPlan";
import { guardBlockingLine, judgeGuardAgainstBase, renderGuardJudgement } from "../../../tooling/plan/guardCheck";
import { offlinePlan } from "../../../tooling/plan/offlinePlan";
import { renderSummary } from "../../../tooling/plan/summary";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../../tooling/policy/analyzer";

const KEY = "bluegreen:index:BlueGreenApp$pulumi-nodejs:dynamic/bluegreen:ReleaseGuard::api-release-guard";

/** A plan holding only the guard, registered as the program registers it (record unknown offline, code as a digest). */
function planWith(guard: ReleaseGuardInputs | undefined): Plan {
  const resources =
    guard === undefined
      ? []
      : [
          {
            key: KEY,
            type: DYNAMIC_TYPES.releaseGuard.token,
            name: "api-release-guard",
            parent: "bluegreen:index:BlueGreenApp::api",
            custom: true,
            inputs: { ...guard, completedMigration: "(known after up)", __provider: "sha256:0123456789abcdef" },
            dependsOn: [],
            protect: false,
            retainOnDelete: false,
          },
        ];
  return { resources } as unknown as Plan;
}

/**
 * The guard's verdict on `head` once `base` was deployed, played through the
 * providers as the engine calls them; `base` undefined: the guard's first update.
 */
async function guardVerdict(base: ReleaseGuardInputs | undefined, head: ReleaseGuardInputs): Promise<CheckFailure[]> {
  const check = releaseGuardProvider.check!;
  if (base === undefined) return (await check({}, head)).failures ?? [];
  const recorded = (await check({}, base)).inputs;
  const record = base.migration
    ? (await migrationCompletedProvider.create!({ app: base.app, migration: recordedMigration(base) })).outs.migration
    : false;
  return (await check(recorded, { ...head, completedMigration: record })).failures ?? [];
}

const planVerdict = (base: ReleaseGuardInputs | undefined, head: ReleaseGuardInputs) =>
  judgeGuardAgainstBase(planWith(base), planWith(head))[0].refusals;

/** Every value of every field the guard reads. */
function everyGuardInput(): ReleaseGuardInputs[] {
  const migrations = [
    undefined,
    { version: "2026-11-20-orders-index", breaking: false },
    { version: "2026-11-20-orders-index", breaking: true },
    { version: "2026-12-01-split-orders", breaking: false },
    { version: "2026-12-01-split-orders", breaking: true },
  ];
  return ["production", "staging"].flatMap((environment) =>
    migrations.flatMap((migration) =>
      [false, true].flatMap((maintenance) =>
        [undefined, { reason: "INC-42" }].map((hotfix) => ({
          app: "api",
          environment,
          ...(migration ? { migration } : {}),
          maintenance,
          ...(hotfix ? { hotfix } : {}),
        })),
      ),
    ),
  );
}

describe("the plan and the guard agree on every base and head", () => {
  it("for each of 41 bases (one absent) x 40 heads: the same refusals, with the same messages", async () => {
    const inputs = everyGuardInput();
    const refusedBy = new Set<string>();
    let pairs = 0;
    for (const base of [undefined, ...inputs]) {
      for (const head of inputs) {
        const guard = await guardVerdict(base, head);
        expect(planVerdict(base, head), JSON.stringify({ base, head })).toEqual(guard);
        for (const failure of guard) refusedBy.add(failure.property);
        pairs += 1;
      }
    }
    expect(pairs).toBe(41 * 40);
    // Both of the guard's rules were exercised, not only passes.
    expect([...refusedBy].sort()).toEqual(["hotfix", "maintenance"]);
  });

  it("the window must be open in the base: opening it in the head with a new breaking migration is refused", async () => {
    const base = { app: "api", environment: "production", maintenance: false };
    const head = { ...base, migration: { version: "2026-12-01-split-orders", breaking: true }, maintenance: true };
    expect((await guardVerdict(base, head)).map((f) => f.property)).toEqual(["maintenance"]);
    expect((await guardVerdict({ ...base, maintenance: true }, head)).map((f) => f.property)).toEqual([]);
  });
});

describe("rendering the guard's verdict", () => {
  const base = {
    app: "api",
    environment: "production",
    migration: { version: "A", breaking: false },
    maintenance: false,
  };
  const head = { ...base, migration: { version: "B", breaking: true }, hotfix: { reason: "INC-42" } };

  it("names each change, each refusal with the guard's message, and that `pulumi preview` judges the deployed state", () => {
    const judgements = judgeGuardAgainstBase(planWith(base), planWith(head));
    const text = renderGuardJudgement(judgements, "base.json");
    expect(text.split("\n").slice(0, 2)).toEqual([
      "Release guard, judged from base.json as if it were deployed:",
      '  api-release-guard: production; migration A -> B (breaking); maintenance window off; hotfix "INC-42": refused',
    ]);
    expect(text).toContain(`  REFUSED (api-release-guard): ${judgements[0].refusals[0].reason}`);
    expect(text).toContain(`  REFUSED (api-release-guard): ${judgements[0].refusals[1].reason}`);
    expect(text).toContain("`pulumi preview` judges against the deployed state instead");
    expect(guardBlockingLine(judgements)).toBe(
      "PLAN BLOCKED: the release guard api-release-guard would refuse this change at `pulumi preview` (see REFUSED above). Change it as the message says.",
    );
  });

  it("a guard missing from the base is judged as its first update, and says so; a pass blocks nothing", () => {
    const judgements = judgeGuardAgainstBase(planWith(undefined), planWith({ ...base, environment: "staging" }));
    expect(renderGuardJudgement(judgements, "old.json")).toContain(
      "  api-release-guard (not in old.json: judged as its first update): staging; migration none -> A; maintenance window off: passes",
    );
    expect(guardBlockingLine(judgements)).toBeUndefined();
  });
});

describe("on real plans of the shipped stacks", () => {
  const production = readStackConfig("production");
  const migration = JSON.parse(production.values["bluegreen:migration"]) as Record<string, unknown>;
  const green = JSON.parse(production.values["bluegreen:green"]) as Record<string, unknown>;
  const BREAKING = {
    "bluegreen:migration": {
      ...migration,
      version: "2026-12-01-split-orders",
      reversible: false,
      breaking: true,
      rehearse: true,
    },
  };
  const WINDOW = { "bluegreen:maintenance": { enabled: true, message: "Moving orders", retryAfterSeconds: 600 } };
  const HOTFIX = {
    "bluegreen:green": { ...green, version: "1.4.3", image: String(green.image).replace("1.5.0", "1.4.3") },
    "bluegreen:release": { hotfix: { reason: "INC-42: checkout times out" } },
    "bluegreen:migration": { ...migration, version: "2026-12-01-index" },
  };
  const CASES: {
    name: string;
    stack: string;
    base: Record<string, unknown>;
    head: Record<string, unknown>;
    refused: string[];
  }[] = [
    { name: "hotfix, new migration", stack: "production", base: {}, head: HOTFIX, refused: ["hotfix"] },
    {
      name: "breaking, no window",
      stack: "production",
      base: {},
      head: BREAKING,
      refused: ["maintenance"],
    },
    {
      name: "breaking, window opens with it",
      stack: "production",
      base: {},
      head: { ...BREAKING, ...WINDOW },
      refused: ["maintenance"],
    },
    {
      name: "breaking, window open in base",
      stack: "production",
      base: WINDOW,
      head: { ...BREAKING, ...WINDOW },
      refused: [],
    },
    {
      name: "window closes after it ran",
      stack: "production",
      base: { ...BREAKING, ...WINDOW },
      head: BREAKING,
      refused: [],
    },
    {
      name: "breaking outside production",
      stack: "staging",
      base: {},
      head: { ...BREAKING, "bluegreen:migration": { ...BREAKING["bluegreen:migration"], rehearse: false } },
      refused: [],
    },
  ];

  let analyzer: PolicyAnalyzer;
  const plans = new Map<string, Plan>();
  const planOf = async (stack: string, overrides: Record<string, unknown>) => {
    const key = `${stack} ${JSON.stringify(overrides)}`;
    if (!plans.has(key)) plans.set(key, await offlinePlan(stack, { analyzer, overrides }));
    return plans.get(key)!;
  };
  const guardOf = (stack: string, overrides: Record<string, unknown>) => {
    const stackConfig = readStackConfig(stack);
    return releaseGuardInputs(parseConfig({ ...stackConfig.values, ...overrides }, stack, stackConfig.secretKeys));
  };
  beforeAll(async () => {
    analyzer = await startPolicyAnalyzer();
  }, 60_000);
  afterAll(() => analyzer?.stop());

  it.each(CASES)(
    "$stack, $name: the plan refuses $refused, as the guard would with the config's inputs",
    async ({ stack, base, head, refused }) => {
      const [before, after] = [await planOf(stack, base), await planOf(stack, head)];
      const [judgement] = judgeGuardAgainstBase(before, after);
      expect(judgement.head).toEqual(guardOf(stack, head));
      expect(judgement.base).toEqual(guardOf(stack, base));
      expect(judgement.refusals.map((f) => f.property)).toEqual(refused);
      expect(judgement.refusals).toEqual(await guardVerdict(guardOf(stack, base), guardOf(stack, head)));
    },
    120_000,
  );

  it("the summary never says a breaking migration runs inside a window when none is on", async () => {
    const noWindow = renderSummary(await planOf("production", BREAKING));
    expect(noWindow).not.toContain("runs inside a maintenance window");
    expect(noWindow).not.toContain("runs while the maintenance window is on");
    expect(noWindow).toContain(
      "breaking: no maintenance window is on (bluegreen:maintenance.enabled), so in production the release guard refuses it unless it already ran",
    );
    const window = renderSummary(await planOf("production", { ...BREAKING, ...WINDOW }));
    expect(window).toContain(
      "breaking: runs while the maintenance window is on, which the release guard wants open since an earlier update",
    );
  }, 120_000);
});
