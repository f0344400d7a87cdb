/**
 * Real engine, fake cloud: every shipped stack through the `pulumi` CLI
 * built from Go modules (testkit/engine), with the fake aws, kubernetes and
 * docker providers. For each one:
 *   - `pulumi preview --json` of the stack as shipped registers exactly the
 *     resources the offline plan emulates (URN, type, parent, dependencies,
 *     retainOnDelete): the emulation is checked against the engine;
 *   - `pulumi up` succeeds once the gates probe loopback stand-ins (the
 *     fake cloud has no data plane; testkit/engineStandIns.ts);
 *   - a second preview shows no changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineProject, EngineProject, previewSteps } from "../../testkit/engine";
import { loopbackConfig, loopbackRemovals } from "../../testkit/engineStandIns";
import { EcsServer } from "../../testkit/ecsServer";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { Router, serverStates, startRouter } from "../../testkit/haproxy";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { listStacks } from "../../tooling/engine/stackFiles";

let project: EngineProject;
let app: FaultServer;
let router: Router;

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  router = await startRouter({ blue: 1, green: 1 }, "api", "/health");
}, 120_000);

afterAll(async () => {
  await router?.stop();
  await app?.close();
  project?.remove();
});

/** A resource as the engine and the offline emulation both describe it. */
function identity(r: {
  type: string;
  custom?: boolean;
  parent?: string;
  dependencies?: string[];
  retainOnDelete?: boolean;
}) {
  const parent =
    r.parent === undefined || r.parent === "" || r.parent.includes("::pulumi:pulumi:Stack::") ? "" : r.parent;
  return {
    type: r.type,
    custom: r.custom ?? false,
    parent,
    dependencies: [...new Set(r.dependencies ?? [])].sort(),
    retainOnDelete: r.retainOnDelete === true,
  };
}

describe.each(listStacks())("Pulumi.%s.yaml on the real engine", (stack) => {
  beforeAll(() => project.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]), 60_000);

  it("previews exactly the resources the offline plan emulates", async () => {
    const preview = await project.ok(["preview", "--stack", stack, "--json"]);
    const engine = previewSteps(preview.stdout).filter(
      (step) =>
        step.newState !== undefined &&
        !step.newState.type.startsWith("pulumi:pulumi:") &&
        !step.newState.type.startsWith("pulumi:providers:"),
    );
    expect(engine.every((step) => step.op === "create")).toBe(true);
    const offline = await runProgram(stack);
    const fromEngine = Object.fromEntries(engine.map((step) => [step.urn, identity(step.newState!)]));
    const fromOffline = Object.fromEntries(offline.resources.map((r) => [r.urn, identity(r)]));
    expect(fromEngine).toEqual(fromOffline);
  }, 180_000);

  it("runs `pulumi up` with the gates probing loopback stand-ins, then previews no change", async () => {
    await project.removeConfig(stack, loopbackRemovals(stack));
    await project.setConfig(stack, loopbackConfig(stack, { app, router }));
    // Each stack has an ECS of its own (the fake cluster ARNs of two stacks are the same).
    const ecs = await EcsServer.start("eu-west-1");
    try {
      ecs.play({ container: "api-migrate", statuses: ["STOPPED"], exitCode: 0 });
      const env = { AWS_ENDPOINT_URL_ECS: ecs.endpoint };
      const up = await project.ok(["up", "--stack", stack, "--yes", "--skip-preview"], env);
      expect(up.stdout).toMatch(/Resources:\s+\+ \d+ created/);
      if (stack === "local") {
        // The split landed in a real HAProxy, through its runtime API.
        const states = await serverStates(router.spec.admin, "api");
        expect({ blue: states.blue.weight, green: states.green.weight }).toEqual({ blue: 90, green: 10 });
        // The generated database passwords: real ones, encrypted in state, in no output or log line.
        const decrypted = JSON.parse(
          (await project.ok(["stack", "export", "--stack", stack, "--show-secrets"])).stdout,
        );
        const passwords: string[] = decrypted.deployment.resources
          .filter((r: { type: string }) => r.type.endsWith(":PostgresPassword"))
          // A secret in a decrypted export: the signature and its value as JSON text.
          .map((r: { outputs: { password: { plaintext: string } } }) => JSON.parse(r.outputs.password.plaintext));
        expect(passwords).toHaveLength(3);
        for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        const exported = (await project.ok(["stack", "export", "--stack", stack])).stdout;
        const seen = [exported, up.stdout, up.stderr].join("\n");
        expect(passwords.filter((password) => seen.includes(password))).toEqual([]);
      }
      expect(await project.pulumi(["preview", "--stack", stack, "--expect-no-changes"], env)).toMatchObject({
        code: 0,
      });
    } finally {
      await ecs.stop();
    }
  }, 300_000);
});
