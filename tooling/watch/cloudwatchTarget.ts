/**
 * Where CloudWatch has an AWS stack's load balancer metrics and alarms, from
 * its outputs, pure: the ALB publishes each color's metrics in
 * `AWS/ApplicationELB` under the dimensions `TargetGroup` (`targetgroup/<name>/<id>`)
 * and `LoadBalancer` (`app/<name>/<id>`), the resource parts of the ARNs the
 * program exports (`resourceIds`, AWS_RESOURCE_IDS), in the region of those
 * ARNs, which is also where the stack's alarms are looked up.
 */
import { fullKey } from "../../components/config/issues";
import { Color, COLORS } from "../../components/contracts/colors";
import { AWS_RESOURCE_IDS, resourceIdOf, StackOutputs } from "../../components/contracts/outputs";

export interface CloudWatchSource {
  readonly region: string;
  /** The `LoadBalancer` dimension: `app/<name>/<id>`. */
  readonly loadBalancer: string;
  /** Each color's `TargetGroup` dimension: `targetgroup/<name>/<id>`. */
  readonly targetGroups: Readonly<Record<Color, string>>;
  /** The CloudWatch API endpoint (tests, VPC endpoints). @default the SDK's: regional, or AWS_ENDPOINT_URL_CLOUDWATCH */
  readonly endpoint?: string;
}

/** The CloudWatch alarms of `bluegreen:watch.alarms`, in the stack's region. */
export interface AlarmSource {
  readonly region: string;
  readonly names: readonly string[];
  /** As CloudWatchSource.endpoint. */
  readonly endpoint?: string;
}

/** The key that names the alarms, as messages name it. */
export const ALARMS_KEY = fullKey(["watch", "alarms"]);

const ELB_ARN = /^arn:[a-z-]+:elasticloadbalancing:([a-z0-9-]+):\d{12}:(.+)$/;
const TARGET_GROUP = /^targetgroup\/[^/]+\/[^/]+$/;
/** Only an application load balancer has AWS/ApplicationELB metrics (`net/…` is a network load balancer). */
const APPLICATION_LOAD_BALANCER = /^loadbalancer\/(app\/[^/]+\/[^/]+)$/;

/** `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-green/6d0ecf` → region and dimension. */
export function elbDimension(
  arn: string,
  kind: "target group" | "load balancer",
): { readonly region: string; readonly dimension: string } | undefined {
  const match = ELB_ARN.exec(arn);
  if (match === null) return undefined;
  const [, region, resource] = match;
  if (kind === "target group") return TARGET_GROUP.test(resource) ? { region, dimension: resource } : undefined;
  const loadBalancer = APPLICATION_LOAD_BALANCER.exec(resource);
  return loadBalancer === null ? undefined : { region, dimension: loadBalancer[1] };
}

type Dimension = { readonly region: string; readonly dimension: string };

/**
 * The stack's CloudWatch dimensions and region, or what is missing: a stack
 * deployed by an older version of the program has no load balancer ARN in
 * its outputs.
 */
export function cloudWatchSourceOf(outputs: StackOutputs): CloudWatchSource | { readonly problem: string } {
  const ids = outputs.resourceIds ?? {};
  const problems: string[] = [];
  const read = (id: string, kind: "target group" | "load balancer"): Dimension => {
    const arn = ids[id];
    const found = arn === undefined ? undefined : elbDimension(arn, kind);
    if (found === undefined) {
      problems.push(
        arn === undefined
          ? `has no \`resourceIds.${id}\` output`
          : `has \`resourceIds.${id}\` ${JSON.stringify(arn)}, not the ARN of an application ${kind}`,
      );
    }
    return found ?? { region: "", dimension: "" };
  };
  const loadBalancer = read(AWS_RESOURCE_IDS.loadBalancerArn, "load balancer");
  const [blue, green] = COLORS.map((color) =>
    read(resourceIdOf(color, AWS_RESOURCE_IDS.targetGroupArn), "target group"),
  );
  if (problems.length > 0) {
    return {
      problem:
        `the stack ${problems.join(" and ")}, so where CloudWatch has its load balancer's metrics is unknown: ` +
        "run `pulumi up` with this version of the program first",
    };
  }
  const regions = [...new Set([loadBalancer, blue, green].map((item) => item.region))];
  if (regions.length > 1) {
    return { problem: `the stack's load balancer and target groups are in different regions (${regions.join(", ")})` };
  }
  return {
    region: loadBalancer.region,
    loadBalancer: loadBalancer.dimension,
    targetGroups: { blue: blue.dimension, green: green.dimension },
  };
}

/** The alarms named in `bluegreen:watch.alarms` and their region; undefined when none is named. */
export function alarmSourceOf(
  names: readonly string[],
  outputs: StackOutputs,
): AlarmSource | { readonly problem: string } | undefined {
  if (names.length === 0) return undefined;
  if (outputs.platform !== "aws") {
    return {
      problem: `${ALARMS_KEY} names CloudWatch alarms, which a ${outputs.platform} stack has none of: remove the key from the stack file`,
    };
  }
  const where = cloudWatchSourceOf(outputs);
  if ("problem" in where) return { problem: `${ALARMS_KEY} cannot be read: ${where.problem}` };
  return { region: where.region, names };
}
