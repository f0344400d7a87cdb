/**
 * The databases the stack owns admit the app's tasks and nobody else: every
 * rule of their security groups (securityGroups.ts: inline or a rule
 * resource of any kind, wherever registered) names one of the app's client
 * groups; an address range outside `allowedCidrs`, a prefix list or a group
 * of another stack is refused.
 *
 * The migration rehearsal (`RdsRehearsal`) is no client of the real
 * database: its tasks run in a group of their own (its `securityGroupIds`)
 * against a copy in a group of its own (its `copySecurityGroupIds`), so a
 * database group that admits a rehearsal task group is refused, even when
 * that group is also a client's, and a copy group must admit the rehearsal's
 * tasks only. The copy is created at run time, not by Pulumi: no
 * `aws.rds.Instance` sits in its group.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DYNAMIC_TYPES } from "./contracts/resourceTypes";
import { EffectiveRule, effectiveRules } from "./securityGroups";
import { AFTER_THE_UPDATE, afterUpdate, Deferrals, TYPES, configOf } from "./shared";
import { createdByApp } from "./structure";

function dependenciesOf(resource: PolicyResource, property: string, type: string): PolicyResource[] {
  return (resource.propertyDependencies[property] ?? []).filter((r) => r.type === type);
}

const REHEARSAL = DYNAMIC_TYPES.rdsRehearsal.token;

/** The groups the rehearsals' `property` names: their tasks' (`securityGroupIds`) or their copies' (`copySecurityGroupIds`). */
function rehearsalGroups(resources: readonly PolicyResource[], property: string): Set<PolicyResource> {
  return new Set(
    resources.filter((r) => r.type === REHEARSAL).flatMap((r) => dependenciesOf(r, property, TYPES.securityGroup)),
  );
}

/** What a group's rules admit besides its own groups: ranges outside `allowedCidrs`, prefix lists, foreign groups. */
function outsiders(rules: readonly EffectiveRule[], allowedCidrs: readonly string[]): string[] {
  const ranges = [...new Set(rules.flatMap((rule) => rule.cidrs))].filter((cidr) => !allowedCidrs.includes(cidr));
  const unseen = rules.flatMap((rule) => [
    ...rule.prefixLists.map((id) => `prefix list ${id}`),
    ...rule.foreignGroups.map((id) => `security group ${id} of no app task`),
  ]);
  return [...new Set([...ranges, ...unseen])];
}

const names = (groups: readonly PolicyResource[]) => groups.map((g) => `security group ${g.name}`).join(", ");

/** The security groups of the app's ECS services and migration runs: the only clients a database admits. */
function clientGroups(resources: readonly PolicyResource[]): Set<PolicyResource> {
  return new Set(
    resources.flatMap((r) => {
      if (r.type === TYPES.ecsService) return dependenciesOf(r, "networkConfiguration", TYPES.securityGroup);
      if (r.type === TYPES.ecsMigration) return dependenciesOf(r, "securityGroupIds", TYPES.securityGroup);
      return [];
    }),
  );
}

export const databaseIngressFromApp: StackValidationPolicy = {
  name: "database-ingress-from-app",
  description:
    "Checks whether the RDS instances the stack creates or restores sit in security groups that admit only the app's ECS tasks and migration task (by any rule, wherever registered), never an address range, a prefix list, another stack's group or the migration rehearsal's tasks, and whether the rehearsal's copy admits its tasks alone.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedCidrs: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Address ranges a database may admit besides the app's tasks (e.g. a bastion's subnet).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { allowedCidrs } = configOf<{ allowedCidrs: string[] }>(
      databaseIngressFromApp.configSchema!,
      args.getConfig(),
    );
    const clients = clientGroups(args.resources);
    const rehearsalTasks = rehearsalGroups(args.resources, "securityGroupIds");
    const copies = rehearsalGroups(args.resources, "copySecurityGroupIds");
    const deferrals = new Deferrals(AFTER_THE_UPDATE);
    const fix =
      "The program admits each client by its own rule (components/aws/taskNetwork.ts); give another client its own security group and rule, or list its range in this policy's allowedCidrs. " +
      afterUpdate("the rule already exists", "remove it and run `pulumi up` again");
    const rehearsalFix =
      "The rehearsal's tasks run in a group of their own that only their copy's group admits (rehearsalNetwork in components/aws/taskNetwork.ts): remove the rule, or give the rehearsal its own group. " +
      afterUpdate("the rule already exists", "remove it and run `pulumi up` again");
    const rulesOf = (group: PolicyResource) => {
      const rules = effectiveRules(group, "ingress", args.resources);
      for (const rule of rules) {
        for (const what of rule.unknown) deferrals.add(what);
        if (rule.peersUnknown) deferrals.add(`the security groups ${rule.shown} admits`);
      }
      return rules;
    };
    const judged = new Set<PolicyResource>();
    for (const instance of args.resources.filter((r) => r.type === TYPES.rdsInstance && createdByApp(r.urn))) {
      const groups = dependenciesOf(instance, "vpcSecurityGroupIds", TYPES.securityGroup);
      if (groups.length === 0) {
        reportViolation(
          `RDS instance ${instance.name} must sit in a security group of this stack that admits only the app's tasks: vpcSecurityGroupIds names none, so RDS uses groups whose rules this stack does not control. ${fix}`,
          instance.urn,
        );
      }
      for (const group of groups.filter((g) => !judged.has(g))) {
        judged.add(group);
        const rules = rulesOf(group);
        const admitted = [...new Set(rules.flatMap((rule) => rule.groups))].filter((source) => source !== group);
        const strangers = admitted.filter((source) => !clients.has(source) && !rehearsalTasks.has(source));
        const rehearsing = admitted.filter((source) => rehearsalTasks.has(source));
        const where = `Security group ${group.name} of RDS instance ${instance.name} must admit only the app's tasks and migration task`;
        const outside = outsiders(rules, allowedCidrs);
        if (outside.length > 0) {
          reportViolation(
            `${where}: it admits ${outside.join(", ")}, so anything in that range or group reaches the database. ${fix}`,
            group.urn,
          );
        }
        if (strangers.length > 0) {
          reportViolation(
            `${where}: it admits ${names(strangers)}, which no ECS service or migration run of the app uses. ${fix}`,
            group.urn,
          );
        }
        if (rehearsing.length > 0) {
          reportViolation(
            `${where}, never the migration rehearsal's: it admits ${names(rehearsing)}, in which the rehearsal's tasks run, so a connection setting the rehearsal did not point at its copy would migrate this database. ${rehearsalFix}`,
            group.urn,
          );
        }
      }
    }
    // The copies' groups: the rehearsal's tasks, nobody else (not even the app's, which have no business with a copy).
    for (const group of [...copies].filter((g) => !judged.has(g))) {
      const rules = rulesOf(group);
      const others = [...new Set(rules.flatMap((rule) => rule.groups))].filter(
        (source) => source !== group && !rehearsalTasks.has(source),
      );
      const outside = [...outsiders(rules, []), ...(others.length > 0 ? [names(others)] : [])];
      if (outside.length > 0) {
        reportViolation(
          `Security group ${group.name} of the migration rehearsal's copy must admit only the rehearsal's tasks: it admits ${outside.join(", ")}. ${rehearsalFix}`,
          group.urn,
        );
      }
    }
    deferrals.settle();
  },
};
