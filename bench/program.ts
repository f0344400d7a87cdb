/**
 * How long the program takes to evaluate under mocks as it grows: the
 * production stack's app built 1, 10 and 50 times in one program (distinct
 * app names), timing from the first registration to the last. Prints ms,
 * resources, ms per resource and the growth ratio against the single app
 * (1.0 = perfectly linear). Target: production (1 app) <= 3 s, growth linear.
 *
 *   npx tsx bench/program.ts
 */
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenApp } from "../components/blueGreenApp";
import { parseConfig, platformFor } from "../components/platforms";
import { makeUrn } from "../tooling/engine/aliases";
import { offlineMocks } from "../tooling/engine/mocks";
import { tapMonitor, waitForRegistrations } from "../tooling/engine/sdkInternals";
import { readStackConfig } from "../tooling/engine/stackFiles";

async function evaluate(apps: number): Promise<{ ms: number; resources: number }> {
  const stack = readStackConfig("production");
  pulumi.runtime.setAllConfig(stack.values);
  await pulumi.runtime.setMocks(offlineMocks("eu-west-1"), stack.project, "production", true);
  let resources = 0;
  tapMonitor(
    () => resources++,
    (parent, type, name) => makeUrn(pulumi.getStack(), pulumi.getProject(), parent, type, name),
  );

  const started = process.hrtime.bigint();
  const config = parseConfig(stack.values, "production");
  for (let i = 0; i < apps; i++) {
    const app = { ...config, app: { ...config.app, name: apps === 1 ? config.app.name : `api${i}` } };
    new BlueGreenApp(app.app.name, { config: app, platform: platformFor(app) });
  }
  await waitForRegistrations();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, resources };
}

async function main(): Promise<void> {
  await evaluate(1); // warm-up: module loading and provider serialization are one-off costs
  const results: { apps: number; ms: number; resources: number }[] = [];
  for (const apps of [1, 10, 50]) results.push({ apps, ...(await evaluate(apps)) });
  const base = results[0].ms / results[0].resources;
  for (const r of results) {
    const perResource = r.ms / r.resources;
    console.log(
      `program apps=${r.apps}: ${r.ms.toFixed(0)} ms, ${r.resources} resources, ${perResource.toFixed(2)} ms/resource, growth ratio ${(perResource / base).toFixed(2)}`,
    );
  }
  console.log(`program production total: ${results[0].ms.toFixed(0)} ms (target <= 3000 ms)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
