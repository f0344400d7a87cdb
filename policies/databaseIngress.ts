/**
 * The databases the stack owns admit the app's tasks and nobody else: every
 * rule of their security groups (securityGroups.ts: inline or a rule
 * resource of any kind, wherever registered) names one of the app's client
 * groups; an address range outside `allowedCidrs`, a prefix list or a group
 * of another stack is refused.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { effectiveRules } from "./securityGroups";
import { AFTER_THE_UPDATE, afterUpdate, Deferrals, TYPES, configOf } from "./shared";
import { createdByApp } from "./structure";

function dependenciesOf(resource: PolicyResource, property: string, type: string): PolicyResource[] {
  return (resource.propertyDependencies[property] ?? []).filter((r) => r.type === type);
}

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
    "Checks whether the RDS instances the stack creates or restores sit in security groups that admit only the app's ECS tasks and migration task (by any rule, wherever registered), never an address range, a prefix list or another stack's group.",
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
    const deferrals = new Deferrals(AFTER_THE_UPDATE);
    const fix =
      "The program admits each client by its own rule (components/aws/taskNetwork.ts); give another client its own security group and rule, or list its range in this policy's allowedCidrs. " +
      afterUpdate("the rule already exists", "remove it and run `pulumi up` again");
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
        const rules = effectiveRules(group, "ingress", args.resources);
        for (const rule of rules) {
          for (const what of rule.unknown) deferrals.add(what);
          if (rule.peersUnknown) deferrals.add(`the security groups ${rule.shown} admits`);
        }
        const ranges = [...new Set(rules.flatMap((rule) => rule.cidrs))].filter((cidr) => !allowedCidrs.includes(cidr));
        const unseen = [
          ...new Set(
            rules.flatMap((rule) => [
              ...rule.prefixLists.map((id) => `prefix list ${id}`),
              ...rule.foreignGroups.map((id) => `security group ${id} of no app task`),
            ]),
          ),
        ];
        const strangers = [...new Set(rules.flatMap((rule) => rule.groups))].filter(
          (source) => source !== group && !clients.has(source),
        );
        const where = `Security group ${group.name} of RDS instance ${instance.name} must admit only the app's tasks and migration task`;
        if (ranges.length > 0 || unseen.length > 0) {
          reportViolation(
            `${where}: it admits ${[...ranges, ...unseen].join(", ")}, so anything in that range or group reaches the database. ${fix}`,
            group.urn,
          );
        }
        if (strangers.length > 0) {
          reportViolation(
            `${where}: it admits ${strangers.map((s) => `security group ${s.name}`).join(", ")}, which no ECS service or migration run of the app uses. ${fix}`,
            group.urn,
          );
        }
      }
    }
    deferrals.settle();
  },
};
