/**
 * ECS rules (aws): tasks run without a public address, as containers that
 * are never privileged, add no capability, keep their root filesystem
 * read-only and run as a non-root user (unless the stack file states why a
 * color cannot), and read their secrets from a secret store by ARN.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isSecretStoreArn, SECRET_STORES } from "./contracts/secretRefs";
import { ALLOW_STACK_EXCEPTIONS, statedException } from "./exceptions";
import { known } from "./shared";
import { BEFORE_THE_RESOURCE, TYPES, colorIn, configOf, judgeAtUpdate, reading, shown } from "./shared";

/**
 * The container definitions of a task definition: [] when unparsable (ECS's to reject), undefined when unknown
 * at preview (the JSON embeds another resource's output), which the rules judge at update, never pass.
 */
export function definitionsOf(props: Record<string, any>): Record<string, any>[] | undefined {
  const text = reading(() => props.containerDefinitions);
  if (!text.known) return undefined;
  if (typeof text.value !== "string") return [];
  try {
    const parsed = JSON.parse(text.value);
    return Array.isArray(parsed) ? parsed.filter((d) => d !== null && typeof d === "object") : [];
  } catch {
    return [];
  }
}

/** The definitions, or a deferral to the update (thrown) when they are unknown at preview. */
function definitionsOrDefer(name: string, props: Record<string, any>): Record<string, any>[] {
  return (
    definitionsOf(props) ?? judgeAtUpdate(`the container definitions of task definition ${name}`, BEFORE_THE_RESOURCE)
  );
}

/** The config keys behind a container: its color's, or for the migration task the color it ships with. */
function keysOf(props: Record<string, any>, definition: Record<string, any>): string {
  const env: any[] = Array.isArray(definition.environment) ? definition.environment : [];
  const color =
    colorIn(known(() => props.tags?.color)) ?? colorIn(env.find((e) => e?.name === "APP_COLOR")?.value) ?? "<color>";
  const migration = env.some((e) => e?.name === "MIGRATION_VERSION");
  return migration ? `bluegreen:<candidate color>` : `bluegreen:${color}`;
}

/** uid 0 (with or without a group) or the name root; unset runs the image's user, which is root unless it says otherwise. */
function rootUser(user: unknown): string | undefined {
  if (user === undefined || user === null || user === "")
    return "not set, so the image's user runs (root unless the image sets one)";
  const name = String(user).split(":")[0];
  return name === "root" || (/^\d+$/.test(name) && Number(name) === 0) ? `${JSON.stringify(user)} (root)` : undefined;
}

/** What is wrong with one container definition, each worded to follow "must". */
export function containerProblems(definition: Record<string, any>, keys: string, excepted: boolean): string[] {
  const name = `container ${shown(definition.name)}`;
  const problems: string[] = [];
  if (definition.privileged === true) {
    problems.push(
      `not be privileged: ${name} has privileged: true (Fargate refuses it; nothing in this program needs it)`,
    );
  }
  const added = definition.linuxParameters?.capabilities?.add;
  if (Array.isArray(added) && added.length > 0) {
    problems.push(`add no Linux capability: ${name} adds ${added.join(", ")}`);
  }
  if (excepted) return problems;
  if (definition.readonlyRootFilesystem !== true) {
    problems.push(
      `keep the root filesystem read-only: ${name} has readonlyRootFilesystem ${shown(definition.readonlyRootFilesystem)}. ` +
        `Remove \`${keys}.readOnlyRootFilesystem: false\` (the task mounts a writable /tmp), or state why in \`${keys}.securityException\``,
    );
  }
  const root = rootUser(definition.user);
  if (root !== undefined) {
    problems.push(
      `run as a non-root user: ${name}'s user is ${root}. Set \`${keys}.user\` to a numeric uid such as "10001" (the default), ` +
        `or state why in \`${keys}.securityException\``,
    );
  }
  return problems;
}

export const ecsTaskHardening: ResourceValidationPolicy = {
  name: "ecs-task-hardening",
  description:
    "Checks whether ECS services get no public IP and task containers are unprivileged, add no capability, keep a read-only root filesystem and run as a non-root user.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { allowStackExceptions: ALLOW_STACK_EXCEPTIONS } },
  validateResource: (args, reportViolation) => {
    const { allowStackExceptions } = configOf<{ allowStackExceptions: boolean }>(
      ecsTaskHardening.configSchema!,
      args.getConfig(),
    );
    if (args.type === TYPES.ecsService) {
      const publicIp = known(() => args.props.networkConfiguration?.assignPublicIp);
      if (publicIp === true) {
        reportViolation(
          `ECS service ${args.name} must not give its tasks a public IP: networkConfiguration.assignPublicIp is true, so each task is reachable around the load balancer. ` +
            "Run tasks in private subnets without one (components/aws/colorService.ts); they reach the internet through the NAT gateway.",
        );
      }
      return;
    }
    if (args.type !== TYPES.taskDefinition) return;
    const excepted = statedException(args.props, allowStackExceptions) !== undefined;
    for (const definition of definitionsOrDefer(args.name, args.props)) {
      for (const problem of containerProblems(definition, keysOf(args.props, definition), excepted)) {
        reportViolation(`Task definition ${args.name} must ${problem}.`);
      }
    }
  },
};

export const ecsSecretsAreArns: ResourceValidationPolicy = {
  name: "ecs-secrets-are-arns",
  description:
    "Checks whether every secret of an ECS task definition is read from a Secrets Manager secret or an SSM parameter by ARN.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedNames: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Secret variable names whose reference is not checked (e.g. one resolved by another tool).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.taskDefinition) return;
    const { allowedNames } = configOf<{ allowedNames: string[] }>(ecsSecretsAreArns.configSchema!, args.getConfig());
    for (const definition of definitionsOrDefer(args.name, args.props)) {
      const secrets: any[] = Array.isArray(definition.secrets) ? definition.secrets : [];
      for (const secret of secrets) {
        const name = String(secret?.name);
        if (
          allowedNames.includes(name) ||
          (typeof secret?.valueFrom === "string" && isSecretStoreArn(secret.valueFrom))
        )
          continue;
        // Never the value: a secret pasted where its reference belongs would end up in CI logs.
        reportViolation(
          `Task definition ${args.name} must read secret ${name} of container ${shown(definition.name)} from ${SECRET_STORES}: its valueFrom is not one (the value is not shown). ` +
            `Set \`${keysOf(args.props, definition)}.secrets.${name}\` to the secret's ARN.`,
        );
      }
    }
  },
};
