/**
 * Container rules, on every platform: no credentials in plain environment
 * variables, images pinned to the version the color claims to run, and ECS
 * deployments that roll themselves back.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { Color } from "./contracts/colors";
import { parseImage, unpinnedReason, versionTags } from "./contracts/images";
import { definitionsOf } from "./ecs";
import { BEFORE_THE_RESOURCE, TYPES, colorIn, configOf, judgeAtUpdate, shown } from "./shared";

export interface ContainerView {
  /** Undefined for a bare image resource (docker RemoteImage), which runs no container itself. */
  readonly container: string | undefined;
  /** Image reference; undefined where another resource owns the image (docker containers run a RemoteImage's id). */
  readonly image: unknown;
  /** Plain (non-secret) environment variables. */
  readonly env: readonly { readonly name: string; readonly value: unknown }[];
  /** The release version the container claims to run (APP_VERSION env or `version` tag/label). */
  readonly version?: string;
  readonly color?: Color;
  /** The migration task, whose image is `bluegreen:migration.image`. */
  readonly migration: boolean;
}

const KINDS: Record<string, string> = {
  [TYPES.taskDefinition]: "Task definition",
  [TYPES.deployment]: "Deployment",
  [TYPES.job]: "Job",
  [TYPES.dockerContainer]: "Container",
  [TYPES.dockerImage]: "Docker image",
};

/** The containers a resource runs, as the rules see them; [] for resources that run none. */
export function containersOf(type: string, props: Record<string, any>): ContainerView[] {
  switch (type) {
    case TYPES.taskDefinition:
      return (definitionsOf(props) ?? judgeAtUpdate("the container definitions", BEFORE_THE_RESOURCE)).map((def) => {
        const env = (def.environment ?? []).map((e: any) => ({ name: String(e.name), value: e.value }));
        return view(def.name, def.image, env, props.tags?.version, props.tags?.color);
      });
    case TYPES.deployment:
    case TYPES.job: {
      const template = props.spec?.template ?? {};
      const labels = template.metadata?.labels ?? props.metadata?.labels ?? {};
      const labelColor = Object.values(labels)
        .map(colorIn)
        .find((color) => color !== undefined);
      return (template.spec?.containers ?? []).map((c: any) => {
        // valueFrom (Secret or ConfigMap references) is the safe way; only literal values count.
        const env = (c.env ?? [])
          .filter((e: any) => e.value !== undefined)
          .map((e: any) => ({ name: String(e.name), value: e.value }));
        return view(c.name, c.image, env, labels.version ?? labels["app.kubernetes.io/version"], labelColor);
      });
    }
    case TYPES.dockerContainer: {
      const env = (props.envs ?? []).map((pair: string) => {
        const at = pair.indexOf("=");
        return at < 0 ? { name: pair, value: "" } : { name: pair.slice(0, at), value: pair.slice(at + 1) };
      });
      const labels: any[] = props.labels ?? [];
      const label = (key: string) => labels.find((l) => l.label === key)?.value;
      return [view(props.name ?? "container", undefined, env, label("bluegreen.version"), label("bluegreen.color"))];
    }
    case TYPES.dockerImage:
      return [view(undefined, props.name, [], undefined, undefined)];
    default:
      return [];
  }
}

function view(
  container: unknown,
  image: unknown,
  env: ContainerView["env"],
  versionLabel: unknown,
  colorLabel: unknown,
): ContainerView {
  const envValue = (name: string) => env.find((e) => e.name === name)?.value;
  const version = envValue("APP_VERSION") ?? versionLabel;
  return {
    container: container === undefined ? undefined : String(container),
    image,
    env,
    version: typeof version === "string" ? version : undefined,
    color: colorIn(colorLabel) ?? colorIn(envValue("APP_COLOR")),
    migration: env.some((e) => e.name === "MIGRATION_VERSION"),
  };
}

/** Variable names that say "secret"; matched case-insensitively anywhere in the name. */
const DEFAULT_SECRET_NAME_PATTERN = "PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL";

const CREDENTIAL_VALUES: readonly (readonly [RegExp, string])[] = [
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a user:password part"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/, "a JSON Web Token"],
];

/** Docker's `<NAME>_FILE` convention (POSTGRES_PASSWORD_FILE): the variable holds the path of the secret's file, not the secret. */
function isSecretFilePath(name: string, value: unknown): boolean {
  return /_FILE$/i.test(name) && typeof value === "string" && /^\/[^\s]*$/.test(value);
}

/**
 * Why a plain variable holds a secret, or undefined. `allowedNames` lifts the
 * name rule only: a credential-like value is reported whatever its name.
 * Never quotes the value: messages end up in CI logs.
 */
export function secretReason(
  name: string,
  value: unknown,
  namePattern: RegExp,
  allowedNames: readonly string[],
): string | undefined {
  const credential = typeof value === "string" ? CREDENTIAL_VALUES.find(([pattern]) => pattern.test(value)) : undefined;
  if (credential) return `its value looks like ${credential[1]}`;
  if (isSecretFilePath(name, value)) return undefined;
  return namePattern.test(name) && !allowedNames.includes(name) ? "its name says it holds a secret" : undefined;
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "Checks whether task and container environments are free of plaintext credentials (secret-like names, or values that look like credentials).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      secretNamePattern: {
        type: "string",
        format: "regex",
        default: DEFAULT_SECRET_NAME_PATTERN,
        description: "Regular expression (case-insensitive) for variable names that hold secrets.",
      },
      allowedNames: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Variable names that match the pattern but hold no secret (e.g. TOKEN_TTL_SECONDS).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const { secretNamePattern, allowedNames } = configOf<{ secretNamePattern: string; allowedNames: string[] }>(
      noPlaintextSecrets.configSchema!,
      args.getConfig(),
    );
    let pattern: RegExp;
    try {
      pattern = new RegExp(secretNamePattern, "i");
    } catch (error) {
      // The engine validates the config before the pack runs; an engine that does not still gets a clear verdict, not a crash.
      reportViolation(
        `Policy config no-plaintext-secrets.secretNamePattern must be a regular expression: ${JSON.stringify(secretNamePattern)} is not (${(error as Error).message}). ` +
          "Fix it in the --policy-pack-config file.",
      );
      return;
    }
    for (const container of containersOf(args.type, args.props)) {
      for (const { name, value } of container.env) {
        const reason = secretReason(name, value, pattern, allowedNames);
        if (reason === undefined) continue;
        const color = container.color ?? "<color>";
        reportViolation(
          `${KINDS[args.type]} ${args.name} must not carry credentials in plain environment variables: ${name} of container ${container.container} does (${reason}). ` +
            `Move it from \`bluegreen:${color}.env\` to \`bluegreen:${color}.secrets\` (a Secrets Manager or SSM ARN, or secret/key on Kubernetes), ` +
            "or list it in this policy's allowedNames if it holds no secret.",
        );
      }
    }
  },
};

interface ImageRules {
  forbiddenTags: string[];
  requireVersionTag: boolean;
}

/** What is wrong with a container's image, worded to follow "must", or undefined. */
export function imageProblem(container: ContainerView, rules: ImageRules): string | undefined {
  if (container.image === undefined) return undefined;
  const key = container.migration
    ? "`bluegreen:migration.image`"
    : container.color
      ? `\`bluegreen:${container.color}.image\``
      : "the image reference";
  const subject = container.container === undefined ? "it" : `container ${container.container}`;
  if (typeof container.image !== "string" || container.image.trim() === "") {
    return `name an image: ${subject} has ${shown(container.image)}. Set ${key}.`;
  }
  const image = parseImage(container.image);
  const pinFix = `Pin it to the release's tag or a digest (@sha256:...): set ${key}.`;
  const unpinned = unpinnedReason(container.image, rules.forbiddenTags);
  if (unpinned === "no-tag") {
    return `pin each image to a tag or digest: ${subject} uses "${container.image}" with no tag, so every start may pull a different build. ${pinFix}`;
  }
  if (unpinned === "moving-tag") {
    return `pin each image to a tag or digest: ${subject} uses "${container.image}", and "${image.tag}" moves with every push. ${pinFix}`;
  }
  if (
    rules.requireVersionTag &&
    container.version !== undefined &&
    image.tag !== undefined &&
    !versionTags(container.version).includes(image.tag)
  ) {
    const versionKey = container.color ? `\`bluegreen:${container.color}.version\`` : "the version";
    return (
      `run the image of the version it claims: ${subject} uses "${container.image}" (tag ${image.tag}) but its version is ${container.version}. ` +
      `Set ${key} to the ${container.version} image, or ${versionKey} to ${image.tag}.`
    );
  }
  return undefined;
}

export const imagesPinned: ResourceValidationPolicy = {
  name: "images-pinned",
  description:
    "Checks whether container images are pinned (a tag that does not move, or a digest) and match the version each color is configured to run.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      forbiddenTags: {
        type: "array",
        items: { type: "string" },
        default: ["latest"],
        description: "Tags that move and so pin nothing.",
      },
      requireVersionTag: {
        type: "boolean",
        default: true,
        description:
          "Whether a container's image tag must equal the version it runs (APP_VERSION env or version tag/label).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const rules = configOf<ImageRules>(imagesPinned.configSchema!, args.getConfig());
    for (const container of containersOf(args.type, args.props)) {
      const problem = imageProblem(container, rules);
      if (problem) reportViolation(`${KINDS[args.type]} ${args.name} must ${problem}`);
    }
  },
};

export const ecsCircuitBreakerRollback: ResourceValidationPolicy = {
  name: "ecs-circuit-breaker-rollback",
  description:
    "Checks whether ECS services roll back failed deployments automatically (deployment circuit breaker with rollback).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.ecsService) return;
    // CodeDeploy and external controllers own their rollbacks; the circuit breaker applies to the ECS controller only.
    const controller = args.props.deploymentController?.type;
    if (controller !== undefined && controller !== "ECS") return;
    const breaker = args.props.deploymentCircuitBreaker;
    if (breaker?.enable !== true || breaker?.rollback !== true) {
      reportViolation(
        `ECS service ${args.name} must roll back a failed deployment automatically: deploymentCircuitBreaker is ${shown(breaker)}. ` +
          "Set deploymentCircuitBreaker: { enable: true, rollback: true } (components/aws/colorService.ts).",
      );
    }
  },
};
