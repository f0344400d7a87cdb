/**
 * ReleaseGuard: the dynamic resource the snapshots and the migration wait for. Its
 * Check (provider.ts, rules in rules.ts) refuses at preview what needs the
 * previous state to judge: a hotfix carrying a new migration version, a
 * breaking migration in production without the maintenance page.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CoreConfig } from "../config/schema";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { releaseGuardProvider } from "./provider";
import type { ReleaseGuardInputs } from "./rules";

/** What the guard judges, from the validated stack config. */
export function releaseGuardInputs(
  config: Pick<CoreConfig, "app" | "environment" | "migration" | "maintenance" | "release">,
): ReleaseGuardInputs {
  const { migration, release } = config;
  return {
    app: config.app.name,
    environment: config.environment,
    ...(migration ? { migration: { version: migration.version, breaking: migration.breaking } } : {}),
    maintenance: config.maintenance.enabled,
    ...(release.hotfix ? { hotfix: { reason: release.hotfix.reason } } : {}),
  };
}

export class ReleaseGuard extends pulumi.dynamic.Resource {
  constructor(name: string, inputs: ReleaseGuardInputs, opts: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.releaseGuard;
    super(releaseGuardProvider, name, { ...inputs }, opts, module, type);
  }
}
