/**
 * Local router on real HAProxy: how exactly traffic follows the weights, with
 * the in-process client (it reads each answer's color) and with an external
 * load generator (ApacheBench, `ab` from Debian's apache2-utils; the split is
 * read from HAProxy's own per-server counters); failed requests while
 * HaproxyWeights, in Pulumi's real dynamic-provider host, shifts traffic
 * under load; how long the provider's Update takes; and how long a change
 * takes to show in traffic, timed from the Update's call (so the Update
 * counts, as it does for a user).
 * Run: npx tsx bench/haproxy.ts
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { COLORS } from "../components/contracts/colors";
import { ServerWeights } from "../components/docker/haproxyConfig";
import { applyWeights, runtimeCommand } from "../components/docker/haproxyRuntime";
import { haproxyWeightsProvider } from "../components/docker/haproxyWeights";
import { countColors } from "../testkit/colorBackends";
import { HAPROXY_WEIGHTS_TYPE, Router, shiftUnderLoad, startRouter } from "../testkit/haproxy";
import { ProviderHost, serializeProvider } from "../testkit/providerHost";
import { parseServerCounters, ServerCounters } from "../tooling/watch/routerCounters";
import { describeSpread, Figure, report, spreadOf } from "./result";

const SPLIT_REQUESTS = 10_000;
const SPLIT_RUNS = 3;
const SPLITS: ServerWeights[] = [
  { blue: 90, green: 10 },
  { blue: 50, green: 50 },
  { blue: 0, green: 100 },
  { blue: 1, green: 255 },
];
// Three full rounds of the release path and its rollback, for latency figures.
const SHIFT_ROUND: ServerWeights[] = [
  { blue: 50, green: 50 },
  { blue: 0, green: 100 },
  { blue: 100, green: 0 },
];
const SHIFT_REQUESTS = 30_000;
const AB = "ab";
/** Issue 6: observed share within ±1 percentage point of the weight; zero failed requests; each change within 100 ms. */
const SPLIT_GOAL_PP = 1;
const VISIBLE_GOAL_MS = 100;

/** Blue's share in percent and the failed requests of one run of SPLIT_REQUESTS. */
interface SplitRun {
  readonly bluePct: number;
  readonly failed: number;
}

async function counters(router: Router) {
  const now = parseServerCounters(
    await runtimeCommand(router.spec.admin, `show stat ${router.spec.app} -1 -1`),
    router.spec.app,
  );
  if ("noData" in now) throw new Error(now.noData);
  return now;
}

/** ApacheBench through the router; blue's share from HAProxy's counters, failures from ab (a length mismatch is only the other color's body). */
async function abRun(router: Router): Promise<SplitRun> {
  const before = await counters(router);
  // Asynchronously: the color backends answer from this process's event loop.
  const ab = await promisify(execFile)(AB, ["-q", "-k", "-n", String(SPLIT_REQUESTS), "-c", "16", router.url]);
  const after = await counters(router);
  const field = (pattern: RegExp) => Number(pattern.exec(ab.stdout)?.[1] ?? 0);
  const complete = field(/Complete requests:\s+(\d+)/);
  const failed =
    SPLIT_REQUESTS -
    complete +
    field(/Non-2xx responses:\s+(\d+)/) +
    field(/Connect: (\d+)/) +
    field(/Receive: (\d+)/) +
    field(/Exceptions: (\d+)/);
  const served = (c: (typeof COLORS)[number]) => delta(before[c], after[c]);
  return { bluePct: (100 * served("blue")) / (served("blue") + served("green")), failed };
}

const delta = (before: ServerCounters, after: ServerCounters) => after.responses - before.responses;

async function clientRun(router: Router): Promise<SplitRun> {
  const counts = await countColors(router.url, SPLIT_REQUESTS);
  return { bluePct: (100 * counts.blue) / SPLIT_REQUESTS, failed: counts.failures };
}

async function splitFigures(router: Router, generator: "client" | "ab"): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const weights of SPLITS) {
    await applyWeights(router.spec.admin, router.spec.app, weights);
    const runs: SplitRun[] = [];
    for (let i = 0; i < SPLIT_RUNS; i++) runs.push(generator === "ab" ? await abRun(router) : await clientRun(router));
    const expected = (100 * weights.blue) / (weights.blue + weights.green);
    const errors = runs.map((run) => Math.abs(run.bluePct - expected));
    const failed = runs.reduce((sum, run) => sum + run.failed, 0);
    const worst = Math.max(...errors);
    figures.push({
      figure: `split ${weights.blue}/${weights.green}, ${SPLIT_REQUESTS} requests per run, ${generator === "ab" ? "ApacheBench (ab -k -c 16), share from HAProxy's counters" : "in-process keep-alive client (32 at a time)"}`,
      observed: `blue ${describeSpread(spreadOf(runs.map((run) => run.bluePct)), "%", 2)} vs ${expected.toFixed(2)} % configured; error ${describeSpread(spreadOf(errors), "pp", 2)}; failed ${failed}`,
      goal: {
        text: `error ≤ ${SPLIT_GOAL_PP} pp in every run, 0 failed`,
        source: "issue 6",
        met: worst <= SPLIT_GOAL_PP && failed === 0,
      },
    });
  }
  return figures;
}

async function main(): Promise<void> {
  if (spawnSync(AB, ["-V"]).status !== 0) {
    throw new Error(
      `${AB} (ApacheBench) is not installed: apt-get install apache2-utils (scripts/test.sh installs it)`,
    );
  }
  const [router, host, providerText] = await Promise.all([
    startRouter({ blue: 100, green: 0 }),
    ProviderHost.start(),
    serializeProvider(haproxyWeightsProvider),
  ]);
  const figures: Figure[] = [];
  try {
    figures.push({
      figure: "HaproxyWeights provider closure, serialized",
      observed: `${(providerText.length / 1024).toFixed(1)} KiB`,
    });
    figures.push(...(await splitFigures(router, "client")), ...(await splitFigures(router, "ab")));

    await applyWeights(router.spec.admin, router.spec.app, { blue: 100, green: 0 });
    const created = await host.create(HAPROXY_WEIGHTS_TYPE, providerText, {
      admin: router.spec.admin,
      backend: router.spec.app,
      weights: { blue: 100, green: 0 },
    });
    const started = performance.now();
    const run = await shiftUnderLoad({
      router,
      host,
      providerText,
      resource: created,
      schedule: [...SHIFT_ROUND, ...SHIFT_ROUND, ...SHIFT_ROUND],
      requests: SHIFT_REQUESTS,
      connections: 16,
    });
    const seconds = (performance.now() - started) / 1000;
    const failed = run.non2xx + run.errors + run.probeFailures;
    const visible = spreadOf(run.steps.map((s) => s.visibleMs));
    figures.push(
      {
        figure: `failed requests while ${run.steps.length} weight changes (${run.steps.filter((s) => s.underLoad).length} under load) move traffic, autocannon 16 connections`,
        observed: `${failed} of ${run.requests} (${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts, ${run.probeFailures} failed probes), ${(run.requests / seconds).toFixed(0)} req/s`,
        goal: { text: "0 failed of ≥ 20,000", source: "issue 6", met: failed === 0 && run.requests >= 20_000 },
      },
      {
        figure: "weight apply: HaproxyWeights Update through the dynamic-provider host",
        observed: describeSpread(spreadOf(run.steps.map((s) => s.updateMs)), "ms", 1),
      },
      {
        figure: "weight change visible in traffic, timed from the Update's call",
        observed: describeSpread(visible, "ms", 1),
        goal: {
          text: `≤ ${VISIBLE_GOAL_MS} ms for each change`,
          source: "issue 6",
          met: visible.max <= VISIBLE_GOAL_MS,
        },
      },
    );
  } finally {
    await Promise.all([router.stop(), host.stop()]);
  }
  report("haproxy", figures);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
