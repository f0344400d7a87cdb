/**
 * Maintenance mode (`bluegreen:maintenance`), the part every platform shares:
 * the page users get, its status and `Retry-After`, and the gate targets the
 * window refuses. Pure; platforms only wire it. Switching maintenance on or
 * off changes neither color's share: the weights stay as configured, both
 * colors keep running and their own endpoints keep answering, so a release
 * can be verified during the window.
 */
import type { MaintenanceSettings } from "./config/releaseModes";
import { ConfigIssue, fullKey, showValue } from "./config/issues";
import type { CoreConfig } from "./config/schema";
import { Color, COLORS } from "./contracts/colors";

/** What the production route answers while maintenance is on. */
export const MAINTENANCE_STATUS = 503;
export const MAINTENANCE_CONTENT_TYPE = "text/html; charset=utf-8";

/** What users get from the production route while maintenance is on. */
export interface MaintenanceResponse {
  readonly status: typeof MAINTENANCE_STATUS;
  readonly contentType: typeof MAINTENANCE_CONTENT_TYPE;
  /** The page: one line of HTML, the message escaped. */
  readonly body: string;
  /** The `Retry-After` header, on the platforms that can send one (not an ALB fixed response). */
  readonly retryAfterSeconds: number;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text as HTML: markup in the message is shown, never interpreted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * The maintenance page for `message`. One line (the message's line breaks
 * become `<br>`): HAProxy takes it as one runtime-API argument, and an ALB
 * fixed response is limited to 1024 bytes, which the page keeps to for a
 * message of up to about 700 characters.
 */
export function maintenancePage(message: string): string {
  const text = message
    .trim()
    .split(/\r?\n/)
    // Tabs and other control characters would end HAProxy's runtime command: shown as spaces.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this replaces
    .map((line) => escapeHtml(line.replace(/[\x00-\x1f\x7f]/g, " ").trim()))
    .join("<br>");
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Maintenance</title>' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"></head>' +
    `<body style="font-family:sans-serif;margin:4em auto;max-width:40em"><h1>Down for maintenance</h1><p>${text}</p></body></html>`
  );
}

/** The response users get while maintenance is on; undefined while it is off. */
export function maintenanceResponse(settings: MaintenanceSettings): MaintenanceResponse | undefined {
  if (!settings.enabled) return undefined;
  return {
    status: MAINTENANCE_STATUS,
    contentType: MAINTENANCE_CONTENT_TYPE,
    body: maintenancePage(settings.message),
    retryAfterSeconds: settings.retryAfterSeconds,
  };
}

/** Whether a URL reaches users' route (the platform knows its own). */
export type ProductionRouteTest = (url: URL) => boolean;

/**
 * `gate.targets` that go through the production route are refused while
 * maintenance is on: that route answers the page, so a probe there would
 * measure the page, not the color. The per-color endpoints keep answering.
 */
export function maintenanceTargetIssues(
  config: Pick<CoreConfig, "maintenance" | "gate">,
  isProductionRoute: ProductionRouteTest,
  colors: readonly Color[] = COLORS,
): ConfigIssue[] {
  if (!config.maintenance.enabled) return [];
  return colors.flatMap((color) =>
    // The gate schema admits only absolute http(s) URLs, and rules see only keys it accepted.
    (config.gate.targets[color] ?? []).flatMap((target, index) => {
      if (!isProductionRoute(new URL(target))) return [];
      return [
        {
          key: fullKey(["gate", "targets", color, index]),
          message:
            `is ${showValue(target)}, the production route, which answers the maintenance page while bluegreen:maintenance.enabled is true: ` +
            `the gate would probe the page, not ${color}. Use ${color}'s own endpoint (its test listener or per-color host), ` +
            "or remove the target for the window",
        },
      ];
    }),
  );
}

/** `host:port` of a URL, the scheme's default port filled in. */
export function hostAndPort(url: URL): string {
  const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
  return `${url.hostname.toLowerCase()}:${port}`;
}
