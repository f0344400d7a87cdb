/**
 * What recording a rollback costs through the real engine (issue 26): one
 * weight-only `pulumi up` of the staging stack (all traffic back to blue, as
 * a rollback records it: no probe, since blue runs what passed its gate, and
 * no policy pack) beside the `pulumi up` of a one-resource program (one
 * bucket whose tag changes) on the same engine, backend and fake cloud
 * (testkit/engine.ts: real engine, fake cloud). Users do not wait for this
 * up: the rollback's direct move comes first (bench/release.ts); this is how
 * long the record takes.
 *   npx tsx bench/engineUp.ts [--runs N]   (default 5)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEngineProject, EngineProject } from "../testkit/engine";
import { initLoopbackStack } from "../testkit/engineStandIns";
import { EcsServer } from "../testkit/ecsServer";
import { startFaultServer } from "../testkit/faultServer";
import { describeSpread, report, spreadOf } from "./result";

const STACK = "staging";

/** A program of one resource beside the project copy, sharing its node_modules, engine, backend and fake plugins. */
function oneResourceProgram(project: EngineProject): string {
  const dir = path.join(path.dirname(project.dir), "one-resource");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: one-resource\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "index.ts"),
    'import * as aws from "@pulumi/aws";\nnew aws.s3.Bucket("one", { tags: { run: process.env.RUN ?? "0" } });\n',
  );
  fs.symlinkSync(path.join(project.dir, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

async function timed(project: EngineProject, args: readonly string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  await project.ok(args, env);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--runs");
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 3) throw new Error("--runs must be a whole number >= 3");
  const project = createEngineProject();
  const app = await startFaultServer();
  const ecs = await EcsServer.start("eu-west-1");
  ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
  const env = { AWS_ENDPOINT_URL_ECS: ecs.endpoint };
  try {
    await initLoopbackStack(project, STACK, { app });
    const up = ["up", "--stack", STACK, "--yes", "--skip-preview"];
    await project.ok(up, env);
    const one = oneResourceProgram(project);
    await project.ok(["-C", one, "stack", "init", "one", "--secrets-provider", "passphrase"]);
    await project.ok(["-C", one, "up", "--stack", "one", "--yes", "--skip-preview"], { RUN: "first" });

    const rollback: number[] = [];
    const trivial: number[] = [];
    for (let run = 0; run < runs; run++) {
      // Green gains share (probed, untimed), then the rollback's weight-only up (timed).
      await project.setConfig(STACK, [
        ["bluegreen:traffic.blue", "90"],
        ["bluegreen:traffic.green", "10"],
      ]);
      await project.ok(up, env);
      await project.setConfig(STACK, [
        ["bluegreen:traffic.blue", "100"],
        ["bluegreen:traffic.green", "0"],
      ]);
      rollback.push(await timed(project, up, env));
      trivial.push(
        await timed(project, ["-C", one, "up", "--stack", "one", "--yes", "--skip-preview"], { RUN: String(run) }),
      );
    }
    const ratio = spreadOf(rollback).median / spreadOf(trivial).median;
    report("engineUp", [
      {
        figure: `weight-only pulumi up of ${STACK} (all traffic to blue, no probe, no policy pack; real engine, fake cloud)`,
        observed: describeSpread(spreadOf(rollback.map((ms) => ms / 1000)), "s", 2),
      },
      {
        figure: "pulumi up of a one-resource program (one bucket's tag changed; same engine and fake cloud)",
        observed: describeSpread(spreadOf(trivial.map((ms) => ms / 1000)), "s", 2),
      },
      {
        figure: "ratio of the medians",
        observed: `${ratio.toFixed(2)}x`,
        goal: { text: "at most 1.5x", source: "issue 26", met: ratio <= 1.5 },
      },
    ]);
  } finally {
    await app.close();
    await ecs.stop();
    project.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
