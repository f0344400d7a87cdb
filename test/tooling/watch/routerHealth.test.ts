/**
 * Each color's server health from HAProxy's `show stat`, without a router:
 * rows as HAProxy 2.6 writes them (routerLog.live.test.ts reads the real
 * thing, with a color killed).
 */
import { describe, expect, it } from "vitest";
import { parseBackendHealth } from "../../../tooling/watch/routerHealth";
import { csvCells } from "../../../tooling/watch/showStat";

const HEADER =
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,";
const names = HEADER.slice(2).split(",");

function row(server: string, cells: Record<string, string>, proxy = "api"): string {
  return names.map((name, i) => (i === 0 ? proxy : i === 1 ? server : (cells[name] ?? ""))).join(",");
}
const answer = (...rows: string[]) => [HEADER, ...rows, ""].join("\n");

describe("parseBackendHealth", () => {
  it.each([
    ["UP", "L7OK", "", 1, "green UP (L7OK)"],
    ["UP 1/2", "L4CON", "Connection refused", 1, "green UP 1/2 (L4CON: Connection refused)"],
    ["NOLB", "L7OK", "", 1, "green NOLB (L7OK)"],
    ["DRAIN", "L7OK", "", 1, "green DRAIN (L7OK)"],
    ["no check", "", "", 1, "green no check"],
    ["DOWN", "L4CON", "Connection refused", 0, "green DOWN (L4CON: Connection refused)"],
    ["DOWN 1/2", "L7OK", "", 0, "green DOWN 1/2 (L7OK)"],
    [
      "DOWN",
      "L7STS",
      "HTTP status check returned code <503>",
      0,
      "green DOWN (L7STS: HTTP status check returned code <503>)",
    ],
    ["MAINT", "L7OK", "", 0, "green MAINT (L7OK)"],
    ["MAINT (resolution)", "", "", 0, "green MAINT (resolution)"],
  ])("GIVEN green %s THEN healthy %#", (status, check, last, healthy, detail) => {
    const parsed = parseBackendHealth(
      answer(
        row("blue", { status: "UP", check_status: "L7OK" }),
        row("green", { status, check_status: check, last_chk: last }),
      ),
      "api",
    );
    expect(parsed).toEqual({
      blue: { healthy: 1, total: 1, detail: "blue UP (L7OK)" },
      green: { healthy, total: 1, detail },
    });
  });

  it("GIVEN a quoted cell holding a comma THEN the columns after it still line up", () => {
    expect(csvCells('a,"b,c",,"say ""hi""",d')).toEqual(["a", "b,c", "", 'say "hi"', "d"]);
    const parsed = parseBackendHealth(
      answer(
        row("blue", { status: "UP" }),
        row("green", { status: "DOWN", check_status: "L7STS", last_chk: '"code 503, body ""down"""' }),
      ),
      "api",
    );
    expect(parsed).toMatchObject({ green: { healthy: 0, detail: 'green DOWN (L7STS: code 503, body "down")' } });
  });

  it("GIVEN another backend's rows only, or an error answer THEN no data, naming what is missing", () => {
    expect(parseBackendHealth(answer(row("green", { status: "UP" }, "web")), "api")).toEqual({
      blue: { noData: "HAProxy reports no server api/blue" },
      green: { noData: "HAProxy reports no server api/green" },
    });
    expect(parseBackendHealth("Unknown command.\n", "api")).toEqual({
      noData: 'HAProxy answered "show stat" with "Unknown command."',
    });
    expect(parseBackendHealth("# pxname,svname\n", "api")).toEqual({
      noData: `HAProxy's "show stat" has no status, check_status, last_chk column`,
    });
  });
});
