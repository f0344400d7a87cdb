/**
 * Limits of the routers the weights end up in. A contract shared by the
 * config schema, the providers and the policy pack (which carries a
 * generated copy of this file).
 */

/** ALB weighted forward actions accept 0..999 per target group: the range of `bluegreen:traffic.<color>`. */
export const MAX_TRAFFIC_WEIGHT = 999;

/** Highest server weight HAProxy accepts (config file and runtime API). */
export const HAPROXY_MAX_WEIGHT = 256;

/** Gateway API backendRef weights go from 0 to 1,000,000. */
export const GATEWAY_MAX_WEIGHT = 1_000_000;
