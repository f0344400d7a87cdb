/**
 * Two ways a release departs from the usual: a maintenance window
 * (`bluegreen:maintenance`: users get a page, the colors keep their shares
 * and stay reachable for the gates) and a hotfix (`bluegreen:release.hotfix`:
 * one jump past gate.maxStep for a patch release, with an emergency snapshot).
 */
import { z } from "zod";

export const DEFAULT_MAINTENANCE_MESSAGE = "We are upgrading the service. Please try again in a few minutes.";

export const maintenanceSchema = z
  .object({
    /** Users get the maintenance page (503) instead of the app. @default false */
    enabled: z.boolean().default(false),
    /** The page's text. @default "We are upgrading the service. Please try again in a few minutes." */
    message: z.string().min(1).max(1000).default(DEFAULT_MAINTENANCE_MESSAGE),
    /** The `Retry-After` header, where the platform can send one. @default 300 */
    retryAfterSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .strict();

export type MaintenanceSettings = z.output<typeof maintenanceSchema>;

export const releaseModeSchema = z
  .object({
    /**
     * A hotfix: the candidate is a patch release of the stable version with no new migration, and may jump
     * past gate.maxStep once; an emergency snapshot is taken. Remove it after the release. @default undefined
     */
    hotfix: z
      .object({
        reason: z
          .string()
          .refine((reason) => reason.trim().length >= 10, "must say why this is a hotfix (at least 10 characters)"),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ReleaseMode = z.output<typeof releaseModeSchema>;
