/**
 * The local stack's user traffic: every request users sent through the
 * router, as HAProxy logged it at its end into its ring in memory
 * (USER_REQUEST_LOG, components/docker/haproxyConfig.ts), read through the
 * runtime API (`show events <ring>`, oldest line first) once a round. A round
 * takes the lines after the newest one the previous round read, so a slow
 * request counts in the round it ended, once.
 *
 * Per color (the server that answered, after any retry on the other one):
 * requests, 5xx (answered 5xx, or never answered through no fault of the
 * client: refused, reset, timed out, broken off), 4xx, and the p95 of their
 * active times (%Ta: from the request's first byte to the end of its answer).
 * Requests still waiting for their answer (`show sess`) for a second or more
 * join that p95 at their age so far: a request slower than the round is
 * seen while users wait for it, not only in the round it ends.
 *
 * The round says "no data" instead of counting when the counts could be
 * wrong: HAProxy restarted (a new process, told by its pid and start time
 * in `show info`, never by counts going down), or the ring dropped lines
 * the round had not read (more requests than it holds in one interval).
 */
import { Color, COLORS } from "../../components/contracts/colors";
import type { Endpoint } from "../../components/docker/haproxyConfig";
import { USER_REQUEST_LOG, UserRequestField } from "../../components/docker/haproxyLog";
import { runtimeCommand } from "../../components/docker/haproxyRuntime";
import { p95 } from "../../components/gate/tally";
import type { NoData, TrafficReading, UserTraffic } from "./samples";

/** One user request as the router logged it. */
export interface LoggedRequest {
  readonly backend: string;
  /** The server that answered (a color, or "<NOSRV>" when none did). */
  readonly server: string;
  /** -1: no answer. */
  readonly status: number;
  /** -1 when HAProxy has none. */
  readonly activeMs: number;
  /** HAProxy's two termination flags: who ended the request and at which stage ("--" a normal end). */
  readonly termination: string;
}

/** How a request counts for its color. */
export type Outcome = "5xx" | "4xx" | "ok";

/**
 * Causes (the first termination flag) that are the client's doing: it closed
 * or timed out. Every other cause but "-" (a normal end) and "L" (HAProxy
 * answered itself) is a failure of the server or of the proxy talking to it:
 * "S" refused or aborted by the server, "s" server timeout, "P" "I" "R"
 * proxy errors, "D" "U" "K" killed by HAProxy.
 */
const CLIENT_CAUSES = new Set(["C", "c"]);
const NORMAL_CAUSES = new Set(["-", "L"]);

/**
 * A request's outcome: 5xx when answered 5xx, or cut by the server's or
 * the proxy's failure whatever the status said (a body broken off after a
 * 200 is no answer), or never answered without the client leaving; a client
 * that left counts as its status says (a wait cut short is still a request,
 * and its time is the user's wait).
 */
export function outcomeOf(status: number, termination: string): Outcome {
  const cause = termination[0] ?? "";
  if (status >= 500) return "5xx";
  if (!CLIENT_CAUSES.has(cause) && !NORMAL_CAUSES.has(cause)) return "5xx";
  if (status === -1) return CLIENT_CAUSES.has(cause) ? "ok" : "5xx";
  return status >= 400 ? "4xx" : "ok";
}

const FIELD_INDEX = Object.fromEntries(USER_REQUEST_LOG.fields.map(([name], i) => [name, i + 1])) as Record<
  UserRequestField,
  number
>;
const TERMINATION = /^[A-Za-z-]{2}$/;
const INTEGER = /^-?\d{1,9}$/;

/** A line of the ring as a request, or why it is not one (another format, cut short, a field out of range). */
export function parseRequestLine(line: string): LoggedRequest | NoData {
  const words = line.split(" ");
  if (words[0] !== USER_REQUEST_LOG.tag || words.length !== USER_REQUEST_LOG.fields.length + 1) {
    return { noData: `not a "${USER_REQUEST_LOG.tag}" line of ${USER_REQUEST_LOG.fields.length} fields` };
  }
  const word = (field: UserRequestField) => words[FIELD_INDEX[field]];
  const [status, activeMs] = [word("status"), word("activeMs")].map((w) => (INTEGER.test(w) ? Number(w) : NaN));
  if (!(status === -1 || (status >= 100 && status <= 599))) return { noData: `status ${word("status")}` };
  if (!(activeMs >= -1)) return { noData: `active time ${word("activeMs")}` };
  if (!TERMINATION.test(word("termination"))) return { noData: `termination state ${word("termination")}` };
  if (word("backend") === "" || word("server") === "") return { noData: "no backend or server name" };
  return { backend: word("backend"), server: word("server"), status, activeMs, termination: word("termination") };
}

/** The lines of a `show events <ring>` answer, oldest first; or why there are none (no such ring). */
export function ringLines(answer: string): string[] | NoData {
  if (answer.startsWith("No such event sink")) {
    return {
      noData:
        `the router has no log ring "${USER_REQUEST_LOG.ring}": its config is older than the watch's. ` +
        "Run `pulumi up` to replace the router with the current config",
    };
  }
  return answer.split("\n").filter((line) => line !== "");
}

/** Upper bound of what HAProxy stores per line besides its text: a reader count and the length, at most 2 bytes for 256. */
const RING_OVERHEAD_BYTES = 3;

/**
 * The lines written since the previous reading, whose newest line was
 * `newest` (undefined: the ring was empty), or undefined when the ring may
 * have dropped some: `newest` is gone from it, or, from an empty ring, so
 * much was written that the ring may have wrapped.
 */
export function linesSince(lines: readonly string[], newest: string | undefined): readonly string[] | undefined {
  if (newest !== undefined) {
    const at = lines.lastIndexOf(newest);
    return at < 0 ? undefined : lines.slice(at + 1);
  }
  const used = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + RING_OVERHEAD_BYTES, 0);
  return used + USER_REQUEST_LOG.maxLineBytes + RING_OVERHEAD_BYTES <= USER_REQUEST_LOG.sizeBytes ? lines : undefined;
}

/**
 * A round's user traffic per color from its log lines (lines of other backends or without a color are left out),
 * the ages of the requests still in flight joining each color's latencies.
 */
export function tallyRequests(
  lines: readonly string[],
  backend: string,
  inFlight: Record<Color, readonly number[]> = { blue: [], green: [] },
): Record<Color, UserTraffic> {
  const tally = Object.fromEntries(
    COLORS.map((c) => [c, { requests: 0, errors5xx: 0, errors4xx: 0, latenciesMs: [] as number[] }]),
  ) as Record<Color, { requests: number; errors5xx: number; errors4xx: number; latenciesMs: number[] }>;
  let unreadable = 0;
  let unrouted = 0;
  for (const line of lines) {
    const request = parseRequestLine(line);
    if ("noData" in request) {
      unreadable++;
      continue;
    }
    if (request.backend !== backend) continue;
    const color = COLORS.find((c) => c === request.server);
    if (color === undefined) {
      unrouted++;
      continue;
    }
    const own = tally[color];
    own.requests++;
    const outcome = outcomeOf(request.status, request.termination);
    if (outcome === "5xx") own.errors5xx++;
    if (outcome === "4xx") own.errors4xx++;
    if (request.activeMs >= 0) own.latenciesMs.push(request.activeMs);
  }
  for (const color of COLORS) tally[color].latenciesMs.push(...inFlight[color]);
  const notes = [
    ...(unrouted > 0 ? [`${unrouted} answered by the router without a server`] : []),
    ...(unreadable > 0 ? [`${unreadable} unreadable lines dropped`] : []),
  ];
  const traffic = (color: Color): UserTraffic => {
    const { requests, errors5xx, errors4xx, latenciesMs } = tally[color];
    const waiting = inFlight[color].length;
    const own = [...(waiting > 0 ? [`${waiting} still waiting for 1 s or more`] : []), ...notes];
    const detail = `router log${own.length > 0 ? `: ${own.join(", ")}` : ""}`;
    const p95Ms = latenciesMs.length > 0 ? p95(latenciesMs) : { noData: `no timed request to ${color} this round` };
    return { source: "router", requests, errors5xx, errors4xx, p95Ms, detail };
  };
  return { blue: traffic("blue"), green: traffic("green") };
}

const SESSION = /\sbe=(\S+) srv=(\S+) .*?\sage=(\S+)/;
const AGE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * The ages (ms, whole seconds as HAProxy gives them) of `backend`'s requests
 * each color is still serving, from `show sess`; those under a second are
 * left out (an age of "0s" says nothing of how slow). Unreadable lines are
 * skipped: this only ever adds evidence of slowness.
 */
export function parseInFlight(answer: string, backend: string): Record<Color, number[]> {
  const ages: Record<Color, number[]> = { blue: [], green: [] };
  for (const line of answer.split("\n")) {
    const match = SESSION.exec(line);
    if (match === null || match[1] !== backend) continue;
    const color = COLORS.find((c) => c === match[2]);
    const age = AGE.exec(match[3]);
    if (color === undefined || age === null || match[3] === "") continue;
    const [days, hours, minutes, seconds] = age.slice(1).map((part) => Number(part ?? 0));
    const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
    if (ms >= 1000) ages[color].push(ms);
  }
  return ages;
}

/** Which HAProxy process answered: a new one (pid or start time) is a restart. */
export interface RouterProcess {
  readonly pid: number;
  readonly uptimeSec: number;
  /** Absent on an HAProxy without `Start_time_sec`. */
  readonly startedAtSec?: number;
}

/** The process's identity from a `show info` answer ("Pid: 7", "Uptime_sec: 12", "Start_time_sec: 1796677213"). */
export function parseRouterProcess(answer: string): RouterProcess | NoData {
  const field = (name: string) => {
    const match = new RegExp(`^${name}: (\\d+)$`, "m").exec(answer);
    return match === null ? undefined : Number(match[1]);
  };
  const [pid, uptimeSec, startedAtSec] = [field("Pid"), field("Uptime_sec"), field("Start_time_sec")];
  if (pid === undefined || uptimeSec === undefined) {
    return {
      noData: `HAProxy answered "show info" without Pid and Uptime_sec: ${JSON.stringify(answer.slice(0, 120))}`,
    };
  }
  return { pid, uptimeSec, ...(startedAtSec === undefined ? {} : { startedAtSec }) };
}

/** How `now` shows a process other than `before` (for the log), or undefined when it is the same one. */
export function restartOf(before: RouterProcess, now: RouterProcess): string | undefined {
  if (now.pid !== before.pid) return `pid ${before.pid}, now ${now.pid}`;
  if (before.startedAtSec !== undefined && now.startedAtSec !== undefined && now.startedAtSec !== before.startedAtSec) {
    const at = (sec: number) => new Date(sec * 1000).toISOString();
    return `started at ${at(before.startedAtSec)}, now at ${at(now.startedAtSec)}`;
  }
  // In a container HAProxy is always pid 1: a younger process than the last one read is a new one.
  if (now.uptimeSec < before.uptimeSec) return `up ${before.uptimeSec} s, now ${now.uptimeSec} s`;
  return undefined;
}

export interface RouterLog {
  /** Each color's user traffic since the previous reading (the first reading only sets where to start). */
  read(): Promise<Record<Color, TrafficReading>>;
}

/** Where the previous reading ended: the process and the ring's newest line then. */
interface ReadPoint {
  readonly process: RouterProcess;
  readonly newest: string | undefined;
}

/**
 * Reads `backend`'s user requests from the router at `admin`. A failed
 * reading keeps the older starting point, so the next round counts across
 * both intervals: still the requests users sent.
 */
export function routerLog(admin: Endpoint, backend: string, timeoutMs: number): RouterLog {
  let previous: ReadPoint | undefined;
  const noData = (why: string) =>
    Object.fromEntries(COLORS.map((c) => [c, { source: "router", noData: why }])) as Record<Color, TrafficReading>;
  const process = async () => parseRouterProcess(await runtimeCommand(admin, "show info", timeoutMs));
  return {
    async read() {
      let before: RouterProcess | NoData, dump: string, sessions: string, after: RouterProcess | NoData;
      try {
        before = await process();
        dump = await runtimeCommand(admin, `show events ${USER_REQUEST_LOG.ring}`, timeoutMs);
        sessions = await runtimeCommand(admin, "show sess", timeoutMs);
        after = await process();
      } catch (err) {
        return noData((err as Error).message);
      }
      if ("noData" in before) return noData(before.noData);
      if ("noData" in after) return noData(after.noData);
      const lines = ringLines(dump);
      if ("noData" in lines) return noData(lines.noData);
      const during = restartOf(before, after);
      if (during !== undefined) {
        previous = undefined;
        return noData(`the router restarted while being read (${during}); counting again from the next reading`);
      }
      const start = previous;
      previous = { process: after, newest: lines.at(-1) };
      if (start === undefined) return noData("first reading of the router's log (where the next round starts)");
      const restart = restartOf(start.process, before);
      if (restart !== undefined) {
        return noData(
          `the router restarted since the last reading (${restart}): the requests before the restart are unknown; counting again from now`,
        );
      }
      const fresh = linesSince(lines, start.newest);
      if (fresh === undefined) {
        return noData(
          `the router's log ring (${USER_REQUEST_LOG.sizeBytes} bytes) dropped requests this round had not read: ` +
            "more than it holds in one interval; lower bluegreen:watch.intervalSeconds",
        );
      }
      return tallyRequests(fresh, backend, parseInFlight(sessions, backend));
    },
  };
}
