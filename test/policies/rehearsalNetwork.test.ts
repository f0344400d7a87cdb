/**
 * database-ingress-from-app on the migration rehearsal's network, through the
 * real analyzer (the pack process the Pulumi CLI starts): the staging stack
 * with `rehearse` as the program registers it passes; a real database that
 * admits the rehearsal's task group (by a rule of its own, or because the
 * rehearsal runs in the migration's group) is refused; the copy's group, which
 * belongs to no `aws.rds.Instance`, is accepted as long as it admits the
 * rehearsal's tasks alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutate, runWith, seen } from "../../testkit/analyzerCases";
import type { ProgramRun, RegisteredResource } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

const POLICY = "database-ingress-from-app";
const AFTER =
  "Stack policies run after an update's changes: if this fails `pulumi up` after its preview passed (a value unknown at preview), the rule already exists: remove it and run `pulumi up` again.";
const REHEARSAL_FIX = `The rehearsal's tasks run in a group of their own that only their copy's group admits (rehearsalNetwork in components/aws/taskNetwork.ts): remove the rule, or give the rehearsal its own group. ${AFTER}`;

let analyzer: PolicyAnalyzer;
let staging: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  staging = await runWith("staging", "bluegreen:migration", { rehearse: true });
  analyzer = await starting;
}, 180_000);
afterAll(() => analyzer?.stop());

const urnOf = (name: string) => staging.resources.find((r) => r.name === name)!.urn;
const violations = async (resources: readonly RegisteredResource[]) =>
  seen(await analyzer.analyze(resources, { config: readPolicyConfig("staging") })).filter(([p]) => p === POLICY);

/** `rule` pointed at `group` by reference, as a program registers a rule of its own. */
function referencing(group: string) {
  return (rule: {
    propertyDependencies: Record<string, string[]>;
    dependencies: string[];
    inputs: Record<string, any>;
  }) => {
    rule.propertyDependencies = { ...rule.propertyDependencies, referencedSecurityGroupId: [urnOf(group)] };
    rule.dependencies = [...rule.dependencies, urnOf(group)];
    rule.inputs.referencedSecurityGroupId = `sg-of-${group}`;
  };
}

describe(`${POLICY} and the migration rehearsal`, () => {
  it("passes the rehearsal as the program registers it: its tasks and its copy in groups of their own", async () => {
    expect(await violations(staging.resources)).toEqual([]);
  });

  it("refuses a real database that admits the rehearsal's task group", async () => {
    const resources = mutate(staging.resources, "api-blue-db-ingress", referencing("api-migration-rehearsal-sg"));
    expect(await violations(resources)).toEqual([
      [
        POLICY,
        "mandatory",
        "api-database-db-sg",
        `Security group api-database-db-sg of RDS instance api-database-db must admit only the app's tasks and migration task, never the migration rehearsal's: it admits security group api-migration-rehearsal-sg, in which the rehearsal's tasks run, so a connection setting the rehearsal did not point at its copy would migrate this database. ${REHEARSAL_FIX}`,
      ],
    ]);
  });

  it("refuses a rehearsal that runs in the migration's group, which the real database admits", async () => {
    const resources = mutate(staging.resources, "api-migration-rehearsal", (r) => {
      r.propertyDependencies = { ...r.propertyDependencies, securityGroupIds: [urnOf("api-migration-sg")] };
    });
    expect(
      (await violations(resources)).map(([, , name, message]) => [name, message.split(": it admits ")[1]]),
    ).toEqual([
      [
        "api-database-db-sg",
        `security group api-migration-sg, in which the rehearsal's tasks run, so a connection setting the rehearsal did not point at its copy would migrate this database. ${REHEARSAL_FIX}`,
      ],
      // The copy's group now admits a group no rehearsal runs in.
      ["api-migration-rehearsal-db-sg", `security group api-migration-rehearsal-sg. ${REHEARSAL_FIX}`],
    ]);
  });

  it("refuses a copy group that admits anything but the rehearsal's tasks: the app's colors, an address range", async () => {
    const fromColor = mutate(
      staging.resources,
      "api-migration-rehearsal-db-ingress",
      referencing("api-green-tasks-sg"),
    );
    expect(await violations(fromColor)).toEqual([
      [
        POLICY,
        "mandatory",
        "api-migration-rehearsal-db-sg",
        `Security group api-migration-rehearsal-db-sg of the migration rehearsal's copy must admit only the rehearsal's tasks: it admits security group api-green-tasks-sg. ${REHEARSAL_FIX}`,
      ],
    ]);
    const fromRange = mutate(staging.resources, "api-migration-rehearsal-db-sg", (r) => {
      r.inputs.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }];
    });
    expect(
      (await violations(fromRange)).map(([, , name, message]) => [name, message.split(": it admits ")[1]]),
    ).toEqual([["api-migration-rehearsal-db-sg", `10.0.0.0/16. ${REHEARSAL_FIX}`]]);
  });
});
