/**
 * Load balancer rules (aws): target groups that notice a failing color fast
 * and drain it fast, a production listener that speaks modern TLS, and a
 * load balancer that drops invalid headers and, in production, refuses
 * deletion and keeps access logs.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { LOAD_BALANCER_TYPES } from "./contracts/resourceTypes";
import { ALLOW_STACK_EXCEPTIONS, statedException } from "./exceptions";
import { configOf, known, shown } from "./shared";
import { judgedRoutes } from "./routes";

/** What AWS uses when a target group's health check leaves a value unset (HTTP/HTTPS target groups). */
const AWS_HEALTH_CHECK_DEFAULTS = { interval: 30, healthyThreshold: 5, unhealthyThreshold: 2 } as const;
/** AWS drains a deregistered target for 300 s unless told otherwise. */
const AWS_DEREGISTRATION_DELAY_SECONDS = 300;

interface HealthCheckLimits {
  maxIntervalSeconds: number;
  maxHealthyThreshold: number;
  maxUnhealthyThreshold: number;
}

/** Problems with one target group's health check, each "<what> ... <fix>" to follow "must". */
export function healthCheckProblems(healthCheck: Record<string, any> | undefined, limits: HealthCheckLimits): string[] {
  const fixIn = "`FAST_HEALTH_CHECK` in components/aws/colorService.ts";
  if (healthCheck === undefined || healthCheck.enabled === false) {
    return [
      `have an enabled health check, so the load balancer stops sending traffic to failing tasks: healthCheck is ${healthCheck ? "disabled" : "missing"}. ` +
        `Enable it with a path (\`bluegreen:app.healthPath\`), a matcher and explicit interval and thresholds (${fixIn}).`,
    ];
  }
  const problems: string[] = [];
  if (typeof healthCheck.path !== "string" || !healthCheck.path.startsWith("/")) {
    problems.push(
      `probe a health path: healthCheck.path is ${shown(healthCheck.path)}. Set \`bluegreen:app.healthPath\` (for example /healthz).`,
    );
  }
  if (typeof healthCheck.matcher !== "string" || healthCheck.matcher.trim() === "") {
    problems.push(
      `say which status codes are healthy: healthCheck.matcher is ${shown(healthCheck.matcher)}. Set \`bluegreen:gate.expectedStatus\` (the program derives the matcher from it).`,
    );
  }
  const bounds = [
    ["interval", limits.maxIntervalSeconds, "maxIntervalSeconds", " s"],
    ["healthyThreshold", limits.maxHealthyThreshold, "maxHealthyThreshold", ""],
    ["unhealthyThreshold", limits.maxUnhealthyThreshold, "maxUnhealthyThreshold", ""],
  ] as const;
  for (const [key, limit, configKey, unit] of bounds) {
    const set = healthCheck[key];
    const effective = Number(set ?? AWS_HEALTH_CHECK_DEFAULTS[key]);
    if (effective > limit) {
      const observed = set === undefined ? `not set, so AWS uses ${effective}${unit}` : `${effective}${unit}`;
      problems.push(
        `keep healthCheck.${key} at most ${limit}${unit}: it is ${observed}. Lower it (${fixIn}) or raise this policy's ${configKey}.`,
      );
    }
  }
  return problems;
}

export const targetGroupHealthCheck: ResourceValidationPolicy = {
  name: "target-group-health-check",
  description:
    "Checks whether every target group has a health check with a path, a matcher and a bounded interval and thresholds.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxIntervalSeconds: {
        type: "integer",
        minimum: 5,
        maximum: 300,
        default: 30,
        description: "Longest time between two health checks.",
      },
      maxHealthyThreshold: {
        type: "integer",
        minimum: 2,
        maximum: 10,
        default: 5,
        description: "Most successful checks before a target counts as healthy.",
      },
      maxUnhealthyThreshold: {
        type: "integer",
        minimum: 2,
        maximum: 10,
        default: 3,
        description: "Most failed checks before a target counts as unhealthy.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!LOAD_BALANCER_TYPES.targetGroup.includes(args.type)) return;
    const limits = configOf<HealthCheckLimits>(targetGroupHealthCheck.configSchema!, args.getConfig());
    for (const problem of healthCheckProblems(args.props.healthCheck, limits)) {
      reportViolation(`Target group ${args.name} must ${problem}`);
    }
  },
};

export const targetGroupDeregistrationDelay: ResourceValidationPolicy = {
  name: "target-group-deregistration-delay",
  description:
    "Checks whether target groups drain deregistered targets quickly, so weight shifts and rollbacks settle fast.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxSeconds: {
        type: "integer",
        minimum: 0,
        maximum: 3600,
        default: 30,
        description: "Longest deregistration delay (connection draining) in seconds.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!LOAD_BALANCER_TYPES.targetGroup.includes(args.type)) return;
    const { maxSeconds } = configOf<{ maxSeconds: number }>(
      targetGroupDeregistrationDelay.configSchema!,
      args.getConfig(),
    );
    const set = args.props.deregistrationDelay;
    const delay = Number(set ?? AWS_DEREGISTRATION_DELAY_SECONDS);
    if (delay > maxSeconds) {
      const observed = set === undefined ? `not set, so AWS waits ${delay} s` : `${delay} s`;
      reportViolation(
        `Target group ${args.name} must drain deregistered targets within ${maxSeconds} s, so a weight shift or rollback settles fast: deregistrationDelay is ${observed}. ` +
          "Set deregistrationDelay (`DEREGISTRATION_DELAY_SECONDS` in components/aws/colorService.ts) or raise this policy's maxSeconds.",
      );
    }
  },
};

/** ELB policies that offer TLS 1.3 and accept nothing older than TLS 1.2 with forward-secret ciphers. */
const MODERN_SSL_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
];

export const listenerHttpsModernTls: StackValidationPolicy = {
  name: "listener-https-modern-tls",
  description:
    "Checks whether every listener of the app that forwards user traffic (in any forward shape, a redirect turned into a forward included) serves HTTPS with a modern TLS policy in production.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      production: {
        type: "boolean",
        default: true,
        description: "Whether the stack is production; set false for staging and development stacks.",
      },
      allowedSslPolicies: {
        type: "array",
        items: { type: "string" },
        default: MODERN_SSL_POLICIES,
        description: "ELB security policies the listener may use.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { production, allowedSslPolicies } = configOf<{ production: boolean; allowedSslPolicies: string[] }>(
      listenerHttpsModernTls.configSchema!,
      args.getConfig(),
    );
    if (!production) return;
    // Only what this rule needs: protocol and TLS policy (known from config even on a first preview), never target ARNs.
    for (const route of judgedRoutes(args.resources).filter((r) => r.kind === "Listener" && !r.exempt)) {
      const listener = route.resource;
      const protocol = known(() => listener.props.protocol);
      const sslPolicy = known(() => listener.props.sslPolicy);
      if (protocol !== "HTTPS") {
        reportViolation(
          `Listener ${listener.name} must serve HTTPS in production: protocol is ${shown(protocol)}. ` +
            "Set `bluegreen:listener.certificateArn` to an ACM certificate (port 80 then redirects to 443).",
          listener.urn,
        );
      } else if (!allowedSslPolicies.includes(sslPolicy)) {
        reportViolation(
          `Listener ${listener.name} must use a modern TLS policy in production: sslPolicy is ${shown(sslPolicy)}, allowed: ${allowedSslPolicies.join(", ")}. ` +
            "Set `bluegreen:listener.sslPolicy` to one of them, or extend this policy's allowedSslPolicies.",
          listener.urn,
        );
      }
    }
  },
};

interface LoadBalancerRules {
  production: boolean;
  allowStackExceptions: boolean;
}

export const loadBalancerSafeguards: ResourceValidationPolicy = {
  name: "load-balancer-safeguards",
  description:
    "Checks whether the app's load balancers drop invalid header fields, and in production refuse deletion and write access logs.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      production: {
        type: "boolean",
        default: true,
        description: "Whether the stack is production; set false for staging and development stacks.",
      },
      allowStackExceptions: ALLOW_STACK_EXCEPTIONS,
    },
  },
  validateResource: (args, reportViolation) => {
    // Every load balancer the app's components created (ownership.ts), whatever its tags say.
    if (!LOAD_BALANCER_TYPES.loadBalancer.includes(args.type)) return;
    const rules = configOf<LoadBalancerRules>(loadBalancerSafeguards.configSchema!, args.getConfig());
    const drops = known(() => args.props.dropInvalidHeaderFields);
    if (drops !== true) {
      reportViolation(
        `Load balancer ${args.name} must drop invalid header fields, so a malformed header never reaches the app (request smuggling): dropInvalidHeaderFields is ${shown(drops)}. ` +
          "Set dropInvalidHeaderFields: true (components/aws/loadBalancer.ts).",
      );
    }
    if (!rules.production || statedException(args.props, rules.allowStackExceptions) !== undefined) return;
    const protection = known(() => args.props.enableDeletionProtection);
    if (protection !== true) {
      reportViolation(
        `Load balancer ${args.name} must refuse deletion in production: enableDeletionProtection is ${shown(protection)}. ` +
          "Remove `bluegreen:listener.deletionProtection: false` (it defaults to true in production), or state why in `bluegreen:listener.securityException`.",
      );
    }
    // Only `enabled` is read: the bucket of a bucket the stack creates is unknown on a first preview.
    const logging = known(() => args.props.accessLogs?.enabled);
    if (logging !== true) {
      reportViolation(
        `Load balancer ${args.name} must write access logs in production: accessLogs.enabled is ${shown(logging)}. ` +
          "Remove `bluegreen:listener.accessLogs.enabled: false` (logs go to a bucket the stack creates, or `bluegreen:listener.accessLogs.bucket`), or state why in `bluegreen:listener.securityException`.",
      );
    }
  },
};
