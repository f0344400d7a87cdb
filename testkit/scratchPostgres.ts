/**
 * The rehearsal's scratch server as tests run it, with no Docker engine: a
 * real Postgres cluster of the installed version, started by the rehearsal
 * script itself in a directory under `base`, listening on a unix socket in
 * that directory only (no TCP), its marks in a file beside it; and every
 * migration or check run in a network namespace of its own (`unshare -n`),
 * where no address reaches the real test server. That stands for the
 * platform's `--internal` Docker network (components/docker/scratchServer.ts):
 * the scratch socket is the one way to a database. Removal, leftovers and
 * strangers follow the marks file, as Docker follows labels.
 */
import { join } from "node:path";
import { shQuote } from "../components/docker/postgresScripts";
import type { ScratchServer } from "../components/docker/rehearsalScripts";
import { rehearsalPrefix } from "../components/rehearsal";
import { PG_BIN } from "./postgres";

export interface LocalScratchArgs {
  /** Directory the scratch servers live under (like Docker's set of containers). */
  readonly base: string;
  readonly app: string;
  readonly stack: string;
  readonly migrationVersion: string;
  readonly scratch: string;
  /** The snapshot dump, readable by the OS user postgres. */
  readonly dumpFile: string;
}

/** The marks line a server carries: stack-wide part first, so a prefix match finds every version. */
function marks(args: LocalScratchArgs, withVersion: boolean): string {
  const stackWide = `purpose=migration-rehearsal stack=${args.stack} app=${args.app}`;
  return withVersion ? `${stackWide} migration=${args.migrationVersion}` : stackWide;
}

const asPostgres = (bin: string) => `runuser -u postgres -- ${shQuote(join(PG_BIN, bin))}`;
const PORT = 5432;

export function localScratchServer(args: LocalScratchArgs): ScratchServer {
  const dir = join(args.base, args.scratch);
  const own = marks(args, true);
  const stackWide = marks(args, false);
  const stop = (d: string) => `${asPostgres("pg_ctl")} -D "${d}/data" -m immediate stop >/dev/null 2>&1 || true`;
  const carries = (line: string, d: string) => `grep -q ${shQuote(`^${line}`)} "${d}/marks" 2>/dev/null`;
  return {
    start: [
      "sh",
      "-c",
      [
        "set -e",
        `dir=${shQuote(dir)}`,
        'mkdir "$dir"',
        'chown postgres "$dir"',
        `${asPostgres("initdb")} -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null`,
        // The superuser through the socket as the OS user postgres (docker exec --user postgres); everyone else by password.
        `printf '%s\\n' 'local all postgres trust' 'local all all scram-sha-256' > "$dir/data/pg_hba.conf"`,
        `printf '%s\\n' ${shQuote(own)} > "$dir/marks"`,
        `${asPostgres("pg_ctl")} -D "$dir/data" -w -o "-c listen_addresses='' -k $dir -p ${PORT} -c password_encryption=scram-sha-256" -l "$dir/log" start >/dev/null`,
      ].join("\n"),
    ],
    admin: [
      "runuser",
      "-u",
      "postgres",
      "--",
      join(PG_BIN, "psql"),
      `--host=${dir}`,
      `--port=${PORT}`,
      "--username=postgres",
      "--dbname=postgres",
    ],
    restore: [
      "runuser",
      "-u",
      "postgres",
      "--",
      join(PG_BIN, "pg_restore"),
      `--host=${dir}`,
      `--port=${PORT}`,
      "--username=postgres",
      "--single-transaction",
      "--exit-on-error",
      `--dbname=${args.scratch}`,
      args.dumpFile,
    ],
    stopRun: ["true"],
    remove: ["sh", "-c", `d=${shQuote(dir)}\nif ${carries(own, "$d")}; then ${stop("$d")}; rm -rf "$d"; fi`],
    leftovers: [
      "sh",
      "-c",
      `for d in ${shQuote(args.base)}/*; do [ -d "$d" ] || continue; if ${carries(stackWide, "$d")}; then basename "$d"; fi; done`,
    ],
    removeLeftover: [
      "sh",
      "-c",
      `d=${shQuote(args.base)}/$1\nif ${carries(stackWide, "$d")}; then ${stop("$d")}; rm -rf "$d"; fi`,
      "remove-leftover",
    ],
    strangers: [
      "sh",
      "-c",
      `for d in ${shQuote(args.base)}/${rehearsalPrefix(args.app)}*; do [ -d "$d" ] || continue; ${carries(stackWide, "$d")} || basename "$d"; done`,
    ],
    host: dir,
    port: PORT,
  };
}

/** A migration or check as the rehearsal runs it here: in a network namespace where only the scratch socket leads anywhere. */
export function isolatedRun(command: readonly string[]): string[] {
  return ["unshare", "-n", ...command];
}
