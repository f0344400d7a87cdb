import { describe, expect, it } from "vitest";
import { STEP_PURPOSES } from "../../../components/contracts/markers";
import { CLOUD_TYPES, DYNAMIC_TYPES } from "../../../components/contracts/resourceTypes";
import { releaseSteps, StepSource } from "../../../tooling/plan/releaseSteps";

const MIGRATION = {
  version: "42",
  image: "m:1",
  command: ["migrate"],
  timeoutSeconds: 60,
  reversible: false,
  rehearse: false,
  validate: [],
  breaking: false,
};
const facts = { migration: MIGRATION, percent: { blue: 90, green: 10 } };

function step(key: string, type: string, inputs: Record<string, unknown>, dependsOn: string[] = []): StepSource {
  return { key, type, inputs, dependsOn };
}

/** The local platform's step resources, wired as BlueGreenApp wires them. */
function localGraph(overrides: Partial<Record<string, string[]>> = {}): StepSource[] {
  const deps = (key: string, normal: string[]) => overrides[key] ?? normal;
  const container = (color: string) => ({
    labels: [
      { label: "bluegreen.color", value: color },
      { label: "bluegreen.version", value: color === "blue" ? "1.0.0" : "1.1.0" },
    ],
  });
  return [
    step("weights", DYNAMIC_TYPES.haproxyWeights.token, {}, deps("weights", ["gate-blue", "gate-green"])),
    step(
      "gate-green",
      DYNAMIC_TYPES.promotionGateCheck.token,
      { color: "green" },
      deps("gate-green", ["green", "migration"]),
    ),
    step(
      "gate-blue",
      DYNAMIC_TYPES.promotionGateCheck.token,
      { color: "blue" },
      deps("gate-blue", ["blue", "migration"]),
    ),
    step("green", CLOUD_TYPES.dockerContainer, container("green"), deps("green", ["migration"])),
    step("blue", CLOUD_TYPES.dockerContainer, container("blue"), deps("blue", [])),
    step(
      "migration",
      DYNAMIC_TYPES.oneShotCommand.token,
      { purpose: STEP_PURPOSES.migration, runKey: "42" },
      deps("migration", ["snapshot"]),
    ),
    step(
      "snapshot",
      DYNAMIC_TYPES.oneShotCommand.token,
      { purpose: STEP_PURPOSES.snapshot, runKey: "api-pre-42" },
      deps("snapshot", []),
    ),
    step("postgres", CLOUD_TYPES.dockerContainer, { labels: [] }),
  ];
}

describe("releaseSteps", () => {
  it("reads the steps off the graph, in the order the resources wait for each other", () => {
    expect(releaseSteps(localGraph(), facts)).toEqual([
      { kind: "snapshot", snapshotId: "api-pre-42" },
      { kind: "migration", ...MIGRATION },
      { kind: "deploy", color: "blue", version: "1.0.0", afterMigration: false },
      { kind: "deploy", color: "green", version: "1.1.0", afterMigration: true },
      { kind: "gate", colors: ["blue", "green"] },
      { kind: "routing", percent: { blue: 90, green: 10 } },
    ]);
  });

  it("shows a wrongly wired program as it is: a snapshot that waits for the migration comes after it", () => {
    const steps = releaseSteps(localGraph({ migration: [], snapshot: ["migration"] }), facts).map((s) => s.kind);
    expect(steps.slice(0, 2)).toEqual(["migration", "snapshot"]);
  });

  it("marks only the colors that wait for the migration", () => {
    const steps = releaseSteps(localGraph({ green: [] }), facts);
    expect(steps.filter((s) => s.kind === "deploy").map((s) => s.kind === "deploy" && s.afterMigration)).toEqual([
      false,
      false,
    ]);
  });

  it("ignores resources that play no part, and a OneShotCommand without a purpose", () => {
    const steps = releaseSteps(
      [step("cmd", DYNAMIC_TYPES.oneShotCommand.token, { description: "snapshot x", runKey: "x" })],
      facts,
    );
    expect(steps).toEqual([]);
  });
});
