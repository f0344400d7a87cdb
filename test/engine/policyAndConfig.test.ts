/**
 * Real engine, fake cloud: the policy pack as `pulumi preview --policy-pack`
 * runs it, config values as `pulumi config set --path` (and `--secret`)
 * store them, and what ends up in the stack's state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { createEngineProject, EngineProject, previewSteps } from "../../testkit/engine";
import { loopbackConfig } from "../../testkit/engineStandIns";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";

let project: EngineProject;
let app: FaultServer;
const set = (stack: string, key: string, value: string, ...flags: string[]) =>
  project.ok(["config", "set", "--stack", stack, "--path", ...flags, key, value]);

beforeAll(async () => {
  project = createEngineProject();
  app = await startFaultServer();
  for (const stack of ["staging", "production", "kube-staging"]) {
    await project.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  }
}, 120_000);

afterAll(async () => {
  await app?.close();
  project?.remove();
});

describe("`pulumi preview --policy-pack policies`", () => {
  const pack = () => path.join(project.dir, "policies");

  it("passes production as shipped, and staging with its --policy-pack-config", async () => {
    const production = await project.pulumi(["preview", "--stack", "production", "--policy-pack", pack()]);
    expect(production.code, production.stdout).toBe(0);
    expect(production.stdout).toMatch(/bluegreen@v\d/);
    const staging = await project.pulumi([
      "preview",
      "--stack",
      "staging",
      "--policy-pack",
      pack(),
      "--policy-pack-config",
      path.join(pack(), "config", "staging.json"),
    ]);
    expect(staging.code, staging.stdout).toBe(0);
  }, 180_000);

  it("refuses a new production stack on an old TLS policy at its first preview, when the target group ARNs are still unknown", async () => {
    await set("production", "bluegreen:listener.sslPolicy", "ELBSecurityPolicy-2016-08");
    const production = await project.pulumi(["preview", "--stack", "production", "--policy-pack", pack()]);
    expect(production.code).not.toBe(0);
    expect(production.stdout).toContain("listener-https-modern-tls");
    expect(production.stdout).toContain("must use a modern TLS policy in production");
    // The HTTPS rule reads no ARN: it runs at its own level. (Which target group gets which weight is the one thing
    // a first preview defers, to the gate rule at update.)
    expect(production.stdout).not.toContain("can't run policy 'listener-https-modern-tls'");
    await set("production", "bluegreen:listener.sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06");
  }, 180_000);

  it("rejects a --policy-pack-config whose secretNamePattern is not a regular expression, naming the key", async () => {
    const file = path.join(project.dir, "bad-policy-config.json");
    fs.writeFileSync(file, JSON.stringify({ "no-plaintext-secrets": { secretNamePattern: "PASSWORD(" } }));
    const preview = await project.pulumi([
      "preview",
      "--stack",
      "production",
      "--policy-pack",
      pack(),
      "--policy-pack-config",
      file,
    ]);
    expect(preview.code).not.toBe(0);
    expect(`${preview.stdout}${preview.stderr}`).toContain("secretNamePattern");
  }, 180_000);

  it("refuses staging judged as production (no config): a mandatory violation fails the preview", async () => {
    const staging = await project.pulumi(["preview", "--stack", "staging", "--policy-pack", pack()]);
    expect(staging.code).not.toBe(0);
    expect(staging.stdout).toContain("database-production-safeguards");
    expect(staging.stdout).toContain("mandatory");
  }, 180_000);
});

describe("config as the Pulumi CLI stores it", () => {
  it("loads an integer set with --path and a secret set with --secret --path into the gate, the secret kept secret", async () => {
    await set("production", "bluegreen:gate.intervalMs", "1500");
    await set("production", "bluegreen:gateHeaders.Authorization", "Bearer preview-token", "--secret");
    const file = fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8");
    expect(file).toMatch(/Authorization:\s*\n\s*secure: v1:/);
    expect(file).not.toContain("preview-token");
    const preview = await project.ok(["preview", "--stack", "production", "--json"]);
    const gate = previewSteps(preview.stdout).find((step) =>
      step.urn.endsWith(`${DYNAMIC_TYPES.promotionGateCheck.token}::api-green-gate-check`),
    );
    expect((gate?.newState?.inputs?.settings as { intervalMs: number }).intervalMs).toBe(1500);
    expect(preview.stdout).not.toContain("preview-token");
  }, 120_000);

  it("sends a secret header to the probed color, and the stack's state never holds it in plain text", async () => {
    const stack = "kube-staging";
    for (const [key, value] of loopbackConfig(stack, { app })) await set(stack, key, value);
    await set(stack, "bluegreen:gateHeaders.Authorization", "Bearer state-never-sees-this", "--secret");
    await project.ok(["up", "--stack", stack, "--yes", "--skip-preview"]);
    expect(app.lastHeaders("/blue/healthz")?.authorization).toBe("Bearer state-never-sees-this");
    const exported = (await project.ok(["stack", "export", "--stack", stack])).stdout;
    expect(exported).toContain("ciphertext");
    expect(exported).not.toContain("state-never-sees-this");
  }, 180_000);
});
