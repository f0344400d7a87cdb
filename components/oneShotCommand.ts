/**
 * OneShotCommand: runs a command to completion as a step of `pulumi up`, e.g.
 * the pre-migration snapshot and the migration itself. The step succeeds
 * only if the command exits 0 within its timeout; any other outcome fails
 * the deployment, so resources that depend on it (the gate, then traffic)
 * are never reached. It runs again only when `runKey` (e.g. the migration
 * version) or the command changes; a migration or a snapshot only when its
 * `runKey` does (oneShotChanges). Platform-neutral: the local platform runs
 * `docker run ...` through it, tooling runs local binaries.
 *
 * Everything the provider calls lives in this module and is captured by
 * value when Pulumi serializes the provider; Node built-ins are `require`d
 * inside the functions, so nothing from the program's imports is captured.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SchemaChange, StepPurpose } from "./contracts/markers";
import { DYNAMIC_TYPES } from "./contracts/resourceTypes";
import { stepReport } from "./contracts/stepReports";
import {
  failureMessage,
  KILL_GRACE_MS,
  oneShotChanges,
  OUTPUT_BUFFER_CHARS,
  redactEnv,
  TAIL_LINES,
  tailLines,
  validateOneShotInputs,
} from "./oneShotOutcome";

/** Plain inputs as the provider receives them. */
export interface OneShotCommandInputs {
  /** What the step is for (the plan and the policy pack recognise it by this). @default none (a generic step) */
  readonly purpose?: StepPurpose;
  readonly description: string;
  readonly command: string[];
  readonly env?: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly runKey: string;
}

/** State after a successful run. `env` is deliberately absent. */
export interface OneShotCommandOutputs {
  readonly purpose?: StepPurpose;
  readonly description: string;
  readonly runKey: string;
  readonly command: string[];
  readonly exitCode: 0;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Last lines of combined stdout/stderr, env values replaced by `<env:NAME>`. */
  readonly outputTail: string;
  /** What the command reported (a `bluegreen-report/v1` line: contracts/stepReports.ts), env values redacted. */
  readonly report?: Record<string, unknown>;
}

/** Spawns the command in its own process group, enforces the timeout, and resolves only on exit 0. */
async function runToCompletion(inputs: OneShotCommandInputs): Promise<OneShotCommandOutputs> {
  const childProcess: typeof import("node:child_process") = require("node:child_process");
  const env = inputs.env ?? {};
  const [program, ...args] = inputs.command;
  const startedAt = new Date();
  const started = process.hrtime.bigint();
  let output = "";
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_BUFFER_CHARS);
  };
  const ended = await new Promise<{
    code: number | null;
    signal: string | null;
    timedOut: boolean;
    killedAfterGrace: boolean;
  }>((resolve, reject) => {
    // detached: its own process group, so a timeout kills the whole tree (sh -c, docker, pg_dump).
    const child = childProcess.spawn(program, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    let timedOut = false;
    let killedAfterGrace = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      graceTimer = setTimeout(() => {
        killedAfterGrace = true;
        killGroup("SIGKILL");
      }, KILL_GRACE_MS);
    }, inputs.timeoutSeconds * 1000);
    const finish = (code: number | null, signal: string | null) =>
      resolve({ code, signal, timedOut, killedAfterGrace });
    child.once("error", (error) => {
      clearTimeout(timeoutTimer);
      reject(
        new Error(
          `${inputs.description}: could not start ${JSON.stringify(program)}: ${error.message}. Fix: install it or put it on the PATH of the process running pulumi`,
        ),
      );
    });
    // "close" waits for the output pipes; a background process that keeps them open must not hold the run, so give up waiting 1 s after exit.
    child.once("exit", (code, signal) => {
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      const late = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 1000);
      child.once("close", () => {
        clearTimeout(late);
        finish(code, signal);
      });
    });
  });
  const finishedAt = new Date();
  const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const outputTail = redactEnv(tailLines(output, TAIL_LINES), env);
  const report = stepReport(redactEnv(output, env));
  if (ended.timedOut || ended.code !== 0) {
    throw new Error(
      failureMessage({
        description: inputs.description,
        exitCode: ended.code,
        signal: ended.signal,
        timedOut: ended.timedOut,
        killedAfterGrace: ended.killedAfterGrace,
        timeoutSeconds: inputs.timeoutSeconds,
        durationMs,
        outputTail,
      }),
    );
  }
  return {
    ...(inputs.purpose === undefined ? {} : { purpose: inputs.purpose }),
    description: inputs.description,
    runKey: inputs.runKey,
    command: inputs.command,
    exitCode: 0,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs,
    outputTail,
    ...(report === undefined ? {} : { report }),
  };
}

/** The dynamic provider; module-level so Pulumi serializes it once. */
export const oneShotCommandProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news, failures: validateOneShotInputs(news) };
  },
  async diff(_id, olds, news) {
    const changed = oneShotChanges(olds, news);
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    const outs = await runToCompletion(inputs as OneShotCommandInputs);
    return { id: crypto.randomUUID(), outs };
  },
  async update(_id, _olds, news) {
    return { outs: await runToCompletion(news as OneShotCommandInputs) };
  },
  async delete() {
    // A migration cannot be un-run and a snapshot must outlive the release: deleting the resource only forgets the run.
  },
};

export interface OneShotCommandArgs {
  /** What the step is for, e.g. `STEP_PURPOSES.snapshot`: the plan and the policy pack recognise it by this. @default none (a generic step) */
  readonly purpose?: pulumi.Input<StepPurpose>;
  /** What runs, for logs and errors, e.g. "snapshot api-pre-42". */
  readonly description: pulumi.Input<string>;
  /** argv, run without a shell; use `["sh", "-c", script]` for a script. */
  readonly command: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Extra environment for the command, merged over the environment of the
   * process running Pulumi. Always stored as a secret; never in outputs, and
   * values of 4+ characters echoed by the command are redacted from the
   * output tail. @default {}
   */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Limit for one run, 1..86400; then SIGTERM, and SIGKILL 5 s later. */
  readonly timeoutSeconds: pulumi.Input<number>;
  /** Same key = no re-run (e.g. the migration version); a new key re-runs the command. */
  readonly runKey: pulumi.Input<string>;
  /** On a migration step: what the migration declares (`bluegreen:migration.reversible`, `.breaking`), for the pack. @default none */
  readonly schemaChange?: pulumi.Input<SchemaChange>;
}

export class OneShotCommand extends pulumi.dynamic.Resource {
  declare readonly description: pulumi.Output<string>;
  declare readonly runKey: pulumi.Output<string>;
  declare readonly command: pulumi.Output<string[]>;
  declare readonly exitCode: pulumi.Output<number>;
  declare readonly startedAt: pulumi.Output<string>;
  declare readonly finishedAt: pulumi.Output<string>;
  declare readonly durationMs: pulumi.Output<number>;
  declare readonly outputTail: pulumi.Output<string>;
  /** What the command reported (contracts/stepReports.ts); undefined when it reported nothing. */
  declare readonly report: pulumi.Output<Record<string, unknown> | undefined>;

  constructor(name: string, args: OneShotCommandArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      purpose: args.purpose,
      description: args.description,
      command: args.command,
      env: pulumi.secret(args.env ?? {}),
      timeoutSeconds: args.timeoutSeconds,
      runKey: args.runKey,
      ...(args.schemaChange === undefined ? {} : { schemaChange: args.schemaChange }),
      exitCode: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      durationMs: undefined,
      outputTail: undefined,
      report: undefined,
    };
    const { module, name: type } = DYNAMIC_TYPES.oneShotCommand;
    super(oneShotCommandProvider, name, props, opts, module, type);
  }
}
