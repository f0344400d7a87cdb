/**
 * EcsMigration through Pulumi's real dynamic-provider host and the real AWS
 * SDK against the local ECS endpoint: closure size on the plain CommonJS path
 * a Pulumi program uses, how close a run's wall time gets to the polling it
 * cannot avoid, API calls per run, and how far a timeout overshoots.
 * Run: npx tsx bench/ecsMigration.ts
 */
import { ecsMigrationProvider, EcsMigrationInputs } from "../components/aws/ecsMigration";
import { EcsServer } from "../testkit/ecsServer";
import { ProviderHost, serializeProvider } from "../testkit/providerHost";
import { describeSpread, Figure, report, spreadOf } from "./result";

const TYPE = "pulumi-nodejs:dynamic/bluegreen:EcsMigration";
const RUNS = 20;
const POLL_SECONDS = 0.05;
const TIMEOUT_SECONDS = 2;
const TIMEOUT_RUNS = 3;
// PROVISIONING (RunTask) -> PENDING -> RUNNING x3 -> STOPPED: five DescribeTasks, five poll waits.
const STATUSES = ["PROVISIONING", "PENDING", "RUNNING", "RUNNING", "RUNNING", "STOPPED"] as const;

async function main(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID = "AKIDBLUEGREENBENCH";
  process.env.AWS_SECRET_ACCESS_KEY = "bluegreen-bench-secret";
  const [ecs, host, text] = await Promise.all([
    EcsServer.start(),
    ProviderHost.start(),
    serializeProvider(ecsMigrationProvider),
  ]);
  const inputs = (migrationVersion: string, timeoutSeconds: number): EcsMigrationInputs => ({
    region: "us-east-1",
    cluster: "bench",
    taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/bench-migrate:1",
    containerName: "bench-migrate",
    command: ["migrate"],
    subnetIds: ["subnet-0a1b2c3d4e5f60718"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    migrationVersion,
    timeoutSeconds,
    pollIntervalSeconds: POLL_SECONDS,
    endpoint: ecs.endpoint,
  });
  const figures: Figure[] = [
    {
      figure: "EcsMigration provider closure, serialized on the CommonJS path of a Pulumi program",
      observed: `${(text.length / 1024).toFixed(1)} KiB`,
    },
  ];
  try {
    // Warm-up: the host deserializes the provider and loads the SDK once.
    ecs.play({ container: "bench-migrate", statuses: STATUSES, exitCode: 0 });
    await host.create(TYPE, text, { ...inputs("warmup", 10) });

    const walls: number[] = [];
    const calls: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ecs.reset();
      ecs.play({ container: "bench-migrate", statuses: STATUSES, exitCode: 0 });
      const started = performance.now();
      await host.create(TYPE, text, { ...inputs(`run-${i}`, 10) });
      walls.push(performance.now() - started);
      calls.push(ecs.requests.length);
    }
    const pollFloorMs = (STATUSES.length - 1) * POLL_SECONDS * 1000;
    const wall = spreadOf(walls);
    figures.push(
      {
        figure: `successful migration run against the ${pollFloorMs.toFixed(0)} ms of poll waits it cannot avoid`,
        observed: `${describeSpread(wall, "ms")} = ${(wall.median / pollFloorMs).toFixed(2)}× the poll waits`,
      },
      {
        figure: `ECS API calls per run (${STATUSES.length} expected: 1 RunTask + ${STATUSES.length - 1} DescribeTasks)`,
        observed: `max ${Math.max(...calls)} over ${RUNS} runs`,
      },
    );

    const overshoot: number[] = [];
    const stopCalls: number[] = [];
    for (let i = 0; i < TIMEOUT_RUNS; i++) {
      ecs.reset();
      ecs.play({ container: "bench-migrate", statuses: ["PROVISIONING", "RUNNING"] });
      const started = performance.now();
      const failed = await host.create(TYPE, text, { ...inputs(`timeout-${i}`, TIMEOUT_SECONDS) }).then(
        () => false,
        () => true,
      );
      if (!failed) throw new Error("a migration past its timeout succeeded");
      overshoot.push((performance.now() - started) / (TIMEOUT_SECONDS * 1000));
      stopCalls.push(ecs.calls("StopTask").length);
    }
    figures.push({
      figure: `a task still running at timeoutSeconds ${TIMEOUT_SECONDS}: time to the failed update, in timeouts`,
      observed: `${describeSpread(spreadOf(overshoot), "×", 3)}; StopTask calls per run ${stopCalls.join(", ")}`,
    });
  } finally {
    await Promise.all([host.stop(), ecs.stop()]);
  }
  report("ecsMigration", figures);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
