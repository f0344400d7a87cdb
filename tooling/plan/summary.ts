/** Renders a plan for a terminal or a PR comment: plain text, fixed layout, no colors. */
import type { GateSettings } from "../../components/gate/settings";
import { COLORS } from "../../components/contracts/colors";
import type { PolicyViolation } from "../policy/protocol";
import { bar } from "../status/bars";
import type { Plan, PlanResource } from "./buildPlan";
import type { ReleaseStep } from "./releaseSteps";

export function renderSummary(plan: Plan): string {
  return [
    `Offline plan: stack ${plan.stack} (project ${plan.project}), app ${plan.app}, platform ${plan.platform}, environment ${plan.environment}`,
    "Nothing was deployed and no cloud was called: ids and ARNs come from deterministic mocks.",
    "",
    ...hotfixSection(plan),
    ...trafficSection(plan),
    "",
    ...stepsSection(plan),
    "",
    ...gateSection(plan),
    "",
    ...secretSection(plan.secretKeys),
    ...resourceSection(plan.resources),
    "",
    ...violationSection(plan.violations),
  ].join("\n");
}

/** HOTFIX first: the one exception to the step rule, with its reason. */
function hotfixSection({ hotfix, traffic }: Plan): string[] {
  if (hotfix === undefined) return [];
  const candidate = COLORS.find((color) => traffic.colors[color].role === "candidate");
  const who = candidate === undefined ? "the patch release" : `${candidate} ${traffic.colors[candidate].version}`;
  return [
    `HOTFIX (bluegreen:release.hotfix): ${hotfix.reason}`,
    `  ${who} may jump past gate.maxStep straight to its weight in one update; still probed (one healthy round, Prometheus too).`,
    `  Emergency snapshot ${hotfix.snapshotId} first. Remove bluegreen:release.hotfix after this release.`,
    "",
  ];
}

/** Which keys hold secrets, never their values (offline there is no passphrase to read them with anyway). */
function secretSection(keys: readonly string[]): string[] {
  return keys.length === 0 ? [] : [`Secrets (set with --secret; values never shown): ${keys.join(", ")}`, ""];
}

function trafficSection(plan: Plan): string[] {
  const { traffic } = plan;
  const versionWidth = Math.max(...COLORS.map((color) => traffic.colors[color].version.length));
  const rows = COLORS.map((color) => {
    const c = traffic.colors[color];
    const primary = traffic.primary === color ? "  primary" : "";
    return `  ${color.padEnd(5)}  ${c.version.padEnd(versionWidth)}  ${c.role.padEnd(9)}  weight ${String(c.weight).padStart(3)}  ${bar(c.percent)}  ${String(c.percent).padStart(3)} %${primary}`;
  });
  const sticky = traffic.stickinessSeconds === 0 ? "off" : `${traffic.stickinessSeconds} s`;
  return [
    `Traffic (bluegreen:traffic, total weight ${traffic.total})`,
    ...rows,
    `  rollback: ${traffic.rollback ? "yes (share may go to a color redeployed with an older version)" : "no"}; sticky sessions: ${sticky}`,
  ];
}

function stepsSection(plan: Plan): string[] {
  const window = plan.steps.some((step) => step.kind === "maintenance");
  return [
    "Release steps, in order",
    ...plan.steps.map((step, i) => `  ${i + 1}. ${describeStep(step, { environment: plan.environment, window })}`),
  ];
}

/** What the rest of the plan says about a step: the environment, and whether a maintenance window is on. */
interface StepContext {
  readonly environment: string;
  readonly window: boolean;
}

/**
 * A breaking migration's note: inside the window only when one is on; in
 * production the release guard also wants it open since an earlier update
 * (judged against a base with `--diff`, and by `pulumi preview`).
 */
export function breakingNote({ environment, window }: StepContext): string {
  const production = environment === "production";
  if (window) {
    return production
      ? "breaking: runs while the maintenance window is on, which the release guard wants open since an earlier update"
      : "breaking: runs while the maintenance window is on";
  }
  return production
    ? "breaking: no maintenance window is on (bluegreen:maintenance.enabled), so in production the release guard refuses it unless it already ran; open the window in an earlier update"
    : "breaking: no maintenance window is on (bluegreen:maintenance.enabled; only production requires one)";
}

function describeStep(step: ReleaseStep, context: StepContext): string {
  switch (step.kind) {
    case "snapshot":
      return `snapshot   ${step.snapshotId}${step.database ? ` of database ${step.database}` : ""} (${step.hotfix ? "emergency snapshot of the hotfix, taken once per hotfix version" : "taken once per migration version"}, kept on delete)`;
    case "migration":
      return (
        `migration  ${step.version}: ${step.command.map(shellWord).join(" ")} (image ${step.image}, timeout ${step.timeoutSeconds} s, ` +
        `${step.reversible ? "reversible" : "irreversible: rolling back needs the snapshot"}` +
        `${step.breaking ? `, ${breakingNote(context)}` : ""})` +
        `${step.rehearse ? "\n             rehearsed first on a scratch copy of the database" : ""}` +
        step.validate.map((v) => `\n             validate ${v.name}: ${v.command.map(shellWord).join(" ")}`).join("")
      );
    case "deploy":
      return `deploy     ${step.color} ${step.version}${step.afterMigration ? " after the migration succeeded" : ""}`;
    case "gate":
      return `gate       ${step.colors.join(", ")}: probed when its traffic grows or its version changes; routing waits for every gate`;
    case "routing":
      return `routing    ${COLORS.map((color) => `${color} ${step.percent[color]} %`).join(" / ")}`;
    case "maintenance":
      return (
        `maintenance window opens: users get 503 and the page (${JSON.stringify(step.message)}` +
        `${step.retryAfterSeconds === undefined ? "; no Retry-After: the load balancer's fixed response sends no headers" : `, Retry-After ${step.retryAfterSeconds} s`}) ` +
        "until bluegreen:maintenance.enabled is false; the colors keep their shares and answer their gates" +
        (step.afterMigration
          ? "\n             it opens after this update's migration: a breaking migration needs the window open in an update before"
          : "")
      );
  }
}

/** Arguments with spaces or quotes are shown quoted, so the command reads as it runs. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function gateSection(plan: Plan): string[] {
  const s = plan.gate.settings;
  const colors = plan.gate.colors.map(
    (g) =>
      `  ${g.color.padEnd(5)}  weight ${g.weight} of ${g.totalWeight}; probes ${g.targets.length === 0 ? "(no targets)" : g.targets.join(", ")}`,
  );
  return [
    "Gate (bluegreen:gate)",
    `  max step ${s.maxStep} points per update${s.allowLargeStep ? " (allowLargeStep: this update may exceed it)" : ""}; ` +
      `passes after ${s.consecutiveSuccesses} healthy rounds every ${s.intervalMs} ms; fails after ${s.failureThreshold} failed rounds`,
    `  request timeout ${s.requestTimeoutMs} ms; p95 latency <= ${s.p95LatencyMs} ms; deadline ${s.deadlineSeconds} s`,
    `  healthy: HTTP ${s.expectedStatus.join(", ")}${bodyCheck(s.body)}`,
    `  Prometheus: ${s.prometheus ? `error rate <= ${s.prometheus.maxErrorRate} at ${s.prometheus.url}` : "not configured"}`,
    ...colors,
  ];
}

function bodyCheck(body: GateSettings["body"]): string {
  if (body === undefined) return "";
  return "contains" in body
    ? ` with body containing ${JSON.stringify(body.contains)}`
    : ` with JSON ${body.json.path} = ${JSON.stringify(body.json.equals)}`;
}

function resourceSection(resources: readonly PlanResource[]): string[] {
  const children = new Map<string, PlanResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""].filter(Boolean);
      lines.push(`${"  ".repeat(depth + 1)}${r.type}  ${r.name}${flags.length > 0 ? `  [${flags.join(", ")}]` : ""}`);
      walk(r.key, depth + 1);
    }
  };
  walk("", 0);
  const custom = resources.filter((r) => r.custom).length;
  return [`Resources (${resources.length}: ${custom} resources in ${resources.length - custom} components)`, ...lines];
}

function violationSection(violations: readonly PolicyViolation[]): string[] {
  if (violations.length === 0) return ["Policy pack (policies/): no violations"];
  const counts = ["mandatory", "remediate", "advisory", "disabled"]
    .map((level) => [level, violations.filter((v) => v.enforcementLevel === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${level}`);
  return [
    `Policy pack (policies/): ${violations.length} violation${violations.length === 1 ? "" : "s"} (${counts.join(", ")})`,
    ...violations.map(
      (v) => `  [${v.enforcementLevel}] ${v.policyName}${v.urn ? ` on ${v.urn.split("::").pop()}` : ""}: ${v.message}`,
    ),
  ];
}

/** The line the command ends with when mandatory policies block the plan; undefined when nothing blocks. */
export function blockingLine(plan: Plan): string | undefined {
  const mandatory = plan.violations.filter((v) => v.enforcementLevel === "mandatory");
  if (mandatory.length === 0) return undefined;
  const names = [...new Set(mandatory.map((v) => v.policyName))].join(", ");
  return (
    `PLAN BLOCKED: ${mandatory.length} mandatory policy violation${mandatory.length === 1 ? "" : "s"} (${names}); ` +
    `\`pulumi up\` with --policy-pack policies would refuse this stack. Fix the config or resources listed above and plan again.`
  );
}
