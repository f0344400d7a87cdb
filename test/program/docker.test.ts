/**
 * The real program for the real Pulumi.local.yaml, under deterministic mocks:
 * the local platform's resource graph (what `pulumi up -s local` registers).
 * The router, snapshot script and weight provider themselves are proven on
 * real haproxy and Postgres in test/docker/.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { runWith } from "../../testkit/analyzerCases";
import { ProgramRun, runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named, ofType, waitsFor } from "./graph";

/** An input as the SDK sends a secret: the engine encrypts it in state and shows [secret]. */
function unwrapSecret(value: unknown): unknown {
  const envelope = value as Record<string, unknown>;
  expect(envelope?.[rpc.specialSigKey], JSON.stringify(value)?.slice(0, 80)).toBe(rpc.specialSecretSig);
  return envelope.value;
}

/** Every input of the run with secret envelopes dropped: what a reader of state or a preview sees in plain text. */
function plainInputs(run: ProgramRun): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[rpc.specialSigKey] === rpc.specialSecretSig) return "[secret]";
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, strip(v)]));
  };
  // `__provider` is a dynamic provider's code, not data.
  return JSON.stringify(run.resources.map(({ inputs: { __provider: _code, ...inputs } }) => strip(inputs)));
}

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

  it("generates each database password as a secret, and none appears in any plain input", async () => {
    const run = await runProgram("local");
    const passwords = ofType(run, DYNAMIC_TYPES.postgresPassword.token);
    expect(passwords.map((p) => p.name).sort()).toEqual([
      "api-database-app-password",
      "api-database-migration-password",
      "api-database-superuser-password",
    ]);
    for (const password of passwords) {
      expect(password.additionalSecretOutputs).toEqual(["password", "scramVerifier"]);
      expect(password.inputs.length).toBe(32);
    }
    // The mocks' passwords are "FakePassword<hex>": nowhere outside a secret envelope.
    expect(JSON.stringify(run.resources)).toContain("FakePassword");
    const plain = plainInputs(run);
    expect(plain.includes("FakePassword"), "a password in a plain input").toBe(false);
    expect(plain.includes("SCRAM-SHA-256$4096"), "a verifier in a plain input").toBe(false);
  });

  it("runs Postgres with SCRAM for every network client and its superuser password from a file, never trust", async () => {
    const run = await runProgram("local");
    const postgres = named(run, "api-database-postgres");
    expect(postgres.inputs.command).toEqual([
      "postgres",
      "-c",
      "hba_file=/etc/bluegreen/pg_hba.conf",
      "-c",
      "password_encryption=scram-sha-256",
    ]);
    expect(postgres.inputs.envs).toEqual(["POSTGRES_DB=api", "POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password"]);
    const [hba, password] = unwrapSecret(postgres.inputs.uploads) as { file: string; content: string }[];
    expect(hba.file).toBe("/etc/bluegreen/pg_hba.conf");
    expect(hba.content.split("\n").filter((line) => /^(local|host)/.test(line))).toEqual([
      "local  all  postgres  peer",
      'host  "api"  "api_app","api_migration"  all  scram-sha-256',
    ]);
    expect(password).toMatchObject({ file: "/run/secrets/postgres-password", permissions: "0444" });
  });

  it("provisions the roles inside the Postgres container before the snapshot, the migration and the colors", async () => {
    const run = await runProgram("local");
    const roles = named(run, "api-database-roles");
    const command = roles.inputs.command as string[];
    expect(command.slice(0, 9)).toEqual([
      "docker",
      "exec",
      "--user",
      "postgres",
      "--env",
      "BLUEGREEN_APP_VERIFIER",
      "--env",
      "BLUEGREEN_MIGRATION_VERIFIER",
      "api-postgres",
    ]);
    expect(Object.keys(unwrapSecret(roles.inputs.env) as object).sort()).toEqual([
      "BLUEGREEN_APP_VERIFIER",
      "BLUEGREEN_MIGRATION_VERIFIER",
    ]);
    expect(waitsFor(run, roles, named(run, "api-database-postgres"))).toBe(true);
    for (const step of ["api-pre-migration-snapshot", "api-migration-run", "api-blue-container", "api-green-container"])
      expect(waitsFor(run, named(run, step), roles), step).toBe(true);
  });

  it("connects the colors as the app role through a file only their user reads, and the one-off steps as the migration role", async () => {
    const run = await runProgram("local");
    for (const color of ["blue", "green"]) {
      const container = named(run, `api-${color}-container`);
      expect(container.inputs.user).toBe("10001");
      expect(container.inputs.envs).toContain("DATABASE_URL_FILE=/run/secrets/database-url");
      expect((container.inputs.envs as string[]).some((e) => e.startsWith("DATABASE_URL="))).toBe(false);
      const [url] = unwrapSecret(container.inputs.uploads) as Record<string, string>[];
      expect(url).toMatchObject({ file: "/run/secrets/database-url", owner: "10001", permissions: "0400" });
      expect(url.content).toMatch(/^postgres:\/\/api_app:FakePassword[0-9a-f]+@api-postgres:5432\/api$/);
    }
    for (const step of ["api-pre-migration-snapshot", "api-migration-run"]) {
      const env = unwrapSecret(named(run, step).inputs.env) as Record<string, string>;
      expect(env).toMatchObject({ PGUSER: "api_migration", PGHOST: "api-postgres", PGDATABASE: "api" });
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/api_migration:FakePassword/);
      const command = named(run, step).inputs.command as string[];
      // The migration's sessions also get their lock and statement timeouts (PGOPTIONS); the snapshot's none.
      const options = step === "api-migration-run" ? ["PGOPTIONS"] : [];
      expect(command.filter((_arg, i) => command[i - 1] === "-e")).toEqual(
        ["DATABASE_URL", "PGDATABASE", "PGHOST", ...options, "PGPASSWORD", "PGPORT", "PGUSER"].sort(),
      );
    }
    const migrationEnv = unwrapSecret(named(run, "api-migration-run").inputs.env) as Record<string, string>;
    expect(migrationEnv.PGOPTIONS).toBe("-c lock_timeout=5s -c statement_timeout=120s");
  });

  it("rehearses on a scratch copy before the real run and validates after it, the new color waiting for the checks", async () => {
    const validate = [{ name: "orders-table", command: ["psql", "-c", "select count(*) from orders"] }];
    const run = await runWith("local", "bluegreen:migration", { rehearse: true, validate });
    const [snapshot, rehearsal, real, validation, green] = [
      "api-pre-migration-snapshot",
      "api-migration-rehearsal",
      "api-migration-run",
      "api-migration-validation",
      "api-green-container",
    ].map((step) => named(run, step));
    expect(waitsFor(run, rehearsal, snapshot)).toBe(true);
    expect(waitsFor(run, real, rehearsal)).toBe(true);
    expect(waitsFor(run, validation, real)).toBe(true);
    expect(waitsFor(run, green, validation)).toBe(true);
    expect(rehearsal.inputs).toMatchObject({
      purpose: "migration-rehearsal",
      description: "rehearsal of migration 001-create-orders on scratch server api-rehearsal-001-create-orders",
      runKey: "001-create-orders",
    });
    // No credential of the real database reaches the rehearsal: it makes its own, which only its scratch server accepts.
    expect(Object.keys(unwrapSecret(rehearsal.inputs.env) as object).sort()).toEqual([
      "BLUEGREEN_LOCK_RETRY_DELAYS",
      "BLUEGREEN_LOCK_TIMEOUT",
      "BLUEGREEN_MIGRATION_TRANSACTIONAL",
      "PGOPTIONS",
    ]);
    expect(JSON.stringify(rehearsal.inputs)).not.toMatch(/FakePassword|api-postgres/);
    const script = (rehearsal.inputs.command as string[]).at(-1)!;
    expect(script).toContain("docker network create --internal");
    expect(script).toContain(
      "admin() { 'docker' 'exec' '-i' '--user' 'postgres' 'api-rehearsal-001-create-orders' 'psql' '--dbname=postgres'",
    );
    expect(script).toContain("api-snapshots:/snapshots:ro");
    expect(script).toContain("'/snapshots/api-pre-001-create-orders.dump'");
    expect(script).toContain("label=bluegreen.stack=bluegreen/local");
    expect(script).toContain(
      "'--network' 'api-rehearsal-001-create-orders-net' '-e' 'DATABASE_URL' '-e' 'PGDATABASE' '-e' 'PGHOST' '-e' 'PGOPTIONS' '-e' 'PGPASSWORD' '-e' 'PGPORT' '-e' 'PGUSER' 'postgres:16.4' 'psql' '-c' 'select count(*) from orders'",
    );
    expect(validation.inputs).toMatchObject({ purpose: "migration-validation", runKey: "001-create-orders" });
    expect(unwrapSecret(validation.inputs.env)).toMatchObject({ PGDATABASE: "api" });
    expect((validation.inputs.command as string[]).at(-1)).toContain("validation orders-table: FAILED");
  });

  it("adds no rehearsal or validation step when the migration asks for none", async () => {
    const run = await runProgram("local");
    const steps = run.resources.map((r) => r.name).filter((n) => /rehearsal|validation/.test(n));
    expect(steps).toEqual([]);
  });

  it("answers the router's runtime API for the network's gateway only, through a unix socket", async () => {
    const run = await runProgram("local");
    const router = named(run, "api-router-haproxy");
    const [config, clients] = router.inputs.uploads as { file: string; content: string }[];
    expect(config.content).toContain("    stats socket /var/lib/haproxy/runtime-api.sock level admin mode 600\n");
    expect(config.content).toContain(
      "    tcp-request connection reject unless { src -f /usr/local/etc/haproxy/runtime-api-clients.lst }\n",
    );
    expect(clients).toEqual({ file: "/usr/local/etc/haproxy/runtime-api-clients.lst", content: "172.18.0.1\n" });
    expect(router.inputs.ports).toContainEqual({ internal: 9999, external: 9999, ip: "127.0.0.1" });
  });

  it("probes each color on its own loopback port", async () => {
    const run = await runProgram("local");
    expect(named(run, "api-blue-gate-check").inputs.targets).toEqual(["http://127.0.0.1:8081/health"]);
    expect(named(run, "api-green-gate-check").inputs.targets).toEqual(["http://127.0.0.1:8082/health"]);
    expect(run.outputs.url).toBe("http://127.0.0.1:8080");
  });
});
