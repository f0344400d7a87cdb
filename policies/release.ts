/**
 * Release-mode rules: a hotfix (`bluegreen:release.hotfix`) is the one
 * exception to the step rule, so the pack reports it where reviewers look,
 * with its reason and its emergency snapshot. The release guard (the
 * dynamic resource the snapshots and the migration wait for) carries the
 * flag; the gates judge the step itself at preview, where they see the
 * previous weights.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { isHotfixSnapshot } from "./contracts/snapshots";
import { snapshotFacts } from "./database";
import { known } from "./shared";
import { TYPES, configOf, shown } from "./shared";
import { createdByApp } from "./structure";

export const hotfixReported: StackValidationPolicy = {
  name: "hotfix-reported",
  description:
    "Checks whether the stack is a hotfix release (bluegreen:release.hotfix) and reports it with its reason: a patch release that may jump past gate.maxStep once, still probed, after an emergency snapshot.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxReasonLength: {
        type: "integer",
        minimum: 10,
        default: 200,
        description: "Longest reason quoted in the report; a longer one is cut there.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { maxReasonLength } = configOf<{ maxReasonLength: number }>(hotfixReported.configSchema!, args.getConfig());
    for (const guard of args.resources.filter((r) => r.type === TYPES.releaseGuard && createdByApp(r.urn))) {
      const reason = known(() => guard.props.hotfix?.reason);
      const app = known(() => guard.props.app);
      if (typeof reason !== "string" || typeof app !== "string") continue;
      const quoted = reason.length > maxReasonLength ? `${reason.slice(0, maxReasonLength)}…` : reason;
      const snapshots = args.resources
        .map((r) => known(() => snapshotFacts(r)?.identifier))
        .filter((id): id is string => typeof id === "string" && isHotfixSnapshot(app, id));
      const snapshot =
        snapshots.length > 0
          ? `emergency snapshot ${snapshots.map((id) => shown(id)).join(", ")}`
          : "no emergency snapshot (the platform has no database to snapshot)";
      reportViolation(
        `HOTFIX: release guard ${guard.name} has bluegreen:release.hotfix set, reason ${shown(quoted)}: ` +
          `a patch release of the stable version may jump past bluegreen:gate.maxStep to its configured weight in one update, still probed; ${snapshot}. ` +
          "Remove bluegreen:release.hotfix once this release is done.",
        guard.urn,
      );
    }
  },
};
