/**
 * The real Pulumi engine for tests: the `pulumi` CLI and its Node.js
 * language host built from Go modules (testkit/engine/install.sh), run on a
 * copy of this project with a local file backend, a passphrase and the fake
 * cloud (testkit/fakeCloud: provider plugins, a docker CLI). Real engine,
 * fake cloud: every test that uses this says so.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POLICY_PACK_DIR, PROJECT_DIR } from "../tooling/paths";
import { installFakeProviders } from "./fakeCloud/plugins";
import { CliResult, runCollecting } from "./processes";
import { claimProjectRoot } from "./projectRoots";

export type { CliResult } from "./processes";

const ENGINE_VERSION = "v3.248.0";
/** The system directories every test CLI's PATH ends with. */
export const SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin"];

/**
 * A test CLI's hermetic environment under `root`: its own HOME and Pulumi home with the fake provider
 * plugins, a file backend, a passphrase, no update checks, plugin downloads or ambient plugins.
 */
export function fakeCloudCliEnv(root: string, pathDirs: readonly string[]): Record<string, string> {
  const home = path.join(root, "pulumi-home");
  installFakeProviders(home);
  const state = path.join(root, "state");
  fs.mkdirSync(state);
  return {
    PATH: pathDirs.join(":"),
    HOME: root,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "real-engine-fake-cloud",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
  };
}

/** Where install.sh put the CLI; BLUEGREEN_ENGINE_BIN overrides. Throws, saying how to build it, when it is missing. */
export function engineBinDir(): string {
  const home =
    process.env.BLUEGREEN_ENGINE_HOME ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "bluegreen", "engine", ENGINE_VERSION);
  const dir = process.env.BLUEGREEN_ENGINE_BIN ?? path.join(home, "bin");
  if (!fs.existsSync(path.join(dir, "pulumi"))) {
    throw new Error(
      `no Pulumi CLI in ${dir}: build it with testkit/engine/install.sh (the README's test command does), or set BLUEGREEN_ENGINE_BIN`,
    );
  }
  return dir;
}

export interface EngineProject {
  /** The project copy the CLI runs in. */
  readonly dir: string;
  /** The environment every command runs with (PATH, PULUMI_HOME, backend, passphrase...). */
  readonly env: Record<string, string>;
  /** `pulumi <args>` in the project; resolves whatever the exit code. */
  pulumi(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /** `npm run <script> -- <args>` on the copy (needs `commands: true`), with the same environment. */
  command(script: string, args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /**
   * Starts `npm run <script> -- <args>` as a terminal starts a foreground job:
   * in a process group of its own, so `interrupt()` reaches the whole group as Ctrl-C does.
   */
  start(script: string, args: readonly string[], env?: Record<string, string>): RunningCommand;
  /** Like pulumi(), but rejects with the whole output unless it exits 0. */
  ok(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /**
   * `pulumi config set-all --path` of every pair at once (what one `config set --path` per pair writes,
   * in one CLI start instead of one each); `secret` marks them all `--secret`.
   */
  setConfig(
    stack: string,
    pairs: readonly (readonly [string, string])[],
    options?: { secret?: boolean },
  ): Promise<void>;
  /** `pulumi config rm-all --path` of every key at once. */
  removeConfig(stack: string, keys: readonly string[]): Promise<void>;
  /** Replaces the program (index.ts and components/) with another version's, e.g. an earlier commit's. */
  useProgram(files: Readonly<Record<string, string>>): void;
  remove(): void;
}

export interface RunningCommand {
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once a line of stdout or stderr matches. */
  waitFor(pattern: RegExp): Promise<void>;
  /** SIGINT to the whole process group, as a terminal's Ctrl-C. */
  interrupt(): void;
  readonly done: Promise<CliResult>;
}

/** Files of this project the CLI needs: the program, the stack files and the policy pack. */
const PROGRAM = ["index.ts", "components"];
const PROJECT_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json"];
/** The commands (`npm run deploy`...) and what they import, for tests that run them on the copy. */
const COMMANDS = ["scripts", "tooling"];

export interface EngineProjectOptions {
  /** Also copy scripts/ and tooling/, so the project's commands run on the copy. @default false */
  readonly commands?: boolean;
  /** Without the engine: only the offline commands (`plan`, `status --offline`) run on the copy. @default true */
  readonly engine?: boolean;
}

/**
 * A copy of this project (program, stack files, policy pack; node_modules
 * linked) with its own Pulumi home, backend and fake providers, so tests
 * never touch the repository's stack files or the user's Pulumi setup.
 */
export function createEngineProject(options: EngineProjectOptions = {}): EngineProject {
  const { root, release } = claimProjectRoot("bluegreen-engine");
  const dir = path.join(root, "project");
  fs.mkdirSync(dir);
  for (const file of [
    ...PROJECT_FILES,
    ...PROGRAM,
    ...(options.commands ? COMMANDS : []),
    ...fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)),
  ]) {
    fs.cpSync(path.join(PROJECT_DIR, file), path.join(dir, file), { recursive: true });
  }
  fs.cpSync(POLICY_PACK_DIR, path.join(dir, "policies"), {
    recursive: true,
    filter: (source) => !source.includes("node_modules"),
  });
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  const env: Record<string, string> = {
    ...fakeCloudCliEnv(root, [
      ...(options.engine === false ? [] : [engineBinDir()]),
      path.join(__dirname, "fakeCloud", "bin"),
      path.dirname(process.execPath),
      ...SYSTEM_PATH,
    ]),
    // Type-checking is `npm run build`'s job; the engine runs the program transpile-only, as fast as it can.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // The fake ECS endpoint answers on loopback; the SDK wants some credentials to sign with.
    AWS_ACCESS_KEY_ID: "AKIDFAKECLOUD",
    AWS_SECRET_ACCESS_KEY: "fake-cloud-secret",
    AWS_REGION: "eu-west-1",
  };
  const run = (file: string, args: readonly string[], extra: Record<string, string>) =>
    runCollecting(file, args, dir, { ...env, ...extra });
  const pulumi = (args: readonly string[], extra: Record<string, string> = {}) =>
    run(path.join(engineBinDir(), "pulumi"), ["--non-interactive", ...args], extra);
  return {
    dir,
    env,
    pulumi,
    command(script, args, extra = {}) {
      if (!options.commands) throw new Error("createEngineProject({ commands: true }) copies the commands");
      return run(process.execPath, [require.resolve("tsx/cli"), path.join(dir, "scripts", `${script}.ts`), ...args], {
        INIT_CWD: dir,
        ...extra,
      });
    },
    start(script, args, extra = {}) {
      if (!options.commands) throw new Error("createEngineProject({ commands: true }) copies the commands");
      const child = spawn(
        process.execPath,
        [require.resolve("tsx/cli"), path.join(dir, "scripts", `${script}.ts`), ...args],
        { cwd: dir, env: { ...env, INIT_CWD: dir, ...extra }, stdio: ["ignore", "pipe", "pipe"], detached: true },
      );
      let stdout = "";
      let stderr = "";
      const waiters: { pattern: RegExp; resolve: () => void }[] = [];
      const check = () => {
        for (const waiter of [...waiters]) {
          if (!waiter.pattern.test(stdout) && !waiter.pattern.test(stderr)) continue;
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      };
      child.stdout.on("data", (chunk) => ((stdout += chunk), check()));
      child.stderr.on("data", (chunk) => ((stderr += chunk), check()));
      const done = new Promise<CliResult>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
      return {
        stdout: () => stdout,
        stderr: () => stderr,
        waitFor: (pattern) =>
          new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            check();
            void done.then((result) =>
              reject(new Error(`exited ${result.code} before ${pattern}:\n${result.stdout}\n${result.stderr}`)),
            );
          }),
        interrupt: () => process.kill(-child.pid!, "SIGINT"),
        done,
      };
    },
    async ok(args, extra) {
      const result = await pulumi(args, extra);
      if (result.code !== 0)
        throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
      return result;
    },
    async setConfig(stack, pairs, options = {}) {
      if (pairs.length === 0) return;
      const flag = options.secret ? "--secret" : "--plaintext";
      await this.ok([
        "config",
        "set-all",
        "--stack",
        stack,
        "--path",
        ...pairs.flatMap(([k, v]) => [flag, `${k}=${v}`]),
      ]);
    },
    async removeConfig(stack, keys) {
      if (keys.length > 0) await this.ok(["config", "rm-all", "--stack", stack, "--path", ...keys]);
    },
    useProgram(files) {
      for (const entry of PROGRAM) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
    },
    remove: release,
  };
}

/** The program (index.ts and components/) as it was at `commit`, file → text. */
export function programAt(commit: string): Record<string, string> {
  const git = (args: string[]) =>
    spawnSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const listed = git(["ls-tree", "-r", "--name-only", commit, "--", ...PROGRAM]);
  if (listed.status !== 0) {
    throw new Error(
      `git ls-tree ${commit}: ${listed.stderr}(this test needs the project's history: a full clone, not a shallow one)`,
    );
  }
  return Object.fromEntries(
    listed.stdout
      .trim()
      .split("\n")
      .map((file) => [file, git(["show", `${commit}:${file}`]).stdout]),
  );
}

/** The steps of `pulumi preview --json` (or `up --json`). */
export interface EngineStep {
  readonly op: string;
  readonly urn: string;
  readonly type?: string;
  readonly newState?: {
    type: string;
    parent?: string;
    inputs?: Record<string, unknown>;
    dependencies?: string[];
    custom?: boolean;
  };
  readonly detailedDiff?: Record<string, unknown>;
}

export function previewSteps(stdout: string): EngineStep[] {
  return (JSON.parse(stdout) as { steps?: EngineStep[] }).steps ?? [];
}
