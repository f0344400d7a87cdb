/**
 * The local stack as the release engine drives it, scripted: the config of
 * Pulumi.local.yaml pointed at a test's ports (and its watch and notify
 * settings), the outputs the program exports for it, and an `up` that runs
 * the program's config rules, then the real HaproxyWeights provider through
 * Pulumi's real dynamic-provider host the way the engine does (Check with the
 * previous inputs, Diff and Update against the previous state), so the real
 * haproxy's weights move. Tags (approvals) live in memory. There is no
 * promotion gate and no container here: what it proves is the release
 * engine, its watch and its rollback on the real router.
 */
import { ConfigError } from "../components/config/issues";
import type { Color } from "../components/contracts/colors";
import type { StackOutputs } from "../components/contracts/outputs";
import { haproxyWeights, ServerWeights } from "../components/docker/haproxyConfig";
import { haproxyWeightsProvider } from "../components/docker/haproxyWeights";
import { BlueGreenConfig, parseConfig } from "../components/platforms";
import { TrafficWeights, trafficPlan } from "../components/traffic";
import { applyConfigPaths } from "../tooling/engine/configPaths";
import { encodeConfigValue, readStackConfig } from "../tooling/engine/stackFiles";
import type { ReleaseStack, StackConfigValues, UpOptions } from "../tooling/release/stack";
import { UpdateFailed } from "../tooling/release/updateFailed";
import { HAPROXY_WEIGHTS_TYPE } from "./haproxy";
import { ProviderCallError, ProviderHost, Props, serializeProvider } from "./providerHost";

/** The host ports the stack's config names: the router, its runtime API and each color's own port. */
export interface RouterStackPorts {
  readonly router: number;
  readonly admin: number;
  readonly colors: Readonly<Record<Color, number>>;
}

export interface RouterStackOptions {
  readonly host: ProviderHost;
  readonly ports: RouterStackPorts;
  /** The traffic weights of the first update (the stack as deployed before the release). */
  readonly deployed: TrafficWeights;
  /** Config set over the stack file's (full keys, objects as values), e.g. `bluegreen:watch`. @default none */
  readonly overrides?: Record<string, unknown>;
  /** Called as soon as an update's weights are applied (the provider's Update returned). @default none */
  readonly onApplied?: (update: AppliedUpdate) => void;
  /**
   * Where each config read and write is also made, and waited for, so it takes the time it takes a command: the
   * real `pulumi` CLI through the Automation API (testkit/cliConfig.ts). The values stay this stack's. @default none
   */
  readonly alsoThrough?: Pick<ReleaseStack, "readConfig" | "setConfig">;
}

/** One successful `up`. */
export interface AppliedUpdate {
  /** The update message (it carries the release record). */
  readonly message: string;
  /** False for a rollback: the policy pack was not run. */
  readonly policies: boolean;
  readonly traffic: TrafficWeights;
  /** What HAProxy reported after the change; undefined when the provider saw nothing to change. */
  readonly applied?: ServerWeights;
  /** performance.now() when the weights were applied and read back. */
  readonly at: number;
}

/** The provider's resource as the engine keeps it in the state: inputs and outputs of the last update. */
interface ResourceState {
  readonly id: string;
  readonly inputs: Props;
  readonly outs: Props;
}

const STACK = "local";

export class RouterStack implements ReleaseStack {
  readonly name = STACK;
  /** Every successful update, in order. */
  readonly updates: AppliedUpdate[] = [];
  private readonly tags = new Map<string, string>();
  private raw: Record<string, string>;
  private outputs: StackOutputs | undefined;
  private resource: ResourceState | undefined;

  private constructor(
    private readonly options: RouterStackOptions,
    private readonly providerText: string,
  ) {
    const file = readStackConfig(STACK).values;
    const overrides: Record<string, unknown> = {
      "bluegreen:docker": {
        ...JSON.parse(file["bluegreen:docker"] ?? "{}"),
        routerPort: options.ports.router,
        adminPort: options.ports.admin,
        colorPorts: options.ports.colors,
      },
      "bluegreen:traffic": { ...JSON.parse(file["bluegreen:traffic"] ?? "{}"), ...options.deployed },
      ...options.overrides,
    };
    this.raw = { ...file };
    for (const [key, value] of Object.entries(overrides)) this.raw[key] = encodeConfigValue(value);
  }

  /** The stack after its first `pulumi up` (Check and Create): the router runs the `deployed` weights. */
  static async deploy(options: RouterStackOptions): Promise<RouterStack> {
    const stack = new RouterStack(options, await serializeProvider(haproxyWeightsProvider));
    await stack.up({ message: "first deployment", policies: true, onOutput: () => undefined });
    return stack;
  }

  /** The stack's config as the program reads it. */
  config(): BlueGreenConfig {
    return parseConfig(this.raw, this.name);
  }

  async readConfig(): Promise<StackConfigValues> {
    await this.options.alsoThrough?.readConfig();
    return { values: { ...this.raw }, secretKeys: [] };
  }

  async readOutputs(): Promise<Record<string, unknown> | undefined> {
    return this.outputs === undefined ? undefined : structuredClone(this.outputs);
  }

  async setConfig(values: Record<string, string>): Promise<void> {
    await this.options.alsoThrough?.setConfig(values);
    this.raw = applyConfigPaths(this.raw, values);
  }

  async up(options: UpOptions): Promise<void> {
    if (options.signal?.aborted) throw new UpdateFailed("code: 255\n stderr: error: update canceled\n", []);
    let config: BlueGreenConfig;
    try {
      config = this.config();
    } catch (e) {
      if (e instanceof ConfigError) throw new UpdateFailed(`code: 255\n stderr: error: ${e.message}\n`, []);
      throw e;
    }
    const news: Props = {
      admin: { address: "127.0.0.1", port: config.docker.adminPort },
      backend: config.app.name,
      weights: haproxyWeights(config.traffic),
    };
    let applied: ServerWeights | undefined;
    try {
      applied = await this.applyRouterWeights(news);
    } catch (e) {
      if (!(e instanceof ProviderCallError)) throw e;
      throw new UpdateFailed(`code: 255\n stderr: error: ${e.details}\n`, []);
    }
    const at = performance.now();
    const traffic = { blue: config.traffic.blue, green: config.traffic.green };
    this.outputs = programOutputs(config);
    const update = { message: options.message, policies: options.policies, traffic, applied, at };
    this.updates.push(update);
    this.options.onApplied?.(update);
  }

  /** Check, then Create (first update) or Diff and Update, as the engine calls the provider; what HAProxy runs after. */
  private async applyRouterWeights(news: Props): Promise<ServerWeights | undefined> {
    const { host } = this.options;
    const previous = this.resource;
    const checked = await host.check(HAPROXY_WEIGHTS_TYPE, this.providerText, previous?.inputs ?? {}, news);
    if (checked.failures.length > 0) {
      const failures = checked.failures.map((f) => `${f.property} ${f.reason}`).join("; ");
      throw new UpdateFailed(`code: 255\n stderr: error: ${failures}\n`, []);
    }
    if (previous === undefined) {
      const created = await host.create(HAPROXY_WEIGHTS_TYPE, this.providerText, checked.inputs);
      this.resource = { id: created.id, inputs: checked.inputs, outs: created.outs };
      return created.outs.weights as ServerWeights;
    }
    const diff = await host.diff(HAPROXY_WEIGHTS_TYPE, this.providerText, previous.id, previous.outs, checked.inputs);
    if (diff.changes === "none") return undefined;
    const outs = await host.update(HAPROXY_WEIGHTS_TYPE, this.providerText, previous.id, previous.outs, checked.inputs);
    this.resource = { id: previous.id, inputs: checked.inputs, outs };
    return outs.weights as ServerWeights;
  }

  async getTag(key: string): Promise<string | undefined> {
    return this.tags.get(key);
  }

  async setTag(key: string, value: string): Promise<void> {
    this.tags.set(key, value);
  }

  async removeTag(key: string): Promise<void> {
    this.tags.delete(key);
  }
}

/** The outputs the program exports for a docker stack with this config (index.ts, components/docker). */
export function programOutputs(config: BlueGreenConfig): StackOutputs {
  if (config.platform !== "docker") throw new Error(`a router stack is a docker stack, not ${config.platform}`);
  const plan = trafficPlan(config.traffic);
  const { colorPorts, routerPort } = config.docker;
  const probeUrl = (color: Color) => `http://127.0.0.1:${colorPorts[color]}${config.app.healthPath}`;
  return {
    url: `http://127.0.0.1:${routerPort}`,
    platform: config.platform,
    primaryColor: plan.primary,
    weights: plan.weights,
    trafficPercent: plan.percent,
    versions: { blue: config.blue.version, green: config.green.version },
    ...(config.migration === undefined ? {} : { migrationVersion: config.migration.version }),
    probeUrls: { blue: probeUrl("blue"), green: probeUrl("green") },
    trafficRoute: {
      kind: "haproxy",
      admin: { address: "127.0.0.1", port: config.docker.adminPort },
      backend: config.app.name,
    },
  };
}
