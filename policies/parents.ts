/**
 * A forgotten `parent: this` is a violation, not an exemption. The resource
 * policies judge only what the app's components created (ownership.ts), so a
 * resource of the app registered outside them would escape every rule. Such
 * a resource is told by what ties it to the app, never by its name or tags
 * (names are the user's in library use):
 *
 * - it is one of the project's own dynamic resources, which only its
 *   components create;
 * - an app resource uses it through a reference the app only ever fills with
 *   its own resource (an ECS service's task definition and target groups, a
 *   route's target groups and Services, a subnet's VPC, a database's
 *   security groups, a task definition's log group by name...);
 * - an app resource waits for it by `dependsOn` alone: the program hands no
 *   resource of the user's to a child's `dependsOn`, only its own;
 * - it attaches to an app resource the way only a part of the app does (a
 *   policy on the app's role, an association with its route table, a
 *   database in its subnet group, a target registered in a color's target
 *   group);
 * - it carries one of the app's markers.
 *
 * What a user hands the app (a VPC, subnets, a load balancer and its
 * listener, an ECS cluster, secrets, a certificate) reaches it through other
 * references, which stay the user's.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AWS_TAGS, DOCKER_LABELS, KUBERNETES_LABELS } from "./contracts/markers";
import { COMPONENT_TYPES, DYNAMIC_TYPES, LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { isHotfixSnapshot, snapshotIdentifier } from "./contracts/snapshots";
import { appName, migrationFacts, snapshotFacts } from "./database";
import { judgedRoutes, targetsOf } from "./routes";
import { TYPES, known } from "./shared";
import { createdByApp, kubernetesKind, OWN_DYNAMIC_TYPES, podLabels, selects, workloads } from "./structure";

const COMPONENTS: ReadonlySet<string> = new Set(Object.values(COMPONENT_TYPES));
const TARGET_GROUPS = LOAD_BALANCER_TYPES.targetGroup;
const LISTENERS = LOAD_BALANCER_TYPES.listener;
const RULES = LOAD_BALANCER_TYPES.listenerRule;

/** A reference by property: `property` of a `from` resource names a `to` resource. */
interface Reference {
  readonly from: readonly string[];
  readonly property: string;
  readonly to: readonly string[];
}

/** References the app fills only with its own resources: from an app resource, the referent must be the app's too. */
const OWN_PARTS: readonly Reference[] = [
  { from: [TYPES.ecsService], property: "taskDefinition", to: [TYPES.taskDefinition] },
  { from: [TYPES.ecsService], property: "loadBalancers", to: TARGET_GROUPS },
  { from: [TYPES.ecsService], property: "networkConfiguration", to: [TYPES.securityGroup] },
  { from: [TYPES.ecsMigration], property: "taskDefinitionArn", to: [TYPES.taskDefinition] },
  { from: [TYPES.ecsMigration], property: "securityGroupIds", to: [TYPES.securityGroup] },
  { from: [TYPES.taskDefinition], property: "executionRoleArn", to: [TYPES.iamRole] },
  { from: [TYPES.rdsInstance], property: "vpcSecurityGroupIds", to: [TYPES.securityGroup] },
  { from: [TYPES.rdsInstance], property: "dbSubnetGroupName", to: [TYPES.rdsSubnetGroup] },
  { from: [TYPES.subnet, TYPES.routeTable, TYPES.internetGateway], property: "vpcId", to: [TYPES.vpc] },
  { from: [TYPES.routeTable], property: "routes", to: [TYPES.internetGateway, TYPES.natGateway] },
  { from: [TYPES.natGateway], property: "allocationId", to: [TYPES.elasticIp] },
  { from: [TYPES.natGateway, TYPES.routeTableAssociation], property: "subnetId", to: [TYPES.subnet] },
  { from: [TYPES.routeTableAssociation], property: "routeTableId", to: [TYPES.routeTable] },
  { from: [TYPES.bucketPolicy, TYPES.bucketPublicAccessBlock], property: "bucket", to: [TYPES.bucket] },
  { from: [TYPES.iamRolePolicy, TYPES.iamRolePolicyAttachment], property: "role", to: [TYPES.iamRole] },
  { from: LISTENERS, property: "defaultActions", to: TARGET_GROUPS },
  { from: RULES, property: "actions", to: TARGET_GROUPS },
  { from: [TYPES.securityGroupIngressRule], property: "referencedSecurityGroupId", to: [TYPES.securityGroup] },
  { from: [TYPES.dockerContainer], property: "image", to: [TYPES.dockerImage] },
];

/** References by which a resource attaches to another as a part of it: to an app resource, only the app's parts do. */
const ATTACHMENTS: readonly Reference[] = [
  { from: [TYPES.iamRolePolicy, TYPES.iamRolePolicyAttachment], property: "role", to: [TYPES.iamRole] },
  { from: [TYPES.bucketPolicy, TYPES.bucketPublicAccessBlock], property: "bucket", to: [TYPES.bucket] },
  { from: [TYPES.routeTableAssociation], property: "routeTableId", to: [TYPES.routeTable] },
  { from: [TYPES.routeTableAssociation, TYPES.natGateway], property: "subnetId", to: [TYPES.subnet] },
  { from: [TYPES.subnet, TYPES.routeTable, TYPES.internetGateway], property: "vpcId", to: [TYPES.vpc] },
  { from: [TYPES.rdsInstance], property: "dbSubnetGroupName", to: [TYPES.rdsSubnetGroup] },
  { from: [TYPES.rdsInstance], property: "vpcSecurityGroupIds", to: [TYPES.securityGroup] },
  { from: [TYPES.taskDefinition], property: "executionRoleArn", to: [TYPES.iamRole] },
  { from: LOAD_BALANCER_TYPES.loadBalancer, property: "securityGroups", to: [TYPES.securityGroup] },
  { from: LOAD_BALANCER_TYPES.loadBalancer, property: "accessLogs", to: [TYPES.bucket] },
  // A rule on one of the app's groups changes who reaches the app; the app states its own (network.taskEgress).
  {
    from: [TYPES.securityGroupRule, TYPES.securityGroupIngressRule, TYPES.securityGroupEgressRule],
    property: "securityGroupId",
    to: [TYPES.securityGroup],
  },
  // A task set or target registered in a color's target group gets that color's users without its gate.
  { from: [TYPES.ecsService], property: "loadBalancers", to: TARGET_GROUPS },
  { from: LOAD_BALANCER_TYPES.targetGroupAttachment, property: "targetGroupArn", to: TARGET_GROUPS },
];

/** The local platform creates every Docker network, volume and container it uses: none is ever the user's. */
const DOCKER_PARTS: readonly string[] = [TYPES.dockerNetwork, TYPES.dockerVolume, TYPES.dockerContainer];

function referenced(resource: PolicyResource, reference: Reference): PolicyResource[] {
  return (resource.propertyDependencies[reference.property] ?? []).filter((r) => reference.to.includes(r.type));
}

/** Evidence that `outside` belongs inside the app: each a clause following "it". */
type Findings = Map<PolicyResource, string[]>;

function add(findings: Findings, resource: PolicyResource, evidence: string): void {
  if (createdByApp(resource.urn)) return;
  const list = findings.get(resource) ?? [];
  if (!list.includes(evidence)) list.push(evidence);
  findings.set(resource, list);
}

/** The app's references to its own parts, by property and by name (a log group, a Service, a workload's pods). */
function ownParts(app: PolicyResource, stack: readonly PolicyResource[], findings: Findings): void {
  for (const reference of OWN_PARTS.filter((r) => r.from.includes(app.type))) {
    for (const part of referenced(app, reference)) {
      add(
        findings,
        part,
        `is the \`${reference.property}\` of the app's ${app.name}, which the app fills only with its own`,
      );
    }
  }
  for (const [property, parts] of Object.entries(app.propertyDependencies)) {
    for (const part of parts.filter((r) => DOCKER_PARTS.includes(r.type))) {
      add(
        findings,
        part,
        `is the \`${property}\` of the app's ${app.name}: the app creates every Docker network, volume and container it uses`,
      );
    }
  }
  if (app.type === TYPES.ecsService && !handedIn(app).includes("cluster")) {
    for (const cluster of (app.propertyDependencies.cluster ?? []).filter((r) => r.type === TYPES.ecsCluster)) {
      add(
        findings,
        cluster,
        `is the cluster of the app's ${app.name}, which says no cluster was handed in (tag \`${AWS_TAGS.handedIn}\`)`,
      );
    }
  }
  if (app.type === TYPES.taskDefinition) {
    const groups = logGroupsNamed(known(() => app.props.containerDefinitions));
    for (const group of stack.filter((r) => r.type === TYPES.logGroup && groups.includes(known(() => r.props.name)))) {
      add(findings, group, `is the log group the app's task definition ${app.name} writes to`);
    }
  }
  const kind = kubernetesKind(app.type);
  if (kind?.group === "" && kind.kind === "Service") {
    const selector = known(() => app.props.spec?.selector);
    for (const workload of workloads(stack).filter((w) => selects(selector, podLabels(w)))) {
      add(findings, workload, `runs the pods the app's Service ${app.name} selects`);
    }
  }
  const plainOnly = new Set(app.dependencies);
  for (const deps of Object.values(app.propertyDependencies)) for (const dep of deps) plainOnly.delete(dep);
  for (const dependency of plainOnly) {
    add(
      findings,
      dependency,
      `is something the app's ${app.name} waits for by \`dependsOn\`, which the program gives only the app's own resources`,
    );
  }
}

/** What an ECS service says the user handed in (AWS_TAGS.handedIn). */
function handedIn(service: PolicyResource): string[] {
  const tag = known(() => service.props.tags?.[AWS_TAGS.handedIn]);
  return typeof tag === "string" ? tag.split(",").map((part) => part.trim()) : [];
}

/** The snapshots the app's migrations and hotfix take: named from the app and the version (contracts/snapshots.ts). */
function appSnapshots(apps: readonly PolicyResource[]): (id: unknown) => boolean {
  const app = appName(apps);
  if (app === undefined) return () => false;
  const versions = apps.map((r) => migrationFacts(r)?.version).filter((v): v is string => typeof v === "string");
  const names = new Set(versions.map((version) => snapshotIdentifier(app, version)));
  return (id) => typeof id === "string" && (names.has(id) || isHotfixSnapshot(app, id));
}

/** The log groups a task definition's containers write to (`awslogs-group`). */
function logGroupsNamed(definitions: unknown): unknown[] {
  if (typeof definitions !== "string") return [];
  try {
    const parsed: unknown = JSON.parse(definitions);
    return Array.isArray(parsed) ? parsed.map((d) => d?.logConfiguration?.options?.["awslogs-group"]) : [];
  } catch {
    return [];
  }
}

const APP_TAGS = [AWS_TAGS.app, AWS_TAGS.route, AWS_TAGS.testPorts];
const APP_LABELS = [KUBERNETES_LABELS.route, KUBERNETES_LABELS.color, KUBERNETES_LABELS.migration];
const APP_DOCKER_LABELS: readonly string[] = Object.values(DOCKER_LABELS);

/** The app's markers an outside resource carries. */
function appMarkers(resource: PolicyResource): string[] {
  const tags = known(() => resource.props.tags) ?? {};
  const labels = known(() => resource.props.metadata?.labels) ?? {};
  const docker: unknown[] = known(() => resource.props.labels) ?? [];
  return [
    ...APP_TAGS.filter((tag) => typeof tags === "object" && tags[tag] !== undefined).map((tag) => `tag \`${tag}\``),
    ...APP_LABELS.filter((label) => typeof labels === "object" && labels[label] !== undefined).map(
      (label) => `label \`${label}\``,
    ),
    ...(Array.isArray(docker) ? docker : [])
      .map((entry: any) => known(() => entry?.label))
      .filter((label): label is string => APP_DOCKER_LABELS.includes(label as string))
      .map((label) => `label \`${label}\``),
  ];
}

export const appResourcesInsideComponents: StackValidationPolicy = {
  name: "app-resources-inside-components",
  description:
    "Checks whether every resource the app's components use, wait for or attach is registered inside them, so no rule of the pack misses it (a forgotten `parent: this`).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const findings: Findings = new Map();
    const apps = args.resources.filter((r) => createdByApp(r.urn));
    // Components hold no references of their own; their children do.
    for (const app of apps.filter((r) => !COMPONENTS.has(r.type))) ownParts(app, args.resources, findings);
    for (const route of judgedRoutes(args.resources).filter((r) => r.apps)) {
      for (const target of targetsOf(route).filter((t) => t.resource !== undefined)) {
        add(findings, target.resource!, `is a target of the app's ${route.kind.toLowerCase()} ${route.resource.name}`);
      }
    }
    const isAppSnapshot = appSnapshots(apps);
    for (const outside of args.resources.filter((r) => !createdByApp(r.urn))) {
      const snapshot = known(() => snapshotFacts(outside)?.identifier);
      if (isAppSnapshot(snapshot)) {
        add(
          findings,
          outside,
          `is the app's snapshot ${JSON.stringify(snapshot)}, named for the app's own migration or hotfix`,
        );
      }
      if (OWN_DYNAMIC_TYPES.has(outside.type)) {
        const name = Object.values(DYNAMIC_TYPES).find((t) => t.token === outside.type)?.name;
        add(findings, outside, `is a bluegreen ${name}, which only the app's components create`);
      }
      for (const reference of ATTACHMENTS.filter((r) => r.from.includes(outside.type))) {
        for (const part of referenced(outside, reference).filter((r) => createdByApp(r.urn))) {
          add(findings, outside, `attaches to the app's ${part.name} as its \`${reference.property}\``);
        }
      }
      for (const marker of appMarkers(outside)) add(findings, outside, `carries the app's ${marker}`);
    }
    for (const [resource, evidence] of findings) {
      const more = evidence.length > 2 ? ` (and ${evidence.length - 2} more ties to the app)` : "";
      reportViolation(
        `${resource.type.split(":").pop()} ${resource.name} must be registered inside the app's components (\`parent\` set to the component that creates it): it ${evidence.slice(0, 2).join("; it ")}${more}. ` +
          "Registered outside them, the pack's rules for the app's resources do not see it. Create it with childOptions (components/options.ts), which sets the parent; " +
          "if it is yours rather than the app's, leave the app's resources alone and state what the app needs in its config (`bluegreen:network.taskEgress`, `bluegreen:listener.testIngressCidrs`).",
        resource.urn,
      );
    }
  },
};
