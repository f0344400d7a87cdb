/**
 * The rehearsal's scratch server on Docker: a Postgres container of its own
 * on an `--internal` network created for the run (no route to the stack's
 * network, the host or anywhere else), its data on a tmpfs, the snapshot
 * volume mounted read-only; the migration and the checks run in a container
 * attached to that network alone. Everything is labelled with the
 * rehearsal's marks (purpose, stack, app, migration version), and every
 * removal filters on them: a container or network named like a scratch copy
 * without them is reported, never touched. Pure argv builders.
 */
import { DOCKER_LABELS, STEP_PURPOSES } from "../contracts/markers";
import { rehearsalPrefix } from "../rehearsal";
import { dockerRunArgs, shQuote } from "./postgresScripts";
import type { ScratchServer } from "./rehearsalScripts";

export interface DockerScratchArgs {
  readonly app: string;
  /** `<project>/<stack>`: whose rehearsal it is. */
  readonly stack: string;
  readonly migrationVersion: string;
  /** The scratch name (rehearsalName): the server's container name and its database. */
  readonly scratch: string;
  /** The Postgres image of the real server, so the copy runs the same version. */
  readonly postgresImage: string;
  /** The snapshot volume and the dump's path inside it. */
  readonly snapshotVolume: string;
  readonly snapshotFile: string;
  readonly snapshotDir: string;
}

/** The marks, as `docker --filter` and `--label` arguments; `withVersion` for this run's own. */
function marks(args: DockerScratchArgs, withVersion: boolean): Record<string, string> {
  return {
    [DOCKER_LABELS.purpose]: STEP_PURPOSES.rehearsal,
    [DOCKER_LABELS.stack]: args.stack,
    [DOCKER_LABELS.app]: args.app,
    ...(withVersion ? { [DOCKER_LABELS.migration]: args.migrationVersion } : {}),
  };
}

const flags = (flag: string, values: Record<string, string>) =>
  Object.entries(values).flatMap(([key, value]) => [flag, `${key}=${value}`]);
const words = (list: readonly string[]) => list.map(shQuote).join(" ");

/** The network of a run: one per scratch server. */
export function scratchNetwork(scratch: string): string {
  return `${scratch}-net`;
}

/** The container the migration and each check run in, one at a time. */
export function scratchRunName(scratch: string): string {
  return `${scratch}-run`;
}

export function dockerScratchServer(args: DockerScratchArgs): ScratchServer {
  const own = marks(args, true);
  const stackWide = marks(args, false);
  const network = scratchNetwork(args.scratch);
  return {
    start: [
      "sh",
      "-c",
      [
        "set -e",
        `docker network create --internal ${words(flags("--label", own))} ${shQuote(network)}`,
        [
          "docker run -d",
          `--name ${shQuote(args.scratch)} --network ${shQuote(network)}`,
          words(flags("--label", own)),
          "--tmpfs /var/lib/postgresql/data",
          `-v ${shQuote(`${args.snapshotVolume}:${args.snapshotDir}:ro`)}`,
          "-e POSTGRES_PASSWORD -e POSTGRES_HOST_AUTH_METHOD=scram-sha-256",
          shQuote(args.postgresImage),
          "-c password_encryption=scram-sha-256",
        ].join(" "),
      ].join("\n"),
    ],
    admin: ["docker", "exec", "-i", "--user", "postgres", args.scratch, "psql", "--dbname=postgres"],
    restore: [
      "docker",
      "exec",
      "--user",
      "postgres",
      args.scratch,
      "pg_restore",
      "--single-transaction",
      "--exit-on-error",
      `--dbname=${args.scratch}`,
      args.snapshotFile,
    ],
    stopRun: ["sh", "-c", removeContainers(own, scratchRunName(args.scratch))],
    remove: [
      "sh",
      "-c",
      `${removeContainers(own)}\n${listWith("network ls", own)} | while IFS= read -r n; do docker network rm "$n" >/dev/null; done`,
    ],
    leftovers: ["sh", "-c", `${listWith("ps -a", stackWide)}\n${listWith("network ls", stackWide)}`],
    removeLeftover: [
      "sh",
      "-c",
      [
        "name=$1",
        `if ${listWith("ps -a", stackWide)} | grep -qx "$name"; then docker rm -f -v "$name" >/dev/null; fi`,
        `if ${listWith("network ls", stackWide)} | grep -qx "$name"; then docker network rm "$name" >/dev/null; fi`,
      ].join("\n"),
      "remove-leftover",
    ],
    strangers: ["sh", "-c", strangersScript(args, stackWide)],
    host: args.scratch,
    port: 5432,
  };
}

/** `docker <what> --filter label=k=v ... --format '{{.Name(s)}}'`: names carrying every mark. */
function listWith(what: "ps -a" | "network ls", labels: Record<string, string>): string {
  const filters = Object.entries(labels).map(([key, value]) => `--filter ${shQuote(`label=${key}=${value}`)}`);
  const format = what === "ps -a" ? "{{.Names}}" : "{{.Name}}";
  return `docker ${what} ${filters.join(" ")} --format ${shQuote(format)}`;
}

/** Force-removes the containers carrying the marks (and, given, that name only). */
function removeContainers(labels: Record<string, string>, name?: string): string {
  const only = name === undefined ? "" : ` | grep -x ${shQuote(name)}`;
  return `${listWith("ps -a", labels)}${only} | while IFS= read -r c; do docker rm -f -v "$c" >/dev/null; done`;
}

/** Containers and networks whose name starts with the scratch prefix but that do not carry this stack's marks. */
function strangersScript(args: DockerScratchArgs, stackWide: Record<string, string>): string {
  const prefix = rehearsalPrefix(args.app);
  const named = (what: "ps -a" | "network ls") =>
    `docker ${what} --format ${shQuote(what === "ps -a" ? "{{.Names}}" : "{{.Name}}")} | grep ${shQuote(`^${prefix}`)} || true`;
  return [
    `ours=$( { ${listWith("ps -a", stackWide)}; ${listWith("network ls", stackWide)}; } )`,
    `{ ${named("ps -a")}; ${named("network ls")}; } | while IFS= read -r n; do`,
    '  printf \'%s\\n\' "$ours" | grep -qx "$n" || printf \'%s\\n\' "$n"',
    "done",
  ].join("\n");
}

/** The migration's or a check's container: attached to the scratch network alone, labelled, named for stopRun. */
export function dockerScratchRun(
  args: DockerScratchArgs,
  image: string,
  envNames: readonly string[],
  command: readonly string[],
): string[] {
  return dockerRunArgs({
    image,
    network: scratchNetwork(args.scratch),
    volumes: [],
    envNames,
    command,
    name: scratchRunName(args.scratch),
    labels: marks(args, true),
  });
}
