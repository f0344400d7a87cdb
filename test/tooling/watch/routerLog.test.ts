/**
 * The router's per-request log, without a router: its lines in the format
 * the generated config writes (USER_REQUEST_LOG), what each termination
 * state counts as, the ring's position from round to round, and HAProxy's
 * process identity. routerLog.live.test.ts reads the real thing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderHaproxyConfig } from "../../../components/docker/haproxyConfig";
import { USER_REQUEST_LOG } from "../../../components/docker/haproxyLog";
import {
  linesSince,
  outcomeOf,
  parseInFlight,
  parseRequestLine,
  parseRouterProcess,
  restartOf,
  ringLines,
  tallyRequests,
} from "../../../tooling/watch/routerLog";

/** A line as HAProxy writes it with the generated log-format. */
function line(id: number, server: string, status: number, activeMs: number, termination = "--", backend = "api") {
  return `bg1 ${id} 1796677215.528 ${backend} ${server} ${status} ${activeMs} ${termination}`;
}

describe("the log format", () => {
  it("GIVEN the generated config THEN the frontend logs each request into the ring with the fields the parser reads", () => {
    const config = renderHaproxyConfig({
      app: "api",
      bind: { address: "127.0.0.1", port: 8080 },
      admin: { address: "127.0.0.1", port: 9999, socket: "/run/a.sock", clientsFile: "/etc/c.lst" },
      healthPath: "/healthz",
      servers: { blue: { address: "b", port: 1, weight: 1 }, green: { address: "g", port: 1, weight: 1 } },
    });
    expect(config).toContain('    log-format "bg1 %rt %Ts.%ms %b %s %ST %Ta %ts"\n');
    expect(config).toContain(`    log ring@${USER_REQUEST_LOG.ring} format raw local0 info\n`);
    expect(parseRequestLine(line(7, "green", 200, 12))).toEqual({
      backend: "api",
      server: "green",
      status: 200,
      activeMs: 12,
      termination: "--",
    });
  });
});

describe("outcomeOf: what each termination state counts as", () => {
  // The first flag: who ended the request. Second: at which stage (R request, Q queue, C connect, H headers, D data, L last data, T tarpit).
  const FAILURE_CAUSES = ["S", "s", "P", "I", "R", "D", "U", "K"];
  const STAGES = ["R", "Q", "C", "H", "D", "L", "T", "-"];

  it.each(FAILURE_CAUSES.flatMap((cause) => STAGES.map((stage) => `${cause}${stage}`)))(
    "GIVEN %s (the server or the proxy failed) THEN 5xx, whatever the status",
    (termination) => {
      for (const status of [-1, 200, 302, 404, 502, 503, 504]) expect(outcomeOf(status, termination)).toBe("5xx");
    },
  );

  it.each(["C", "c"].flatMap((cause) => STAGES.map((stage) => `${cause}${stage}`)))(
    "GIVEN %s (the client left or timed out) THEN its status decides, and no answer is no failure of the color",
    (termination) => {
      expect(outcomeOf(-1, termination)).toBe("ok");
      expect(outcomeOf(200, termination)).toBe("ok");
      expect(outcomeOf(404, termination)).toBe("4xx");
      expect(outcomeOf(500, termination)).toBe("5xx");
    },
  );

  it.each(["--", "LR", "L-"])(
    "GIVEN %s (a normal end) THEN its status decides; no status is no answer",
    (termination) => {
      expect(outcomeOf(200, termination)).toBe("ok");
      expect(outcomeOf(301, termination)).toBe("ok");
      expect(outcomeOf(400, termination)).toBe("4xx");
      expect(outcomeOf(499, termination)).toBe("4xx");
      expect(outcomeOf(500, termination)).toBe("5xx");
      expect(outcomeOf(-1, termination)).toBe("5xx");
    },
  );
});

describe("parseRequestLine: anything but a whole line of the format is dropped, never misread", () => {
  it.each([
    [
      "another format",
      "192.168.0.1:4242 [07/Dec/2026:20:00:00.000] http-in api/green 0/0/1/2/3 200 2 - - ---- 1/1/0/0/0 0/0",
    ],
    ["another tag", "bg2 7 1796677215.528 api green 200 12 --"],
    ["a field missing (cut at maxlen)", "bg1 7 1796677215.528 api green 200 12"],
    ["a field too many", "bg1 7 1796677215.528 api green 200 12 -- x"],
    ["status 0", line(7, "green", 0, 12)],
    ["status 600", line(7, "green", 600, 12)],
    ["status not a number", "bg1 7 1796677215.528 api green 2x0 12 --"],
    ["active time -2", line(7, "green", 200, -2)],
    ["active time not a number", "bg1 7 1796677215.528 api green 200 1.5 --"],
    ["termination of 3 flags", line(7, "green", 200, 12, "---")],
    ["termination with a digit", line(7, "green", 200, 12, "S1")],
    ["an empty line", ""],
  ])("%s", (_, text) => {
    expect(parseRequestLine(text)).toEqual({ noData: expect.any(String) });
  });

  it("GIVEN any text THEN a request or no data, never a throw (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const parsed = parseRequestLine(text);
        expect("noData" in parsed || Number.isInteger(parsed.status)).toBe(true);
      }),
    );
  });
});

describe("tallyRequests: a round's user traffic per color", () => {
  it("GIVEN lines of both colors THEN each color's requests, 5xx (and unanswered), 4xx and p95", () => {
    const lines = [
      line(1, "green", 200, 10),
      line(2, "green", 500, 11),
      line(3, "green", 404, 12),
      line(4, "green", -1, 2000, "sH"),
      line(5, "green", 200, 13, "SD"),
      line(6, "green", -1, 900, "CH"),
      line(7, "blue", 200, 5),
      line(8, "<NOSRV>", 503, 0, "SC"),
      line(9, "green", 200, 1, "--", "other"),
      "garbage",
    ];
    const tally = tallyRequests(lines, "api");
    const detail = "router log: 1 answered by the router without a server, 1 unreadable lines dropped";
    expect(tally.green).toEqual({
      source: "router",
      requests: 6,
      errors5xx: 3,
      errors4xx: 1,
      p95Ms: 2000,
      detail,
    });
    expect(tally.blue).toEqual({ source: "router", requests: 1, errors5xx: 0, errors4xx: 0, p95Ms: 5, detail });
  });

  it("GIVEN no line of a color THEN 0 requests and no p95, saying why", () => {
    expect(tallyRequests([], "api").green).toEqual({
      source: "router",
      requests: 0,
      errors5xx: 0,
      errors4xx: 0,
      p95Ms: { noData: "no timed request to green this round" },
      detail: "router log",
    });
  });

  it("GIVEN any lines THEN counts are whole, 5xx + 4xx ≤ requests, and every readable line of a color counts once (property)", () => {
    const request = fc.record({
      id: fc.nat(),
      server: fc.constantFrom("blue", "green", "<NOSRV>"),
      status: fc.oneof(fc.constant(-1), fc.integer({ min: 100, max: 599 })),
      activeMs: fc.integer({ min: -1, max: 60_000 }),
      termination: fc.tuple(fc.constantFrom(..."-CcSsPIRDUKL"), fc.constantFrom(..."RQCHDLT-")).map((t) => t.join("")),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(request, fc.string({ maxLength: 40 })), { maxLength: 60 }), (items) => {
        const lines = items.map((r) =>
          typeof r === "string" ? r : line(r.id, r.server, r.status, r.activeMs, r.termination),
        );
        const tally = tallyRequests(lines, "api");
        for (const color of ["blue", "green"] as const) {
          const own = items.filter((r) => typeof r !== "string" && r.server === color);
          const t = tally[color];
          expect(t.requests).toBe(own.length);
          expect(t.errors5xx + t.errors4xx).toBeLessThanOrEqual(t.requests);
          expect(Number.isSafeInteger(t.errors5xx) && Number.isSafeInteger(t.errors4xx)).toBe(true);
          const timed = own.filter((r) => typeof r !== "string" && r.activeMs >= 0);
          expect(typeof t.p95Ms === "number").toBe(timed.length > 0);
        }
      }),
    );
  });
});

/** A `show sess` line as HAProxy 2.6 writes it (captured from Debian's), with `be`, `srv` and `age` set. */
function session(backend: string, server: string, age: string): string {
  return (
    `0x561fbefce3e0: proto=tcpv4 src=127.0.0.1:52704 fe=http-in be=${backend} srv=${server} ts=00 epoch=0 age=${age} calls=3 ` +
    "rate=1 cpu=0 lat=0 rq[f=49c40000h,i=0,an=8000h,rx=,wx=,ax=] rp[f=80400000h,i=0,an=1400000h,rx=27s,wx=,ax=] " +
    "scf=[8,80h,fd=12] scb=[8,11h,fd=15] exp=27s rc=0 c_exp="
  );
}

describe("requests still in flight (show sess)", () => {
  it("GIVEN sessions of each color, other backends and the runtime API's own THEN each color's ages of 1 s or more", () => {
    const answer = [
      session("api", "green", "3s"),
      session("api", "green", "0s"),
      session("api", "green", "1m05s"),
      session("api", "blue", "1h02m"),
      session("other", "green", "9s"),
      session("api", "<none>", "5s"),
      session("api", "green", "soon"),
      "0x561fbf0ea1e0: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0 age=0s calls=1",
      "",
    ].join("\n");
    expect(parseInFlight(answer, "api")).toEqual({ blue: [3_720_000], green: [3000, 65_000] });
  });

  it("GIVEN requests in flight THEN they join their color's p95 at their age, not its request count", () => {
    const lines = Array.from({ length: 19 }, (_, i) => line(i + 1, "green", 200, 20));
    const tally = tallyRequests(lines, "api", { blue: [], green: [2000, 2000] });
    expect(tally.green).toMatchObject({ requests: 19, errors5xx: 0, p95Ms: 2000 });
    expect(tally.green.detail).toBe("router log: 2 still waiting for 1 s or more");
    expect(tally.blue.detail).toBe("router log");
    expect(tally.blue.p95Ms).toEqual({ noData: "no timed request to blue this round" });
  });
});

describe("the ring from one reading to the next", () => {
  const lines = [line(1, "blue", 200, 1), line(2, "green", 200, 1), line(5, "blue", 200, 1)];

  it("GIVEN the previous newest line THEN only what came after it", () => {
    expect(linesSince(lines, lines[1])).toEqual([lines[2]]);
    expect(linesSince(lines, lines[2])).toEqual([]);
  });

  it("GIVEN the previous newest line is gone (the ring dropped it) THEN undefined: lines may be lost", () => {
    expect(linesSince(lines.slice(1), line(0, "blue", 200, 1))).toBeUndefined();
  });

  it("GIVEN an empty ring last time THEN all of it, unless it holds so much that it may have wrapped", () => {
    expect(linesSince(lines, undefined)).toEqual(lines);
    const full = Array.from({ length: USER_REQUEST_LOG.sizeBytes / 40 }, (_, i) => line(i, "blue", 200, 1));
    expect(linesSince(full, undefined)).toBeUndefined();
  });

  it("GIVEN a `show events` answer THEN its lines without the closing blank one; a missing ring says to run pulumi up", () => {
    expect(ringLines(`${lines.join("\n")}\n\n`)).toEqual(lines);
    expect(ringLines("\n")).toEqual([]);
    expect(ringLines("No such event sink\n")).toEqual({
      noData: expect.stringContaining('the router has no log ring "user-requests"'),
    });
  });
});

describe("the router's process identity", () => {
  const info = (pid: number, uptime: number, start?: number) =>
    `Name: HAProxy\nVersion: 2.6.12\nPid: ${pid}\nUptime: 0d 0h00m04s\nUptime_sec: ${uptime}\n` +
    (start === undefined ? "" : `Start_time_sec: ${start}\n`) +
    "Memmax_MB: 0\n";

  it("GIVEN `show info` THEN pid, uptime and start time; without Pid or Uptime_sec no data", () => {
    expect(parseRouterProcess(info(7, 12, 1796677213))).toEqual({ pid: 7, uptimeSec: 12, startedAtSec: 1796677213 });
    expect(parseRouterProcess(info(7, 12))).toEqual({ pid: 7, uptimeSec: 12 });
    expect(parseRouterProcess("Unknown command\n")).toEqual({ noData: expect.stringContaining("without Pid") });
  });

  it("GIVEN the same process later THEN no restart, whatever its counters did", () => {
    expect(restartOf({ pid: 7, uptimeSec: 12, startedAtSec: 100 }, { pid: 7, uptimeSec: 14, startedAtSec: 100 })).toBe(
      undefined,
    );
  });

  it("GIVEN another pid, start time, or a younger process with pid 1 (a container) THEN a restart, saying how it shows", () => {
    expect(restartOf({ pid: 7, uptimeSec: 12 }, { pid: 8, uptimeSec: 100 })).toBe("pid 7, now 8");
    expect(restartOf({ pid: 1, uptimeSec: 12, startedAtSec: 100 }, { pid: 1, uptimeSec: 12, startedAtSec: 103 })).toBe(
      "started at 1970-01-01T00:01:40.000Z, now at 1970-01-01T00:01:43.000Z",
    );
    expect(restartOf({ pid: 1, uptimeSec: 12 }, { pid: 1, uptimeSec: 3 })).toBe("up 12 s, now 3 s");
  });
});
