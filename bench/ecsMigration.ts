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

const TYPE = "pulumi-nodejs:dynamic/bluegreen:EcsMigration";
const RUNS = 20;
const POLL_SECONDS = 0.05;
const TIMEOUT_SECONDS = 2;
// PROVISIONING (RunTask) -> PENDING -> RUNNING x3 -> STOPPED: five DescribeTasks, five poll waits.
const STATUSES = ["PROVISIONING", "PENDING", "RUNNING", "RUNNING", "RUNNING", "STOPPED"] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

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
  try {
    console.log(
      `provider closure: ${(text.length / 1024).toFixed(1)} KiB serialized (CommonJS path of a Pulumi program)`,
    );

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
    console.log(
      `successful run: median ${median(walls).toFixed(0)} ms, max ${Math.max(...walls).toFixed(0)} ms over ${RUNS} runs vs ${pollFloorMs.toFixed(0)} ms of poll waits: ` +
        `${(median(walls) / pollFloorMs).toFixed(2)}x the floor`,
    );
    console.log(
      `ECS API calls per run: max ${Math.max(...calls)} (expected ${STATUSES.length}: 1 RunTask + ${STATUSES.length - 1} DescribeTasks)`,
    );

    ecs.reset();
    ecs.play({ container: "bench-migrate", statuses: ["PROVISIONING", "RUNNING"] });
    const started = performance.now();
    const failed = await host.create(TYPE, text, { ...inputs("timeout", TIMEOUT_SECONDS) }).then(
      () => false,
      () => true,
    );
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `timeout: failed=${failed} after ${elapsed.toFixed(2)} s for timeoutSeconds ${TIMEOUT_SECONDS}: ${(elapsed / TIMEOUT_SECONDS).toFixed(3)}x the timeout, ` +
        `StopTask calls ${ecs.calls("StopTask").length}`,
    );
  } finally {
    await Promise.all([host.stop(), ecs.stop()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
