/**
 * Reading HAProxy's per-server counters (`show stat`), without a router: the answer format is
 * the one HAProxy 2.6 gives (haproxy.live.test.ts reads the real thing).
 */
import { describe, expect, it } from "vitest";
import { parseServerCounters } from "../../../tooling/watch/routerCounters";

const HEADER =
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,req_tot,";
const names = HEADER.slice(2).split(",");

/** A `show stat` row with the given counters (others empty). */
function row(proxy: string, server: string, counters: Record<string, number>): string {
  return names.map((name, i) => (i === 0 ? proxy : i === 1 ? server : (counters[name] ?? ""))).join(",");
}

const answer = (...rows: string[]) => [HEADER, ...rows, ""].join("\n");

describe("parseServerCounters", () => {
  it("counts every answered status plus broken responses, and 5xx plus broken responses as failed", () => {
    const parsed = parseServerCounters(
      answer(
        row("api", "blue", { hrsp_2xx: 90, hrsp_4xx: 5, hrsp_5xx: 3, eresp: 2 }),
        row("api", "green", { hrsp_2xx: 10 }),
        row("api", "BACKEND", { hrsp_2xx: 100, hrsp_5xx: 3 }),
        row("other", "blue", { hrsp_5xx: 1000 }),
      ),
      "api",
    );
    expect(parsed).toEqual({ blue: { responses: 100, failed: 5 }, green: { responses: 10, failed: 0 } });
  });

  it.each([
    ["HAProxy's answer for an unknown backend", "No such proxy.\n", /answered "show stat" with "No such proxy\."/],
    ["a backend without a green server", answer(row("api", "blue", {})), /no server api\/green/],
    ["an answer without the eresp column", "# pxname,svname,hrsp_1xx\napi,blue,1\n", /no hrsp_2xx, .*eresp column/],
    [
      "a counter that is not a number",
      answer(row("api", "blue", { hrsp_2xx: 1 }), row("api", "green", {})).replace(",1,", ",x,"),
      /not whole numbers/,
    ],
  ])("gives no data, saying why, for %s", (_what, text, why) => {
    const parsed = parseServerCounters(text, "api");
    expect("noData" in parsed && parsed.noData).toMatch(why);
  });
});
