/**
 * Maintenance mode on the local router. The frontend answers users with the
 * page while a map of the RUNNING HAProxy says so; the map is changed through
 * the runtime API (`set map`), so switching needs no reload: the same
 * process keeps serving and requests in flight complete. The backend, its
 * servers, their weights and health checks are untouched. The map holds
 * `enabled` (1 or 0), `page` (one line of HTML) and `retry-after`. Pure and
 * dependency-free: the HaproxyMaintenance provider captures it by value
 * (haproxyRuntime.ts sends the commands).
 */
import type { CheckFailure } from "../contracts/providerKit";

export const MAINTENANCE_KEYS = { enabled: "enabled", page: "page", retryAfter: "retry-after" } as const;

/** What the router answers users with, while `enabled`. */
export interface MaintenanceState {
  readonly enabled: boolean;
  /** One line of HTML (components/maintenance.ts). */
  readonly page: string;
  readonly retryAfterSeconds: number;
}

/** The map file the router starts with: maintenance off, until the provider applies the configured state. */
export const INITIAL_MAINTENANCE_MAP = `${MAINTENANCE_KEYS.enabled} 0\n${MAINTENANCE_KEYS.page} -\n${MAINTENANCE_KEYS.retryAfter} 0\n`;

/** The frontend's first rule: the page, 503 and Retry-After, read from the map on every request. */
export function maintenanceRule(mapFile: string): string {
  const value = (key: string) => `%[str(${key}),map(${mapFile})]`;
  return (
    `    http-request return status 503 content-type "text/html; charset=utf-8" lf-string "${value(MAINTENANCE_KEYS.page)}"` +
    ` hdr Retry-After "${value(MAINTENANCE_KEYS.retryAfter)}" if { str(${MAINTENANCE_KEYS.enabled}),map(${mapFile},0) -m str 1 }`
  );
}

/** A value as one runtime-API word: the CLI splits on spaces and runs each `;`-separated part as a command. */
export function runtimeWord(value: string): string {
  return value.replace(/[\\ ;]/g, (c) => `\\${c}`);
}

export function maintenanceStateProblems(
  property: string,
  state: Partial<MaintenanceState> | undefined,
): CheckFailure[] {
  const problems: CheckFailure[] = [];
  if (typeof state?.enabled !== "boolean")
    problems.push({ property: `${property}.enabled`, reason: "must be true or false" });
  // eslint-disable-next-line no-control-regex -- a line break or control character would end the runtime command
  if (typeof state?.page !== "string" || state.page === "" || /[\x00-\x1f\x7f]/.test(state.page)) {
    problems.push({ property: `${property}.page`, reason: "must be one non-empty line of HTML" });
  }
  const retry = state?.retryAfterSeconds;
  if (!Number.isInteger(retry) || (retry as number) < 1) {
    problems.push({ property: `${property}.retryAfterSeconds`, reason: "must be a whole number of seconds above 0" });
  }
  return problems;
}

/** The map's entries from `show map` ("<ref> <key> <value>" a line). */
export function parseMapAnswer(answer: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of answer.split("\n")) {
    const match = /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line);
    if (match) entries[match[1]] = match[2];
  }
  return entries;
}
