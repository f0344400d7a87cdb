/**
 * Config rules that only hold on the kubernetes platform, judged on the
 * parsed config alone (pure). `parseConfig` reports them with every other
 * config problem, before any resource is registered.
 */
import type { BlueGreenConfig } from "../config";
import { ConfigIssue, fullKey } from "../configKeys";
import { COLORS } from "../naming";
import { expandColor, parseSecretRef } from "./names";

/** `awsRegion`: the `aws:region` config value, needed for the RDS snapshot before a migration. */
export function kubernetesIssues(config: BlueGreenConfig, awsRegion: string | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const color of COLORS) {
    const settings = config[color];
    for (const [name, ref] of Object.entries(settings.secrets)) {
      if (parseSecretRef(ref) === undefined) {
        issues.push({
          key: fullKey([color, "secrets", name]),
          message: `is ${JSON.stringify(ref)}; on kubernetes a secret is a reference to a key of a Secret in the app's namespace, written secret-name/key (e.g. api-database/url)`,
        });
      }
    }
  }
  if (config.database?.mode === "create") {
    issues.push({
      key: fullKey(["database", "mode"]),
      message: "is create, but the kubernetes platform does not create RDS instances (they need the AWS network); create the database outside this program and use mode `existing`, which snapshots it before each migration",
    });
  }
  if (config.database !== undefined && awsRegion === undefined) {
    issues.push({
      key: "aws:region",
      message: `is required with \`bluegreen:database\`: the RDS ${config.database.identifier} is snapshotted before each migration; e.g. \`pulumi config set aws:region eu-west-1\``,
    });
  }
  const k8s = config.kubernetes;
  if (k8s?.colorRoutes !== undefined) {
    for (const color of COLORS) {
      const hostname = expandColor(k8s.colorRoutes.hostname, color);
      if (k8s.hostnames.includes(hostname)) {
        issues.push({
          key: fullKey(["kubernetes", "colorRoutes", "hostname"]),
          message: `gives ${color} the hostname ${hostname}, which the weighted route serves too; the Gateway would mix both routes. Use a hostname of its own, e.g. "{color}.${hostname}"`,
        });
      }
    }
  }
  return issues;
}
