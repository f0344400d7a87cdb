/**
 * The real program for the real Pulumi.local.yaml, under deterministic mocks:
 * the local platform's resource graph (what `pulumi up -s local` registers).
 * The router, snapshot script and weight provider themselves are proven on
 * real haproxy and Postgres in test/docker/.
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named, ofType, waitsFor } from "./graph";

describe("Pulumi.local.yaml on Docker", () => {
  it("applies the configured split to the running router through HaproxyWeights", async () => {
    const run = await runProgram("local");
    expect(named(run, "api-router-weights").inputs).toMatchObject({
      admin: { address: "127.0.0.1", port: 9999 },
      backend: "api",
      weights: { blue: 90, green: 10 },
    });
  });

  it("changes only the live weights and the gates when only the weights change: the router is not restarted", async () => {
    const before = await runProgram("local");
    const after = await runProgram("local", { overrides: { "bluegreen:traffic": { blue: 50, green: 50 } } });
    expect(named(after, "api-router-weights").inputs.weights).toEqual({ blue: 50, green: 50 });
    expect(
      changedResources(before, after)
        .map((urn) => urn.split("::").pop())
        .sort(),
    ).toEqual(["api-blue-gate-check", "api-green-gate-check", "api-router-weights"]);
  });

  it("orders snapshot, migration, green, gate and router weights", async () => {
    const run = await runProgram("local");
    const snapshot = named(run, "api-pre-migration-snapshot");
    const migration = named(run, "api-migration-run");
    const green = named(run, "api-green-container");
    const gate = named(run, "api-green-gate-check");
    const weights = named(run, "api-router-weights");
    expect(waitsFor(run, migration, snapshot)).toBe(true);
    expect(waitsFor(run, green, migration)).toBe(true);
    expect(waitsFor(run, named(run, "api-blue-container"), migration)).toBe(false);
    expect(waitsFor(run, gate, green)).toBe(true);
    expect(waitsFor(run, weights, gate)).toBe(true);
  });

  it("snapshots into the volume under the migration's name, with a script that never overwrites", async () => {
    const run = await runProgram("local");
    const snapshot = named(run, "api-pre-migration-snapshot");
    const command = snapshot.inputs.command as string[];
    expect(command.slice(0, 4)).toEqual(["docker", "run", "--rm", "--init"]);
    expect(command).toContain("api-snapshots:/snapshots");
    expect(command.at(-1)).toContain("file='/snapshots/api-pre-001-create-orders.dump'");
    expect(snapshot.inputs.runKey).toBe("api-pre-001-create-orders");
    expect(named(run, "api-migration-run").inputs.runKey).toBe("001-create-orders");
  });

  it("keeps data and snapshot volumes on destroy and publishes ports on loopback only", async () => {
    const run = await runProgram("local");
    for (const volume of ofType(run, "docker:index/volume:Volume")) expect(volume.retainOnDelete).toBe(true);
    for (const container of ofType(run, "docker:index/container:Container")) {
      for (const port of (container.inputs.ports as { ip: string }[] | undefined) ?? [])
        expect(port.ip).toBe("127.0.0.1");
    }
    expect(named(run, "api-database-postgres").inputs.ports).toBeUndefined();
  });

  it("replaces containers with fixed names and ports delete-first, so a new version never collides with the old", async () => {
    const run = await runProgram("local");
    const containers = ofType(run, "docker:index/container:Container");
    expect(containers.map((c) => c.name).sort()).toEqual([
      "api-blue-container",
      "api-database-postgres",
      "api-green-container",
      "api-router-haproxy",
    ]);
    for (const container of containers) expect(container.deleteBeforeReplace, container.name).toBe(true);
  });

  it("probes each color on its own loopback port", async () => {
    const run = await runProgram("local");
    expect(named(run, "api-blue-gate-check").inputs.targets).toEqual(["http://127.0.0.1:8081/health"]);
    expect(named(run, "api-green-gate-check").inputs.targets).toEqual(["http://127.0.0.1:8082/health"]);
    expect(run.outputs.url).toBe("http://127.0.0.1:8080");
  });
});
