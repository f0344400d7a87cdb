/**
 * One table of invalid settings, run through every entry point: a stack file
 * parsed by the program (the problem named `bluegreen:traffic.green` in
 * `Pulumi.<stack>.yaml`), a library component (`traffic.green` of
 * `DockerBlueGreen "shop"`), and the component provider's Construct. Each
 * case is written once, as Args; `stackConfigOf` makes the stack file's
 * config of the same settings. Plain data: the provider tests send it over
 * gRPC as it is.
 */
import { CONFIG_NAMESPACE } from "../components/config/issues";

export type EntryPlatform = "aws" | "kubernetes" | "docker";

/** The library's component of each platform. */
export const COMPONENT_OF: Readonly<Record<EntryPlatform, string>> = {
  aws: "AwsBlueGreen",
  kubernetes: "KubernetesBlueGreen",
  docker: "DockerBlueGreen",
};

/** A release every platform accepts. */
export const RELEASE_ARGS: Readonly<Record<string, unknown>> = {
  environment: "staging",
  app: { name: "shop", port: 8080, healthPath: "/healthz" },
  blue: { version: "1.4.2", image: "registry.example.com/shop:1.4.2" },
  green: { version: "1.5.0", image: "registry.example.com/shop:1.5.0" },
  traffic: { blue: 90, green: 10 },
};

/** What each platform needs besides the release, by ids of existing infrastructure (as text here). */
export const PLATFORM_ARGS: Readonly<Record<EntryPlatform, Readonly<Record<string, unknown>>>> = {
  aws: {
    network: {
      vpcId: "vpc-0a1b2c3d",
      publicSubnetIds: ["subnet-0a01", "subnet-0a02"],
      privateSubnetIds: ["subnet-0b01", "subnet-0b02"],
    },
    loadBalancer: {
      arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform/0a1b2c3d",
      securityGroupId: "sg-0a1b2c3d",
      listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/platform/0a1b2c3d/0e0f",
      priority: 120,
      hostHeaders: ["shop.example.com"],
    },
    listener: { testIngressCidrs: ["10.0.0.0/16"] },
  },
  kubernetes: {
    kubernetes: {
      namespace: "shop",
      gateway: { name: "public", namespace: "gateways" },
      hostnames: ["shop.example.com"],
    },
  },
  docker: {},
};

/** Keys of other namespaces every platform's stack needs (the AWS provider's region). */
export const ENGINE_CONFIG: Readonly<Record<string, string>> = { "aws:region": "eu-west-1" };

export interface EntryPointCase {
  readonly name: string;
  /** Sections replacing the valid Args' (undefined removes one). */
  readonly change: Readonly<Record<string, unknown>>;
  /** The problem's Args path; `bluegreen:<path>` in a stack file. */
  readonly path: string;
  /** What its message says, wherever it is shown. */
  readonly message: RegExp;
}

export const ENTRY_POINT_CASES: readonly EntryPointCase[] = [
  {
    name: "no color gets traffic",
    change: { traffic: { blue: 0, green: 0 } },
    path: "traffic.green",
    message: /at least one color needs a weight above 0/,
  },
  {
    name: "a version that is not exact semver",
    change: { green: { version: "v1.5", image: "registry.example.com/shop:1.5.0" } },
    path: "green.version",
    message: /must be an exact semver version/,
  },
  {
    name: "a major version change without a migration (release rule)",
    change: { green: { version: "2.0.0", image: "registry.example.com/shop:2.0.0" } },
    path: "migration",
    message: /a major version change needs a declared migration plan/,
  },
  {
    name: "a gate setting out of range",
    change: { gate: { maxStep: 150 } },
    path: "gate.maxStep",
    message: /at most 100/,
  },
  {
    name: "a required section missing",
    change: { traffic: undefined },
    path: "traffic",
    message: /is required/,
  },
];

/** The valid Args of `platform` with `change` applied. */
export function argsOf(
  platform: EntryPlatform,
  change: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...RELEASE_ARGS, ...PLATFORM_ARGS[platform], ...change };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

/** The same settings as a stack file's config: every section a `bluegreen:` key, and the platform's. */
export function stackConfigOf(
  platform: EntryPlatform,
  args: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    ...ENGINE_CONFIG,
    [`${CONFIG_NAMESPACE}:platform`]: platform,
    ...Object.fromEntries(Object.entries(args).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value])),
  };
}
