/**
 * bluegreen: the stack's config in, a blue/green release out. The program
 * lives in components/ (program.ts); these are its stack outputs, the
 * contract in components/contracts/outputs.ts.
 */
import { blueGreenStack } from "./components/program";

export const {
  url,
  platform,
  primaryColor,
  weights,
  trafficPercent,
  versions,
  snapshotId,
  migrationVersion,
  hotfix,
  gateVerdicts,
  resourceIds,
  probeUrls,
  databaseClientSecurityGroups,
} = blueGreenStack();
