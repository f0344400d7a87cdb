/**
 * The components' dynamic resources in a program that is not a Node.js one.
 * The engine starts the `pulumi-nodejs` plugin in the program's directory;
 * a YAML or Python program has no node_modules there. GIVEN such a directory,
 * Pulumi's launcher cannot start the host and a bare host cannot load the
 * gate's `require("zod")` / `require("axios")`; the package's own launcher
 * (provider/bin) runs the gate's Check and Create against a loopback server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { FaultServer, startFaultServer } from "../../testkit/faultServer";
import { ProviderCallError, ProviderHost } from "../../testkit/providerHost";
import { serializeProviderModule } from "../../testkit/serializeModule";
import { gateInputs } from "../gate/fixtures";

const GATE = DYNAMIC_TYPES.promotionGateCheck.token;
const PACKAGE_LAUNCHER = path.resolve(__dirname, "../../provider/bin/pulumi-resource-pulumi-nodejs");
const PULUMI_LAUNCHER = path.resolve(__dirname, "../../testkit/engine/launchers/pulumi-resource-pulumi-nodejs");

let programDir: string;
let gateText: string;
let server: FaultServer;

beforeAll(async () => {
  programDir = mkdtempSync(path.join(tmpdir(), "bluegreen-yaml-program-"));
  [gateText, server] = await Promise.all([
    serializeProviderModule("components/gate/provider.ts", "promotionGateProvider"),
    startFaultServer(),
  ]);
});

afterAll(async () => {
  await server?.close();
  rmSync(programDir, { recursive: true, force: true });
});

describe("dynamic-provider host started in a directory without node_modules", () => {
  it("GIVEN Pulumi's launcher THEN the host does not even start", async () => {
    await expect(ProviderHost.start({ launcher: PULUMI_LAUNCHER, cwd: programDir })).rejects.toThrow(
      `cannot resolve @pulumi/pulumi/cmd/dynamic-provider from ${programDir}`,
    );
  });

  it("GIVEN a host started by absolute path THEN the gate's Create fails on its run-time require", async () => {
    const host = await ProviderHost.start({ cwd: programDir });
    try {
      const inputs = gateInputs({ targets: [server.url("/healthy")] });
      const error = await host.create(GATE, gateText, inputs).catch((e: ProviderCallError) => e);
      expect(error).toBeInstanceOf(ProviderCallError);
      expect((error as ProviderCallError).details).toMatch(/Cannot find module '(zod|axios)'/);
    } finally {
      await host.stop();
    }
  });

  it("GIVEN the package's launcher THEN the gate checks, probes the loopback server and passes", async () => {
    const host = await ProviderHost.start({ launcher: PACKAGE_LAUNCHER, cwd: programDir });
    try {
      const inputs = gateInputs({ targets: [server.url("/healthy")] });
      expect((await host.check(GATE, gateText, {}, inputs)).failures).toEqual([]);
      const { outs } = await host.create(GATE, gateText, inputs);
      expect(outs).toMatchObject({ verdict: "passed", samples: 3 });
      expect(server.hits("/healthy")).toBeGreaterThanOrEqual(3);
    } finally {
      await host.stop();
    }
  });
});
