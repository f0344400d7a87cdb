/**
 * `npm run deploy` as users run it: with a `pulumi` on PATH (a stand-in that
 * records its argv and the environment that matters) and without one, where
 * it must fall back to the offline plan and say so.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../../tooling/paths";
import { runScript } from "./runScript";

describe("npm run deploy", () => {
  let dir: string;
  let log: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-"));
    log = path.join(dir, "calls.log");
    fs.mkdirSync(path.join(dir, "bin"));
    const fake = path.join(dir, "bin", "pulumi");
    fs.writeFileSync(fake, `#!/bin/sh\necho "$PULUMI_BACKEND_URL|$PULUMI_CONFIG_PASSPHRASE|$*" >> "${log}"\n`);
    fs.chmodSync(fake, 0o755);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const calls = () => fs.readFileSync(log, "utf8").trim().split("\n");

  it("runs `pulumi up` for the local stack with a file backend and a passphrase, and the policy pack", async () => {
    fs.rmSync(log, { force: true });
    const env = {
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      PULUMI_BACKEND_URL: undefined,
      PULUMI_CONFIG_PASSPHRASE: undefined,
    };
    const result = await runScript("deploy.ts", ["local", "--yes"], env);
    expect(result.code).toBe(0);
    const backend = `file://${path.join(PROJECT_DIR, ".pulumi-state")}`;
    const pack = path.join(PROJECT_DIR, "policies");
    expect(calls()).toEqual([
      "||version",
      `${backend}|bluegreen-local|stack select --create local --secrets-provider passphrase`,
      `${backend}|bluegreen-local|up --stack local --policy-pack ${pack} --policy-pack-config ${pack}/config/local.json --yes`,
    ]);
  });

  it("leaves a cloud stack's backend to the user and passes that stack's policy config", async () => {
    fs.rmSync(log, { force: true });
    const env = {
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      PULUMI_BACKEND_URL: "s3://team-state",
      PULUMI_CONFIG_PASSPHRASE: undefined,
    };
    const result = await runScript("deploy.ts", ["production"], env);
    expect(result.code).toBe(0);
    const pack = path.join(PROJECT_DIR, "policies");
    expect(calls().slice(1)).toEqual([
      "s3://team-state||stack select --create production",
      `s3://team-state||up --stack production --policy-pack ${pack}`,
    ]);
  });

  it("without the Pulumi CLI prints the offline plan instead and says nothing was changed", async () => {
    const emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
    const result = await runScript("deploy.ts", ["local"], {
      PATH: `${emptyBin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    });
    fs.rmSync(emptyBin, { recursive: true, force: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Pulumi CLI not found on PATH: showing the offline plan of stack "local" instead.');
    expect(result.stdout).toContain("Offline plan: stack local (project bluegreen), app api, platform docker");
    expect(result.stdout).toContain("Policy pack (policies/): no violations");
  });
});
