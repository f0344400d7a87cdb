/**
 * Every way AWS expresses a security group rule is read by every rule that
 * reads rules (issue 24, point 5), through the real analyzer. One rule that
 * opens a port to a source nobody vouches for is written in each shape (the
 * group's inline list, `aws.ec2.SecurityGroupRule`,
 * `aws.vpc.SecurityGroupIngressRule`/`EgressRule`), each source (IPv4 and
 * IPv6 "everyone", a prefix list, a foreign group id) and each spelling of
 * the protocol (`-1`, `all`, `tcp`, `6`), registered inside the app or by the
 * user's program around it; each pack rule that guards that group must
 * refuse it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOUD_TYPES } from "../../components/contracts/resourceTypes";
import { handMade, mutate } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { PolicyAnalyzer, startPolicyAnalyzer } from "../../tooling/policy/analyzer";
import { readPolicyConfig } from "../../tooling/policy/packConfig";

let analyzer: PolicyAnalyzer;
let production: ProgramRun;
let staging: ProgramRun;

beforeAll(async () => {
  const starting = startPolicyAnalyzer();
  production = await runProgram("production");
  staging = await runProgram("staging");
  analyzer = await starting;
}, 120_000);
afterAll(() => analyzer?.stop());

type Shape = "inline" | "SecurityGroupRule" | "vpc rule";
type Source = "0.0.0.0/0" | "::/0" | "prefix list" | "foreign group";
type Protocol = "-1" | "all" | "tcp" | "6";

interface Opening {
  readonly shape: Shape;
  readonly source: Source;
  readonly protocol: Protocol;
  readonly direction: "ingress" | "egress";
  readonly port: number;
  /** Registered by the user's program, outside the app's components (rule resources only). */
  readonly outside: boolean;
}

/** The source fields of each shape. */
function sourceFields(shape: Shape, source: Source): Record<string, unknown> {
  const vpc = shape === "vpc rule";
  switch (source) {
    case "0.0.0.0/0":
      return vpc ? { cidrIpv4: source } : { cidrBlocks: [source] };
    case "::/0":
      return vpc ? { cidrIpv6: source } : { ipv6CidrBlocks: [source] };
    case "prefix list":
      return vpc ? { prefixListId: "pl-0123abcd" } : { prefixListIds: ["pl-0123abcd"] };
    case "foreign group":
      return vpc
        ? { referencedSecurityGroupId: "sg-0badc0ffee" }
        : shape === "inline"
          ? { securityGroups: ["sg-0badc0ffee"] }
          : { sourceSecurityGroupId: "sg-0badc0ffee" };
  }
}

/** `resources` with `group` opened as `opening` says. */
function opened(resources: readonly RegisteredResource[], group: string, opening: Opening): RegisteredResource[] {
  const { shape, source, protocol, direction, port, outside } = opening;
  const all = protocol === "-1" || protocol === "all";
  const ports = all ? { fromPort: 0, toPort: 0 } : { fromPort: port, toPort: port };
  if (shape === "inline") {
    return mutate(resources, group, (r) =>
      (r.inputs[direction] ??= []).push({ protocol, ...ports, ...sourceFields(shape, source) }),
    );
  }
  const target = resources.find((r) => r.name === group)!;
  const vpc = shape === "vpc rule";
  const type = vpc
    ? direction === "ingress"
      ? CLOUD_TYPES.securityGroupIngressRule
      : CLOUD_TYPES.securityGroupEgressRule
    : CLOUD_TYPES.securityGroupRule;
  const rule = handMade(
    type,
    `${group}-opened`,
    {
      securityGroupId: "sg-0123456789",
      ...(vpc ? { ipProtocol: protocol } : { type: direction, protocol }),
      ...(vpc && all ? {} : ports),
      ...sourceFields(shape, source),
    },
    { usersOwn: outside },
  );
  return [...resources, { ...rule, propertyDependencies: { securityGroupId: [target.urn] } }];
}

const SHAPES: Shape[] = ["inline", "SecurityGroupRule", "vpc rule"];
const PROTOCOLS: Protocol[] = ["-1", "all", "tcp", "6"];
/**
 * Every shape and placement (rule resources inside the app, or the user's), each source with TCP and each
 * spelling of the protocol with the first source: every source and every protocol meet every shape, at half the
 * cost of their full product.
 */
function openings(sources: Source[], direction: "ingress" | "egress", port: number): Opening[] {
  const pairs: [Source, Protocol][] = [
    ...sources.map((source): [Source, Protocol] => [source, "tcp"]),
    ...PROTOCOLS.filter((protocol) => protocol !== "tcp").map((protocol): [Source, Protocol] => [sources[0], protocol]),
  ];
  return SHAPES.flatMap((shape) =>
    pairs.flatMap(([source, protocol]) =>
      (shape === "inline" ? [false] : [false, true]).map((outside) => ({
        shape,
        source,
        protocol,
        direction,
        port,
        outside,
      })),
    ),
  );
}

/** `policy resource` of each mandatory violation. */
async function refused(resources: readonly RegisteredResource[], config: Record<string, unknown> = {}) {
  const violations = await analyzer.analyze(resources, { config });
  return violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} ${v.urn?.split("::").pop()}`);
}

const label = (o: Opening) => `${o.shape}${o.outside ? " (user's)" : ""} ${o.protocol} from ${o.source}`;

describe("every shape of a rule, every rule that reads rules", () => {
  it("passes the shipped stacks: nothing is opened", async () => {
    expect(await refused(production.resources)).toEqual([]);
    expect(await refused(staging.resources, readPolicyConfig("staging"))).toEqual([]);
  });

  it.each(openings(["0.0.0.0/0", "::/0", "prefix list"], "ingress", 8082).map((o) => [label(o), o] as const))(
    "test-listeners-not-public and the test-listener exemption: a test port opened by %s",
    async (_, opening) => {
      const result = await refused(opened(production.resources, "api-lb-sg", opening));
      expect(result).toContain("test-listeners-not-public api-green-test-listener");
      expect(result).toContain("traffic-requires-promotion-gate api-green-test-listener");
      if (opening.outside) expect(result).toContain("app-resources-inside-components api-lb-sg-opened");
    },
  );

  it.each(
    openings(["0.0.0.0/0", "::/0", "prefix list", "foreign group"], "ingress", 5432).map((o) => [label(o), o] as const),
  )("database-ingress-from-app: the database opened by %s", async (_, opening) => {
    const result = await refused(opened(staging.resources, "api-database-db-sg", opening), readPolicyConfig("staging"));
    expect(result).toContain("database-ingress-from-app api-database-db-sg");
  });

  it.each(openings(["0.0.0.0/0", "::/0", "prefix list"], "ingress", 8080).map((o) => [label(o), o] as const))(
    "color-tasks-behind-load-balancer: a color's tasks opened by %s",
    async (_, opening) => {
      const result = await refused(opened(production.resources, "api-green-tasks-sg", opening));
      expect(result.some((line) => line.startsWith("color-tasks-behind-load-balancer "))).toBe(true);
    },
  );

  it.each(openings(["0.0.0.0/0", "::/0", "prefix list"], "egress", 22).map((o) => [label(o), o] as const))(
    "security-group-egress-scoped: a color's tasks sending SSH anywhere by %s",
    async (_, opening) => {
      const result = await refused(opened(production.resources, "api-green-tasks-sg", opening));
      const holder = opening.shape === "inline" ? "api-green-tasks-sg" : "api-green-tasks-sg-opened";
      // The app's own rule is refused as it is; the user's, attached to the app's group, as a part of the app outside it.
      const policy = opening.outside ? "app-resources-inside-components" : "security-group-egress-scoped";
      expect(result).toContain(`${policy} ${holder}`);
    },
  );
});
