/**
 * Local router on real HAProxy: split error per weight pair, failed requests
 * while HaproxyWeights (in Pulumi's real dynamic-provider host) shifts
 * traffic under load, and how fast a weight change applies and shows.
 * Run: npx tsx bench/haproxy.ts
 */
import { ServerWeights } from "../components/docker/haproxyConfig";
import { applyWeights } from "../components/docker/haproxyRuntime";
import { haproxyWeightsProvider } from "../components/docker/haproxyWeights";
import { countColors } from "../testkit/colorBackends";
import { HAPROXY_WEIGHTS_TYPE, shiftUnderLoad, startRouter } from "../testkit/haproxy";
import { ProviderHost, serializeProvider } from "../testkit/providerHost";

const SPLIT_REQUESTS = 10_000;
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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const [router, host, providerText] = await Promise.all([
    startRouter({ blue: 100, green: 0 }),
    ProviderHost.start(),
    serializeProvider(haproxyWeightsProvider),
  ]);
  try {
    console.log(`provider closure: ${(providerText.length / 1024).toFixed(1)} KiB serialized`);
    for (const weights of SPLITS) {
      await applyWeights(router.spec.admin, router.spec.app, weights);
      const counts = await countColors(router.url, SPLIT_REQUESTS);
      const expected = (100 * weights.blue) / (weights.blue + weights.green);
      const observed = (100 * counts.blue) / SPLIT_REQUESTS;
      console.log(
        `split ${weights.blue}/${weights.green}: blue ${observed.toFixed(2)}% vs ${expected.toFixed(2)}% configured, error ${Math.abs(observed - expected).toFixed(2)} pp, failed ${counts.failures}/${SPLIT_REQUESTS}`,
      );
    }

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
    console.log(
      `shift under load: ${failed} failed of ${run.requests} requests (${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts, ${run.probeFailures} failed probes), ` +
        `${run.steps.length} weight changes, ${run.steps.filter((s) => s.underLoad).length} under load, ${(run.requests / seconds).toFixed(0)} req/s`,
    );
    const update = run.steps.map((s) => s.updateMs);
    const visible = run.steps.map((s) => s.visibleMs);
    console.log(
      `weight apply (provider Update via dynamic-provider host): median ${percentile(update, 50).toFixed(1)} ms, max ${Math.max(...update).toFixed(1)} ms`,
    );
    console.log(
      `change visible in traffic after Update returns: median ${percentile(visible, 50).toFixed(1)} ms, max ${Math.max(...visible).toFixed(1)} ms (limit 100 ms)`,
    );
  } finally {
    await Promise.all([router.stop(), host.stop()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
