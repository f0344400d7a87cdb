/**
 * Per-stack settings of the promotion gate (stack config key `bluegreen:gate`).
 * The config module embeds `gateSettingsSchema`; the provider's `check`
 * validates with the same schema (see schema.ts), so both agree.
 */
import { z } from "zod";
import { crossField } from "../config/crossField";
import { buildGateSettingsSchema } from "./schema";

/** Schema of `bluegreen:gate`; an absent key yields DEFAULT_GATE_SETTINGS. */
export const gateSettingsSchema = buildGateSettingsSchema(z, crossField);

/** Gate settings with every default applied. */
export type GateSettings = z.output<typeof gateSettingsSchema>;

/** Gate settings as written in stack config (every field optional). */
export type GateSettingsInput = z.input<typeof gateSettingsSchema>;

export const DEFAULT_GATE_SETTINGS: GateSettings = gateSettingsSchema.parse(undefined);
