/**
 * The pack's pure decisions, without Pulumi: parsing images, spotting
 * credentials, tying forward ARNs to target groups, walking dependencies.
 * The analyzer tests prove the policies end to end; these pin the edge cases.
 */
import { STEP_PURPOSES } from "../../components/contracts/markers";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { describe, expect, it } from "vitest";
import { parseImage } from "../../components/contracts/images";
import { containersOf, imageProblem, secretReason } from "../../policies/containers";
import { appName, migrationFacts, ownedDatabases, snapshotFacts } from "../../policies/database";
import { healthCheckProblems } from "../../policies/loadBalancer";
import { colorIn, configOf, dependencyClosure } from "../../policies/shared";
import { forwardTargets, resolveTargetGroup } from "../../policies/routes";

describe("parseImage", () => {
  it("splits registry (with port), repository, tag and digest", () => {
    expect(parseImage("registry.example.com:5000/team/api:1.5.0@sha256:abc")).toEqual({
      name: "registry.example.com:5000/team/api",
      tag: "1.5.0",
      digest: "sha256:abc",
    });
    expect(parseImage("registry.example.com:5000/team/api")).toEqual({ name: "registry.example.com:5000/team/api" });
    expect(parseImage("api@sha256:abc")).toEqual({ name: "api", digest: "sha256:abc" });
    expect(parseImage("haproxy:2.8.10")).toEqual({ name: "haproxy", tag: "2.8.10" });
  });
});

describe("imageProblem", () => {
  const rules = { forbiddenTags: ["latest", "stable"], requireVersionTag: true };
  const container = { container: "api", env: [], migration: false, color: "green", version: "1.5.0" } as const;

  it("accepts a tag equal to the version, and a bare digest (whose version it cannot read)", () => {
    expect(imageProblem({ ...container, image: "api:1.5.0" }, rules)).toBeUndefined();
    expect(imageProblem({ ...container, image: "api:1.5.0@sha256:abc" }, rules)).toBeUndefined();
    expect(imageProblem({ ...container, image: "api@sha256:abc" }, rules)).toBeUndefined();
  });

  it("still reads the tag next to a digest: a digest of another version is the wrong image", () => {
    expect(imageProblem({ ...container, image: "api:1.4.9@sha256:abc" }, rules)).toBe(
      'run the image of the version it claims: container api uses "api:1.4.9@sha256:abc" (tag 1.4.9) but its version is 1.5.0. Set `bluegreen:green.image` to the 1.5.0 image, or `bluegreen:green.version` to 1.4.9.',
    );
  });

  it("compares forbidden tags case-insensitively and skips resources that run another resource's image", () => {
    expect(imageProblem({ ...container, image: "api:Stable" }, rules)).toBe(
      'pin each image to a tag or digest: container api uses "api:Stable", and "Stable" moves with every push. Pin it to the release\'s tag or a digest (@sha256:...): set `bluegreen:green.image`.',
    );
    expect(imageProblem({ ...container, image: undefined }, rules)).toBeUndefined();
  });

  it("reports an empty image", () => {
    expect(imageProblem({ ...container, image: " " }, rules)).toBe(
      'name an image: container api has " ". Set `bluegreen:green.image`.',
    );
  });
});

describe("secretReason", () => {
  const pattern = /PASSWORD|TOKEN/i;

  it("recognizes credential-looking values under innocent names", () => {
    expect(secretReason("AWS_ID", "AKIAIOSFODNN7EXAMPLE", pattern, [])).toBe(
      "its value looks like an AWS access key id",
    );
    expect(secretReason("TLS", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", pattern, [])).toBe(
      "its value looks like a private key",
    );
    expect(secretReason("GH", `ghp_${"a".repeat(36)}`, pattern, [])).toBe("its value looks like a GitHub token");
    expect(secretReason("AUTH", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.sig", pattern, [])).toBe(
      "its value looks like a JSON Web Token",
    );
    expect(secretReason("DB", "postgres://api:pw@db:5432/api", pattern, [])).toBe(
      "its value looks like a URL with a user:password part",
    );
  });

  it("lets a URL with a user but no password, and ordinary values, through", () => {
    expect(secretReason("DATABASE_URL", "postgres://postgres@db:5432/api", pattern, [])).toBeUndefined();
    expect(secretReason("LOG_LEVEL", "info", pattern, [])).toBeUndefined();
  });

  it("allows a listed name, but never a credential-looking value", () => {
    expect(secretReason("TOKEN_TTL", "3600", pattern, [])).toBe("its name says it holds a secret");
    expect(secretReason("TOKEN_TTL", "3600", pattern, ["TOKEN_TTL"])).toBeUndefined();
    expect(secretReason("TOKEN_TTL", "https://u:p@x.example", pattern, ["TOKEN_TTL"])).toBe(
      "its value looks like a URL with a user:password part",
    );
  });
});

describe("containersOf", () => {
  it("reads an ECS task definition: env, version and color from env or tags, the migration marker", () => {
    const definitions = JSON.stringify([
      {
        name: "api",
        image: "api:1.5.0",
        environment: [
          { name: "APP_VERSION", value: "1.5.0" },
          { name: "APP_COLOR", value: "green" },
        ],
      },
      { name: "migrate", image: "m:1", environment: [{ name: "MIGRATION_VERSION", value: "42" }] },
    ]);
    expect(
      containersOf("aws:ecs/taskDefinition:TaskDefinition", {
        containerDefinitions: definitions,
        tags: { version: "9.9.9" },
      }),
    ).toEqual([
      {
        container: "api",
        image: "api:1.5.0",
        env: [
          { name: "APP_VERSION", value: "1.5.0" },
          { name: "APP_COLOR", value: "green" },
        ],
        version: "1.5.0",
        color: "green",
        migration: false,
      },
      {
        container: "migrate",
        image: "m:1",
        env: [{ name: "MIGRATION_VERSION", value: "42" }],
        version: "9.9.9",
        color: undefined,
        migration: true,
      },
    ]);
  });

  it("reads nothing from definitions that are not JSON, and nothing from unrelated types", () => {
    expect(containersOf("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: "not json" })).toEqual([]);
    expect(containersOf("aws:s3/bucket:Bucket", { env: [{ name: "PASSWORD", value: "x" }] })).toEqual([]);
  });

  it("reads a docker container's KEY=VALUE envs and labels", () => {
    expect(
      containersOf("docker:index/container:Container", {
        name: "api-blue",
        envs: ["A=1=2", "FLAG"],
        labels: [{ label: "bluegreen.color", value: "blue" }],
      }),
    ).toEqual([
      {
        container: "api-blue",
        image: undefined,
        env: [
          { name: "A", value: "1=2" },
          { name: "FLAG", value: "" },
        ],
        version: undefined,
        color: "blue",
        migration: false,
      },
    ]);
  });
});

describe("resolveTargetGroup", () => {
  const arn = (name: string) =>
    `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;
  const groups = [
    { name: "api-green", props: {} },
    { name: "api-green-tg", props: {} },
    { name: "api-blue-tg", props: { name: "blue-explicit" } },
    { name: "api-known", props: { arn: arn("whatever") } },
  ];

  it("matches by arn output, then explicit name, then the longest auto-name prefix", () => {
    expect(resolveTargetGroup(arn("whatever"), groups)?.name).toBe("api-known");
    expect(resolveTargetGroup(arn("blue-explicit"), groups)?.name).toBe("api-blue-tg");
    expect(resolveTargetGroup(arn("api-green-tg-1a2b3c4"), groups)?.name).toBe("api-green-tg");
    expect(resolveTargetGroup(arn("api-green-7f00aa1"), groups)?.name).toBe("api-green");
  });

  it("does not guess: an explicitly named group is not matched by its logical name, and non-ARNs match nothing", () => {
    expect(resolveTargetGroup(arn("api-blue-tg-1a2b3c4"), groups)).toBeUndefined();
    expect(resolveTargetGroup("api-green-tg", groups)).toBeUndefined();
    expect(resolveTargetGroup(undefined, groups)).toBeUndefined();
  });
});

describe("forwardTargets", () => {
  const read = (actions: unknown) =>
    forwardTargets(actions).map((target) => ({ arn: target.arn(), weight: target.weight }));

  it("reads every forward shape: weighted groups, and a single targetGroupArn taking all traffic; a redirect has none", () => {
    expect(read([{ type: "redirect", redirect: { port: "443" } }])).toEqual([]);
    expect(read([{ type: "forward", targetGroupArn: "arn:tg" }])).toEqual([{ arn: "arn:tg", weight: 1 }]);
    expect(read([{ type: "forward", forward: { targetGroups: [{ arn: "a", weight: 1 }, { arn: "b" }] } }])).toEqual([
      { arn: "a", weight: 1 },
      { arn: "b", weight: undefined },
    ]);
    expect(read([{ type: "fixed-response" }, { type: "forward", targetGroupArn: "arn:x" }])).toEqual([
      { arn: "arn:x", weight: 1 },
    ]);
  });
});

describe("healthCheckProblems", () => {
  const limits = { maxIntervalSeconds: 30, maxHealthyThreshold: 5, maxUnhealthyThreshold: 3 };

  it("judges unset values by AWS's defaults: interval 30 and thresholds 5/2 pass the default limits", () => {
    expect(healthCheckProblems({ path: "/healthz", matcher: "200" }, limits)).toEqual([]);
  });

  it("reports a disabled check once, whatever else is wrong", () => {
    expect(healthCheckProblems({ enabled: false }, limits)).toEqual([
      "have an enabled health check, so the load balancer stops sending traffic to failing tasks: healthCheck is disabled. Enable it with a path (`bluegreen:app.healthPath`), a matcher and explicit interval and thresholds (`FAST_HEALTH_CHECK` in components/aws/colorService.ts).",
    ]);
  });
});

describe("database facts", () => {
  it("classifies snapshots and migration runs across platforms", () => {
    expect(
      snapshotFacts({
        type: "aws:rds/clusterSnapshot:ClusterSnapshot",
        name: "s",
        props: { dbClusterSnapshotIdentifier: "api-pre-1", dbClusterIdentifier: "c" },
      }),
    ).toEqual({ identifier: "api-pre-1", database: "c" });
    const step = (purpose: string | undefined, description: string) => ({
      type: DYNAMIC_TYPES.oneShotCommand.token,
      name: "s",
      props: { purpose, description, runKey: "1" },
    });
    expect(snapshotFacts(step(STEP_PURPOSES.migration, "migration 1"))).toBeUndefined();
    expect(migrationFacts(step(STEP_PURPOSES.migration, "migration 1"))).toEqual({ version: "1" });
    expect(snapshotFacts(step(STEP_PURPOSES.snapshot, "pg_dump"))).toEqual({ identifier: "1" });
    // The purpose decides, never the wording of the description.
    expect(snapshotFacts(step(undefined, "snapshot 1"))).toBeUndefined();
    expect(migrationFacts(step(undefined, "migration 1"))).toBeUndefined();
    expect(
      migrationFacts({
        type: "kubernetes:batch/v1:Job",
        name: "api-migration-job-42",
        props: { metadata: { name: "api-migrate-42", labels: { "bluegreen/migration": "42" } } },
      }),
    ).toEqual({ version: "42" });
    expect(migrationFacts({ type: "kubernetes:batch/v1:Job", name: "api-migrate", props: {} })).toEqual({});
    expect(
      migrationFacts({
        type: "kubernetes:batch/v1:Job",
        name: "api-cleanup",
        props: { metadata: { name: "api-cleanup" } },
      }),
    ).toBeUndefined();
  });

  it("counts owned instances only, not copies restored from a snapshot", () => {
    const instance = (identifier: string, snapshotIdentifier?: string) => ({
      type: "aws:rds/instance:Instance",
      name: identifier,
      props: { identifier, snapshotIdentifier },
    });
    expect(ownedDatabases([instance("api"), instance("api-restored", "api-pre-1")])).toEqual(["api"]);
  });

  it("takes the app's name from the gates, else from an app tag", () => {
    expect(
      appName([
        { type: "x", name: "t", props: { tags: { app: "tagged" } } },
        { type: DYNAMIC_TYPES.promotionGateCheck.token, name: "g", props: { app: "api" } },
      ]),
    ).toBe("api");
    expect(appName([{ type: "x", name: "t", props: { tags: { app: "tagged" } } }])).toBe("tagged");
    expect(appName([])).toBeUndefined();
  });
});

describe("shared helpers", () => {
  it("finds every transitive dependency once, through property dependencies and cycles", () => {
    type Node = { id: string; dependencies: Node[]; propertyDependencies: Record<string, Node[]> };
    const node = (id: string): Node => ({ id, dependencies: [], propertyDependencies: {} });
    const [a, b, c, d] = ["a", "b", "c", "d"].map(node);
    a.dependencies.push(b);
    b.propertyDependencies.arn = [c];
    c.dependencies.push(a, b);
    expect([...dependencyClosure(a)].map((n) => n.id).sort()).toEqual(["a", "b", "c"]);
    expect(dependencyClosure(d).size).toBe(0);
  });

  it("reads a color as a whole word only", () => {
    expect([colorIn("api-green"), colorIn("BLUE"), colorIn("greenhouse"), colorIn(42)]).toEqual([
      "green",
      "blue",
      undefined,
      undefined,
    ]);
  });

  it("fills config from the schema's defaults, under what was given", () => {
    const schema = {
      properties: {
        maxSeconds: { type: "integer" as const, default: 30 },
        names: { type: "array" as const, default: [] },
        free: { type: "string" as const },
      },
    };
    expect(configOf(schema, { maxSeconds: 10 })).toEqual({ maxSeconds: 10, names: [] });
  });
});
