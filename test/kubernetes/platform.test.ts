/**
 * The kubernetes platform factory under Pulumi's mocks: what
 * `databaseSnapshot` returns with and without `bluegreen:database`.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { MigrationSnapshot } from "../../components/rds/migrationSnapshot";
import type { KubernetesConfig } from "../../components/kubernetes/config";
import { parseConfig } from "../../components/platforms";
import { kubernetesPlatform } from "../../components/kubernetes";
import { offlineMocks } from "../../tooling/engine/mocks";
import { engineValues } from "../configErrors";

function config(extra: Record<string, unknown> = {}): KubernetesConfig {
  const values: Record<string, unknown> = {
    "bluegreen:platform": "kubernetes",
    "bluegreen:app": { name: "api" },
    "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2" },
    "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
    "bluegreen:traffic": { blue: 100, green: 0 },
    "bluegreen:kubernetes": { gateway: { name: "public" }, hostnames: ["api.example.com"] },
    ...extra,
  };
  return parseConfig(engineValues(values), "kube-dev") as KubernetesConfig;
}

describe("kubernetesPlatform.databaseSnapshot", () => {
  beforeAll(async () => {
    pulumi.runtime.setAllConfig({ "aws:region": "eu-west-1" });
    await pulumi.runtime.setMocks(offlineMocks("eu-west-1"), "bluegreen", "kube-dev", true);
  });

  it("returns nothing without bluegreen:database: there is no database to snapshot", () => {
    const platform = kubernetesPlatform(config(), {
      name: "api",
      parent: new pulumi.ComponentResource("test:index:App", "api"),
    });
    expect(platform.databaseSnapshot("api-pre-7", { dependsOn: [] })).toBeUndefined();
  });

  it("snapshots the RDS instance under the given id with bluegreen:database, as on AWS", () => {
    const withDatabase = config({
      "bluegreen:database": { mode: "existing", identifier: "api-staging" },
      "aws:region": "eu-west-1",
    });
    const snapshot = kubernetesPlatform(withDatabase, {
      name: "api",
      parent: new pulumi.ComponentResource("test:index:App", "api-db"),
    }).databaseSnapshot("api-pre-7", { dependsOn: [] });
    expect(snapshot).toBeInstanceOf(MigrationSnapshot);
    expect((snapshot as MigrationSnapshot).snapshotId).toBe("api-pre-7");
  });
});
