/**
 * Maintenance mode on the local platform, in the resource graph the real
 * program registers for Pulumi.local.yaml (deterministic mocks): the router
 * always carries the maintenance rule and map, and the HaproxyMaintenance
 * resource switches it live, so toggling the window changes that resource
 * only: never the router container (no restart), never the weights.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import {
  INITIAL_MAINTENANCE_MAP,
  MAINTENANCE_SCRIPT,
  maintenanceGlobal,
  maintenanceRules,
  maintenanceScriptFile,
} from "../../components/docker/haproxyMaintenance";
import { maintenancePage } from "../../components/maintenance";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named } from "../program/graph";

const ON = { enabled: true, message: "Upgrading; back soon", retryAfterSeconds: 120 };

describe("Pulumi.local.yaml with bluegreen:maintenance", () => {
  it("switches maintenance through the runtime API only: the router container and the weights do not change", async () => {
    const off = await runProgram("local");
    const on = await runProgram("local", { overrides: { "bluegreen:maintenance": ON } });
    const switched = named(on, "api-router-maintenance");
    expect(switched.type).toBe(DYNAMIC_TYPES.haproxyMaintenance.token);
    expect(switched.inputs).toMatchObject({
      admin: { address: "127.0.0.1", port: 9999 },
      mapFile: "/usr/local/etc/haproxy/maintenance.map",
      state: { enabled: true, page: maintenancePage(ON.message), retryAfterSeconds: 120 },
    });
    expect((named(off, "api-router-maintenance").inputs.state as { enabled: boolean }).enabled).toBe(false);
    expect(switched.propertyDependencies.instance).toEqual([named(on, "api-router-haproxy").urn]);
    expect(
      changedResources(off, on)
        .map((urn) => urn.split("::").pop())
        .sort(),
    ).toEqual(["api-blue-gate-check", "api-green-gate-check", "api-release-guard", "api-router-maintenance"]);
  });

  it("starts the router with the maintenance rules in its frontend, the service they call, and the map switched off", async () => {
    const run = await runProgram("local");
    const uploads = named(run, "api-router-haproxy").inputs.uploads as { file: string; content: string }[];
    const config = uploads.find((u) => u.file.endsWith("haproxy.cfg"))!.content;
    const map = uploads.find((u) => u.file === "/usr/local/etc/haproxy/maintenance.map")!;
    const service = uploads.find((u) => u.file === "/usr/local/etc/haproxy/maintenance.lua")!;
    expect(map.content).toBe(INITIAL_MAINTENANCE_MAP);
    expect(service.content).toBe(MAINTENANCE_SCRIPT);
    expect(service.file).toBe(maintenanceScriptFile(map.file));
    expect(config).toContain(`${maintenanceGlobal(map.file).join("\n")}\n`);
    // In the frontend, before its default backend: the page answers before any color is chosen.
    const rules = `${maintenanceRules(map.file).join("\n")}\n`;
    expect(config).toContain(rules);
    expect(config.indexOf(rules)).toBeGreaterThan(config.indexOf("frontend http-in"));
    expect(config.indexOf(rules)).toBeLessThan(config.indexOf("    default_backend api"));
  });

  it("refuses a gate target through the router's port while maintenance is on", async () => {
    const overrides = {
      "bluegreen:gate": { targets: { green: ["http://localhost:8080/health"] } },
      "bluegreen:maintenance": ON,
    };
    const error = await runProgram("local", { overrides }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.key)).toEqual(["bluegreen:gate.targets.green.0"]);
  });
});
