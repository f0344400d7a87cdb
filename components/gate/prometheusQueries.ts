/**
 * The named Prometheus queries (`bluegreen:gate.prometheus.queries`) that
 * measure a color's user traffic, for the gate and the release watch, and
 * their defaults for one common metric convention:
 *
 * - `http_requests_total`, a counter of the app's answered requests with the
 *   labels `code` (the HTTP status, as Go's promhttp writes it), `app`
 *   (`bluegreen:app.name`) and `color` (blue or green), e.g. copied from the
 *   pods' `app.kubernetes.io/name` and `bluegreen/color` labels by the scrape
 *   config's relabelling;
 * - `http_request_duration_seconds`, a histogram of their durations with
 *   the same `app` and `color` labels.
 *
 * Users with another convention set the keys. Each query is a template:
 * `{app}`, `{color}` and `{window}` are filled in per color (the window is
 * `gate.prometheus.window` for the gate, the watch's interval for the
 * watch). Dependency-free: the gate's provider carries it.
 */
import { Color, COLOR_PLACEHOLDER } from "../contracts/colors";

export const APP_PLACEHOLDER = "{app}";
export const WINDOW_PLACEHOLDER = "{window}";

export type PrometheusQueryName = "requests" | "errors5xx" | "errors4xx" | "p95Seconds";

const selector = (code?: string) =>
  `http_requests_total{app="${APP_PLACEHOLDER}",color="${COLOR_PLACEHOLDER}"${code ? `,code=~"${code}"` : ""}}`;

/**
 * The defaults. The request count carries the "no traffic" signal, so it
 * has no fallback: an empty answer is "never counted". An error counter
 * exists only once such an error happened, so the error counts fill an
 * empty answer with 0 (`or vector(0)`), which is right for a count, never
 * for a ratio (it cannot fill a 0/0).
 */
export const DEFAULT_PROMETHEUS_QUERIES: Readonly<Record<PrometheusQueryName, string>> = {
  requests: `sum(increase(${selector()}[${WINDOW_PLACEHOLDER}]))`,
  errors5xx: `sum(increase(${selector("5..")}[${WINDOW_PLACEHOLDER}])) or vector(0)`,
  errors4xx: `sum(increase(${selector("4..")}[${WINDOW_PLACEHOLDER}])) or vector(0)`,
  p95Seconds:
    `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app="${APP_PLACEHOLDER}",` +
    `color="${COLOR_PLACEHOLDER}"}[${WINDOW_PLACEHOLDER}])))`,
};

/** The gate's window: long enough for rate() and increase() over the usual 15-30 s scrape interval. */
export const DEFAULT_PROMETHEUS_WINDOW = "2m";

/** A Prometheus duration: `90s`, `2m`, `1h30m`. */
export const PROMETHEUS_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** What fills a query's placeholders. */
export interface QueryScope {
  readonly app: string;
  readonly color: Color;
  /** A Prometheus duration. */
  readonly window: string;
}

/** `template` with {app}, {color} and {window} filled in. */
export function expandQuery(template: string, scope: QueryScope): string {
  return template
    .split(APP_PLACEHOLDER)
    .join(scope.app)
    .split(COLOR_PLACEHOLDER)
    .join(scope.color)
    .split(WINDOW_PLACEHOLDER)
    .join(scope.window);
}
