/**
 * The rehearsal's scratch server on Docker (components/docker/scratchServer.ts):
 * what it asks of Docker, and its clean-up, run for real by sh against a
 * stand-in for the docker CLI's names, labels, listing filters and removal
 * (testkit/fakeDocker; no Docker engine here). Clean-up removes exactly what
 * carries this stack's and app's rehearsal marks; a container or network
 * named like a scratch copy without them is reported and never touched,
 * even when it holds the very name the run wants.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DOCKER_LABELS, STEP_PURPOSES } from "../../components/contracts/markers";
import { dockerScratchRun, dockerScratchServer, DockerScratchArgs } from "../../components/docker/scratchServer";

const exec = promisify(execFile);
const FAKE_DOCKER = join(__dirname, "..", "..", "testkit", "fakeDocker");
const ARGS: DockerScratchArgs = {
  app: "api",
  stack: "bluegreen/local",
  migrationVersion: "7",
  scratch: "api-rehearsal-7",
  postgresImage: "postgres:16.4",
  snapshotVolume: "api-snapshots",
  snapshotFile: "/snapshots/api-pre-7.dump",
  snapshotDir: "/snapshots",
};
const server = dockerScratchServer(ARGS);

interface Thing {
  readonly name: string;
  readonly labels: Record<string, string>;
}
const marks = (stack: string, version: string): Record<string, string> => ({
  [DOCKER_LABELS.purpose]: STEP_PURPOSES.rehearsal,
  [DOCKER_LABELS.stack]: stack,
  [DOCKER_LABELS.app]: "api",
  [DOCKER_LABELS.migration]: version,
});

let dir: string;
let stateFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bluegreen-fake-docker-"));
  stateFile = join(dir, "state.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function seed(containers: Thing[], networks: Thing[]): void {
  writeFileSync(stateFile, JSON.stringify({ containers, networks, log: [] }));
}
const state = (): { containers: Thing[]; networks: Thing[]; log: string[] } =>
  JSON.parse(readFileSync(stateFile, "utf8"));
/** Runs one of the server's argv on the host with the stand-in docker first on PATH. */
async function run(argv: readonly string[], extra: string[] = []): Promise<{ code: number; stdout: string }> {
  const [file, ...rest] = argv;
  return exec(file, [...rest, ...extra], {
    env: {
      ...process.env,
      PATH: `${FAKE_DOCKER}:${process.env.PATH}`,
      FAKE_DOCKER_STATE: stateFile,
      POSTGRES_PASSWORD: "x",
    },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
}

const OURS_OLD = { name: "api-rehearsal-6", labels: marks("bluegreen/local", "6") };
const OURS_OLD_NET = { name: "api-rehearsal-6-net", labels: marks("bluegreen/local", "6") };
const OTHER_STACK = { name: "api-rehearsal-5", labels: marks("bluegreen/staging", "5") };
const HAND_MADE = { name: "api-rehearsal-hand-made", labels: {} };
const REAL_DATABASE = { name: "api-postgres", labels: { [DOCKER_LABELS.app]: "api" } };

describe("the scratch server on Docker", () => {
  it("starts on an --internal network of its own, labelled, with the real server's image, its data on a tmpfs and the snapshots read-only", async () => {
    seed([], []);
    expect((await run(server.start)).code).toBe(0);
    const [network, container] = state().log;
    expect(network).toMatch(/^network create --internal (--label \S+ ){4}api-rehearsal-7-net$/);
    expect(container).toContain("run -d --name api-rehearsal-7 --network api-rehearsal-7-net");
    expect(container).toContain("--tmpfs /var/lib/postgresql/data -v api-snapshots:/snapshots:ro");
    expect(container).toContain("-e POSTGRES_PASSWORD -e POSTGRES_HOST_AUTH_METHOD=scram-sha-256 postgres:16.4");
    expect(state().containers).toEqual([{ name: "api-rehearsal-7", labels: marks("bluegreen/local", "7") }]);
    expect(state().networks).toEqual([{ name: "api-rehearsal-7-net", labels: marks("bluegreen/local", "7") }]);
  });

  it("restores as the superuser with owners and grants kept, and runs the migration on the scratch network alone", () => {
    expect(server.restore).toEqual([
      "docker",
      "exec",
      "--user",
      "postgres",
      "api-rehearsal-7",
      "pg_restore",
      "--single-transaction",
      "--exit-on-error",
      "--dbname=api-rehearsal-7",
      "/snapshots/api-pre-7.dump",
    ]);
    const migration = dockerScratchRun(
      ARGS,
      "registry.example.com/api-migrations:1.5.0",
      ["PGHOST", "PGPASSWORD"],
      ["migrate"],
    );
    expect(migration.join(" ")).toBe(
      "docker run --rm --init --name api-rehearsal-7-run " +
        Object.entries(marks("bluegreen/local", "7"))
          .map(([k, v]) => `--label ${k}=${v}`)
          .join(" ") +
        " --network api-rehearsal-7-net -e PGHOST -e PGPASSWORD registry.example.com/api-migrations:1.5.0 migrate",
    );
    expect(server.host).toBe("api-rehearsal-7");
  });

  it("lists as leftovers only what carries this stack's and app's marks, and as strangers what is named like it without them", async () => {
    seed([OURS_OLD, OTHER_STACK, HAND_MADE, REAL_DATABASE], [OURS_OLD_NET]);
    expect((await run(server.leftovers)).stdout.split("\n").filter(Boolean)).toEqual([
      "api-rehearsal-6",
      "api-rehearsal-6-net",
    ]);
    expect((await run(server.strangers)).stdout.split("\n").filter(Boolean).sort()).toEqual([
      "api-rehearsal-5",
      "api-rehearsal-hand-made",
    ]);
  });

  it("removes a leftover only if it carries the marks: a stranger's name is passed over", async () => {
    seed([OURS_OLD, OTHER_STACK, HAND_MADE], [OURS_OLD_NET]);
    for (const name of ["api-rehearsal-6", "api-rehearsal-6-net", "api-rehearsal-5", "api-rehearsal-hand-made"]) {
      expect((await run(server.removeLeftover, [name])).code).toBe(0);
    }
    expect(state().containers).toEqual([OTHER_STACK, HAND_MADE]);
    expect(state().networks).toEqual([]);
  });

  it("removes what this run started, and nothing with its name that it did not: a stranger holding the name stays", async () => {
    seed([{ ...HAND_MADE, name: "api-rehearsal-7" }], []);
    expect((await run(server.start)).code).not.toBe(0);
    expect((await run(server.stopRun)).code).toBe(0);
    expect((await run(server.remove)).code).toBe(0);
    expect(state().containers).toEqual([{ ...HAND_MADE, name: "api-rehearsal-7" }]);
    // Its network was made before the name clash: it carries the marks, so it goes.
    expect(state().networks).toEqual([]);
  });

  it("stops the run in flight and removes the server and its network after a normal start", async () => {
    seed([REAL_DATABASE], []);
    await run(server.start);
    const runContainer = { name: "api-rehearsal-7-run", labels: marks("bluegreen/local", "7") };
    writeFileSync(stateFile, JSON.stringify({ ...state(), containers: [...state().containers, runContainer] }));
    await run(server.stopRun);
    expect(state().containers.map((c) => c.name)).toEqual(["api-postgres", "api-rehearsal-7"]);
    await run(server.remove);
    expect(state().containers).toEqual([REAL_DATABASE]);
    expect(state().networks).toEqual([]);
  });
});
