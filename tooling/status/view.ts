/**
 * Where a release stands, at a glance: weights per color as bars, versions,
 * the primary color, each color's last gate verdict, the last snapshot and
 * migration with what its rehearsal measured, and HOTFIX while a hotfix is set. Built from the program's stack outputs (live stack) or from the
 * offline plan's outputs; pure.
 */
import { Color, COLORS } from "../../components/contracts/colors";
import { readStackOutputs } from "../../components/contracts/outputs";
import { describeRehearsal, RehearsalReport } from "../../components/contracts/rehearsalReport";
import { bar } from "./bars";

export interface StatusView {
  readonly stack: string;
  /** Where the figures come from, e.g. "stack outputs" or "offline plan of Pulumi.staging.yaml". */
  readonly source: string;
  readonly platform: string;
  readonly url?: string;
  readonly primary: Color;
  readonly weights: Record<Color, number>;
  readonly percent: Record<Color, number>;
  readonly versions: Record<Color, string>;
  /** undefined: no verdict recorded (e.g. offline, where no gate ran). */
  readonly gateVerdicts: Record<Color, string | undefined>;
  readonly snapshotId?: string;
  readonly migrationVersion?: string;
  /** What the migration's rehearsal measured on a copy of the real data. */
  readonly rehearsal?: RehearsalReport;
  /** `bluegreen:release.hotfix` is set: its reason and the emergency snapshot. */
  readonly hotfix?: { readonly reason: string; readonly snapshotId: string };
  /** AWS with an existing database: the security groups its owner admits, by client. */
  readonly databaseClients?: Readonly<Record<string, string>>;
}

/** Reads the program's outputs through the outputs contract; throws when the stack lacks them. */
export function statusFromOutputs(stack: string, source: string, raw: Record<string, unknown>): StatusView {
  const outputs = readStackOutputs(stack, raw);
  return {
    stack,
    source,
    platform: outputs.platform,
    url: outputs.url,
    primary: outputs.primaryColor,
    weights: outputs.weights,
    percent: outputs.trafficPercent,
    versions: outputs.versions,
    gateVerdicts: { blue: outputs.gateVerdicts?.blue, green: outputs.gateVerdicts?.green },
    snapshotId: outputs.snapshotId,
    migrationVersion: outputs.migrationVersion,
    rehearsal: outputs.rehearsal,
    hotfix: outputs.hotfix,
    databaseClients: outputs.databaseClientSecurityGroups,
  };
}

export function renderStatus(view: StatusView, width = 30): string {
  const versionWidth = Math.max(...COLORS.map((color) => view.versions[color].length));
  const rows = COLORS.map((color) => {
    const primary = view.primary === color ? "primary" : "       ";
    const verdict = view.gateVerdicts[color] ?? "none recorded";
    return (
      `  ${color.padEnd(5)}  ${view.versions[color].padEnd(versionWidth)}  ${bar(view.percent[color], width)}  ` +
      `${String(view.percent[color]).padStart(3)} %  weight ${String(view.weights[color]).padStart(3)}  ${primary}  gate ${verdict}`
    );
  });
  return [
    `Stack ${view.stack} on ${view.platform} (${view.source})${view.url ? `: ${view.url}` : ""}`,
    ...(view.hotfix
      ? [`  HOTFIX: ${view.hotfix.reason} (emergency snapshot ${view.hotfix.snapshotId}; one jump past gate.maxStep)`]
      : []),
    ...rows,
    `  last snapshot:  ${view.snapshotId ?? "none (no migration configured)"}`,
    `  last migration: ${view.migrationVersion ?? "none"}`,
    ...(view.rehearsal ? [`  rehearsal:      ${describeRehearsal(view.rehearsal)}`] : []),
    ...(view.databaseClients === undefined
      ? []
      : [
          `  database clients: ${Object.entries(view.databaseClients)
            .map(([client, group]) => `${client} ${group}`)
            .join(", ")} (the existing database admits each on its port: docs/aws.md)`,
        ]),
  ].join("\n");
}
