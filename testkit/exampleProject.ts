/**
 * The multi-language examples (examples/yaml, examples/python) under the real
 * engine with the fake cloud: a copy of the example whose relative paths to
 * the provider (`packages`, `plugins.providers`) are made absolute, its own
 * Pulumi home with the fake plugins, a file backend, and the CLI and the
 * YAML/Python language hosts from testkit/engine/install.sh.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { fakeCloudCliEnv, SYSTEM_PATH } from "./engine";
import { CliResult, runCollecting } from "./processes";
import { claimProjectRoot } from "./projectRoots";
import { PROVIDER_DIR } from "./providerBuild";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const PYTHON_SDK_VERSION = "3.248.0";

/** Builds (or finds up to date) the CLI with the YAML and Python language hosts; returns the bin directory. */
export async function engineWithLanguages(): Promise<string> {
  const { stdout } = await run(
    "bash",
    [path.join(__dirname, "engine", "install.sh"), "--with-yaml", "--with-python", "--quiet"],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout.trim().split("\n").pop() as string;
}

/**
 * A virtualenv with the `pulumi` Python SDK of examples/python/requirements.txt,
 * cached under ~/.cache/bluegreen like the engine (PyPI is read once).
 */
export async function pythonVirtualenv(): Promise<string> {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  const venv = path.join(cache, "bluegreen", "python", `venv-pulumi-${PYTHON_SDK_VERSION}`);
  const ready = path.join(venv, ".bluegreen-ready");
  if (!fs.existsSync(ready)) {
    fs.rmSync(venv, { recursive: true, force: true });
    // Made by the python3 the engine will find: the examples' PATH ends with the same system directories.
    await run("python3", ["-m", "venv", venv], { env: { ...process.env, PATH: SYSTEM_PATH.join(":") } });
    const requirements = path.join(ROOT, "examples", "python", "requirements.txt");
    await run(path.join(venv, "bin", "pip"), ["install", "--quiet", "-r", requirements], {
      maxBuffer: 16 * 1024 * 1024,
    });
    fs.writeFileSync(ready, "");
  }
  return venv;
}

export interface ExampleProject {
  readonly dir: string;
  /** `pulumi <args>` in the copy; resolves whatever the exit code. */
  pulumi(args: readonly string[]): Promise<CliResult>;
  remove(): void;
}

export function createExampleProject(example: "yaml" | "python", bin: string, venv?: string): ExampleProject {
  const { root, release } = claimProjectRoot(`bluegreen-example-${example}`);
  const dir = path.join(root, "program");
  fs.cpSync(path.join(ROOT, "examples", example), dir, {
    recursive: true,
    filter: (source) => !/\/(venv|sdks|__pycache__)$/.test(source),
  });
  const manifest = path.join(dir, "Pulumi.yaml");
  let text = fs.readFileSync(manifest, "utf8").replaceAll("../../provider", PROVIDER_DIR);
  if (venv) text = text.replace("virtualenv: venv", `virtualenv: ${venv}`);
  fs.writeFileSync(manifest, text);
  const env: Record<string, string> = {
    ...fakeCloudCliEnv(root, [bin, path.dirname(process.execPath), ...SYSTEM_PATH]),
    // npm (the plugin's dependency install) keeps its cache in the test's HOME otherwise.
    npm_config_cache: path.join(os.homedir(), ".npm"),
  };
  const pulumi = (args: readonly string[]) => runCollecting(path.join(bin, "pulumi"), args, dir, env);
  return { dir, pulumi, remove: release };
}
