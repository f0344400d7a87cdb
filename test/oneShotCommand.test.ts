import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../components/contracts/resourceTypes";
import { OneShotCommand, oneShotCommandProvider } from "../components/oneShotCommand";
import {
  validateOneShotInputs,
  tailLines,
  redactEnv,
  oneShotChanges,
  failureMessage,
} from "../components/oneShotOutcome";
import { providerFailure } from "../testkit/providerFailure";
import { ProviderHost, serializeProvider } from "../testkit/providerHost";

const TYPE = DYNAMIC_TYPES.oneShotCommand.token;
const VALID = {
  description: "snapshot api-pre-42",
  command: ["true"],
  env: { A: "b" } as Record<string, string>,
  timeoutSeconds: 60,
  runKey: "42",
};

describe("OneShotCommand pure decisions", () => {
  it("accepts valid inputs, and values unknown during preview", () => {
    const unknown = require("@pulumi/pulumi/runtime/rpc").unknownValue;
    expect(validateOneShotInputs(VALID)).toEqual([]);
    expect(
      validateOneShotInputs({
        description: unknown,
        command: unknown,
        env: unknown,
        timeoutSeconds: unknown,
        runKey: unknown,
      }),
    ).toEqual([]);
    expect(validateOneShotInputs({ ...VALID, command: ["psql", unknown], env: { PGPASSWORD: unknown } })).toEqual([]);
  });

  it("rejects an empty argv, an out-of-range timeout, blank keys and non-string env, saying what was given", () => {
    expect(validateOneShotInputs({ ...VALID, command: [] })).toEqual([
      { property: "command", reason: "command must be a non-empty argv array with a program first, got []" },
    ]);
    expect(validateOneShotInputs({ ...VALID, command: ["sh", 3] })).toEqual([
      { property: "command", reason: "every command argument must be a string (argv is run without a shell)" },
    ]);
    for (const timeoutSeconds of [0, 86_401, 1.5, "60"]) {
      expect(validateOneShotInputs({ ...VALID, timeoutSeconds })).toEqual([
        {
          property: "timeoutSeconds",
          reason: `timeoutSeconds must be a whole number from 1 to 86400, got ${JSON.stringify(timeoutSeconds)}`,
        },
      ]);
    }
    expect(validateOneShotInputs({ ...VALID, timeoutSeconds: 86_400 })).toEqual([]);
    expect(validateOneShotInputs({ ...VALID, description: " ", runKey: "" }).map((f) => f.property)).toEqual([
      "description",
      "runKey",
    ]);
    expect(validateOneShotInputs({ ...VALID, env: { PGPORT: 5432 } })).toEqual([
      { property: "env", reason: "env values must be strings; not strings: PGPORT" },
    ]);
  });

  it("asks for a re-run only when runKey or command changes", () => {
    expect(oneShotChanges(VALID, { ...VALID, description: "other", env: { A: "c" }, timeoutSeconds: 5 })).toEqual([]);
    expect(oneShotChanges(VALID, { ...VALID, runKey: "43" })).toEqual(["runKey"]);
    expect(oneShotChanges(VALID, { ...VALID, command: ["false"] })).toEqual(["command"]);
  });

  it("runs a migration and a snapshot once per run key, whatever their command becomes; a check or a rehearsal again when its command changes", () => {
    for (const purpose of ["migration", "pre-migration-snapshot"]) {
      const step = { ...VALID, purpose };
      expect(oneShotChanges(step, { ...step, command: ["sh", "-c", "wrapped", "migration", "true"] })).toEqual([]);
      expect(oneShotChanges(step, { ...step, runKey: "43" })).toEqual(["runKey"]);
    }
    for (const purpose of ["migration-validation", "migration-rehearsal"]) {
      const step = { ...VALID, purpose };
      expect(oneShotChanges(step, { ...step, command: ["false"] })).toEqual(["command"]);
    }
  });

  it("keeps the last lines, cut to a readable width", () => {
    const thirty = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\r\n") + "\r\n\r\n";
    expect(tailLines(thirty, 3)).toBe("line 28\nline 29\nline 30");
    expect(tailLines(`${"x".repeat(600)}\nend`, 20)).toBe(`${"x".repeat(500)}...\nend`);
  });

  it("redacts env values longest first and leaves values too short to be secrets", () => {
    const env = { PGPASSWORD: "pass-word-long", PREFIX: "pass", PGPORT: "54" };
    expect(redactEnv("auth pass-word-long via pass on 54", env)).toBe("auth <env:PGPASSWORD> via <env:PREFIX> on 54");
  });

  it("words each failure with the observed outcome, the limit and the fix", () => {
    const base = {
      description: "migrate 43",
      exitCode: null,
      signal: null,
      timedOut: false,
      killedAfterGrace: false,
      timeoutSeconds: 60,
      durationMs: 1234,
      outputTail: "ERROR: boom",
    };
    expect(failureMessage({ ...base, exitCode: 3 })).toBe(
      "migrate 43: exited with code 3 (expected 0) after 1.2 s. Last 20 lines of output:\nERROR: boom\n" +
        "Fix: fix the cause shown in the output and run `pulumi up` again; it re-runs because this run did not complete.",
    );
    expect(failureMessage({ ...base, signal: "SIGKILL", outputTail: "" })).toContain(
      "migrate 43: was killed by signal SIGKILL after 1.2 s. Last 20 lines of output:\n(no output)\n",
    );
    expect(failureMessage({ ...base, timedOut: true, signal: "SIGTERM", durationMs: 60_010 })).toContain(
      "migrate 43: timed out: still running after the limit of timeoutSeconds=60 (stopped with SIGTERM; ran 60.0 s)",
    );
    expect(failureMessage({ ...base, timedOut: true, killedAfterGrace: true, signal: "SIGKILL" })).toContain(
      "did not stop on SIGTERM, killed with SIGKILL after 5 s grace",
    );
  });
});

describe("OneShotCommand through the real dynamic-provider host", () => {
  let host: ProviderHost;
  let text: string;
  let dir: string;

  beforeAll(async () => {
    host = await ProviderHost.start();
    text = await serializeProvider(oneShotCommandProvider);
    dir = mkdtempSync(join(tmpdir(), "bluegreen-oneshot-"));
  });
  afterAll(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const props = (overrides: Partial<typeof VALID> & { command: string[] }) => ({ ...VALID, ...overrides });

  it("serializes to a small closure that captures no Pulumi SDK", () => {
    console.log(`OneShotCommand serialized provider: ${text.length} bytes`);
    // 15.2 kB before step reports (contracts/stepReports.ts: 1.2 kB); a jump past this means a module was captured whole.
    expect(text.length).toBeLessThan(17_000);
    expect(text).not.toMatch(/require\("@pulumi/);
  });

  it("returns check failures through the host", async () => {
    const result = await host.check(TYPE, text, {}, { ...VALID, command: [], timeoutSeconds: 0 });
    expect(result.failures.map((f) => f.property)).toEqual(["command", "timeoutSeconds"]);
  });

  it("diffs to no change for the same runKey and command, and to an in-place update otherwise", async () => {
    const olds = { ...VALID, exitCode: 0 };
    expect(
      await host.diff(TYPE, text, "id", olds, {
        ...VALID,
        description: "renamed",
        env: { A: "rotated" },
        timeoutSeconds: 5,
      }),
    ).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await host.diff(TYPE, text, "id", olds, { ...VALID, runKey: "43" })).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await host.diff(TYPE, text, "id", olds, { ...VALID, command: ["false"] })).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("GIVEN a secret in env WHEN the command echoes it THEN it ran with it, and outs hold neither env nor the value", async () => {
    const secret = "s3cr3t-token-value";
    const { id, outs } = await host.create(
      TYPE,
      text,
      props({ command: ["sh", "-c", 'echo "token=$TOKEN"; echo done >&2'], env: { TOKEN: secret } }),
    );
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(outs).sort()).toEqual([
      "command",
      "description",
      "durationMs",
      "exitCode",
      "finishedAt",
      "outputTail",
      "runKey",
      "startedAt",
    ]);
    expect(outs).toMatchObject({
      description: "snapshot api-pre-42",
      runKey: "42",
      exitCode: 0,
      outputTail: "token=<env:TOKEN>\ndone",
    });
    expect(outs.command).toEqual(["sh", "-c", 'echo "token=$TOKEN"; echo done >&2']);
    expect(Date.parse(outs.finishedAt as string) - Date.parse(outs.startedAt as string)).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(outs)).not.toContain(secret);
  });

  it("re-runs the command on update (new runKey) and does nothing on delete", async () => {
    const marker = join(dir, "runs.txt");
    const command = ["sh", "-c", `echo run >> '${marker}'`];
    const { id, outs } = await host.create(TYPE, text, props({ command, runKey: "1" }));
    const updated = await host.update(TYPE, text, id, outs, props({ command, runKey: "2" }));
    expect(updated.runKey).toBe("2");
    await host.delete(TYPE, text, id, updated);
    expect(readFileSync(marker, "utf8")).toBe("run\nrun\n");
  });

  it("GIVEN a non-zero exit THEN the error carries description, exit code, duration and the last 20 lines", async () => {
    const script = 'for i in $(seq 1 30); do echo "line $i"; done; echo "fatal: disk full" >&2; exit 7';
    const error = await providerFailure(
      host.create(TYPE, text, props({ description: "migrate 43", command: ["sh", "-c", script] })),
    );
    const lastLines = [...Array.from({ length: 19 }, (_, i) => `line ${i + 12}`), "fatal: disk full"].join("\n");
    expect(error.details).toMatch(
      /^migrate 43: exited with code 7 \(expected 0\) after \d+\.\d s\. Last 20 lines of output:\n/,
    );
    expect(error.details).toContain(`output:\n${lastLines}\nFix: `);
  });

  it("GIVEN the command is killed by a signal THEN the error names the signal", async () => {
    const error = await providerFailure(host.create(TYPE, text, props({ command: ["sh", "-c", "kill -KILL $$"] })));
    expect(error.details).toMatch(/^snapshot api-pre-42: was killed by signal SIGKILL after /);
  });

  it("GIVEN a program that does not exist THEN the error says it could not start it", async () => {
    const error = await providerFailure(host.create(TYPE, text, props({ command: ["/nonexistent/migrate"] })));
    expect(error.details).toContain(
      'snapshot api-pre-42: could not start "/nonexistent/migrate": spawn /nonexistent/migrate ENOENT',
    );
  });

  it("GIVEN a command that outlives timeoutSeconds THEN its whole process group is stopped with SIGTERM and the error comes at the limit, not before", async () => {
    const pidFile = join(dir, "sleeper.pid");
    const started = Date.now();
    const error = await providerFailure(
      host.create(
        TYPE,
        text,
        props({ command: ["sh", "-c", `echo $$ > '${pidFile}'; sleep 30 & wait`], timeoutSeconds: 1 }),
      ),
    );
    const elapsed = Date.now() - started;
    expect(error.details).toContain(
      "timed out: still running after the limit of timeoutSeconds=1 (stopped with SIGTERM; ran ",
    );
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(isAlive(pid)).toBe(false);
    // The background sleep got the group's SIGTERM too: nothing of the group is left.
    expect(await liveGroupMembers(pid)).toEqual([]);
  });

  it("GIVEN a command that ignores SIGTERM THEN it is killed with SIGKILL after the 5 s grace", async () => {
    const started = Date.now();
    const error = await providerFailure(
      host.create(TYPE, text, props({ command: ["sh", "-c", "trap '' TERM; sleep 30"], timeoutSeconds: 1 })),
    );
    const elapsed = Date.now() - started;
    expect(error.details).toContain("did not stop on SIGTERM, killed with SIGKILL after 5 s grace");
    expect(elapsed).toBeGreaterThanOrEqual(6000);
  });
});

describe("OneShotCommand resource", () => {
  it("registers as pulumi-nodejs:dynamic/bluegreen:OneShotCommand with env stored as a secret", async () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, inputs: args.inputs });
          return { id: "run-1", state: { ...args.inputs, exitCode: 0 } };
        },
        call: () => ({}),
      },
      "bluegreen",
      "test",
      true,
    );
    const run = new OneShotCommand("snap", {
      description: "snapshot api-pre-42",
      command: ["true"],
      env: { PGPASSWORD: "pw" },
      timeoutSeconds: 60,
      runKey: "42",
    });
    const exitCode = await new Promise((resolve) => run.exitCode.apply(resolve));
    expect(exitCode).toBe(0);
    expect(registered.map((r) => r.type)).toEqual([TYPE]);
    expect(Object.keys(registered[0].inputs).sort()).toEqual([
      "__provider",
      "command",
      "description",
      "env",
      "runKey",
      "timeoutSeconds",
    ]);
    // The engine receives env wrapped as a secret, so it is encrypted in state.
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    expect(registered[0].inputs.env).toEqual({
      [rpc.specialSigKey]: rpc.specialSecretSig,
      value: { PGPASSWORD: "pw" },
    });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Live (non-zombie) processes of a process group, after giving signalled members up to 1 s to exit. */
async function liveGroupMembers(pgid: number): Promise<number[]> {
  const list = () =>
    execFileSync("ps", ["-e", "-o", "pid=,pgid=,stat="], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, group, stat]) => Number(group) === pgid && Number(pid) > 0 && !stat.startsWith("Z"))
      .map(([pid]) => Number(pid));
  for (let waited = 0; waited < 1000 && list().length > 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
  return list();
}
