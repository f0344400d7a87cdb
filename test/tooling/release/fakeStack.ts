/**
 * An in-memory stack for the shift engine: real stack-file config, the
 * program's real config rules (parseConfig) and the gate's real promotion
 * rule (decidePromotion) on every `up`, plus scripted probe failures. Each
 * color's gate remembers what it last let through, as the real gate's state
 * does, so a rollback is judged against what the gates actually recorded.
 */
import { parseConfig } from "../../../components/platforms";
import { decidePromotion, PreviousGate, verifiedAfter } from "../../../components/contracts/promotionRule";
import { otherColor, Color, COLORS } from "../../../components/contracts/colors";
import type { TrafficWeights } from "../../../components/traffic";
import type { EventInput } from "../../../tooling/notify/events";
import type { Breach } from "../../../tooling/watch";
import { DirectMove, describeMove } from "../../../tooling/release/dataPlane";
import { Interrupts } from "../../../tooling/release/interrupts";
import type { HoldOutcome, HoldRequest, ReleaseSession } from "../../../tooling/release/session";
import type { ReleaseStack, StackConfigValues, UpOptions } from "../../../tooling/release/stack";
import { applyConfigPaths } from "../../../tooling/engine/configPaths";
import { StackLocked, UpdateFailed } from "../../../tooling/release/updateFailed";
import { encodeConfigValue, readStackConfig } from "../../../tooling/engine/stackFiles";

export interface FakeStackOptions {
  /** TrafficWeights the stack runs (as deployed); undefined: never deployed. */
  readonly deployed: TrafficWeights | undefined;
  /** Config to change from the stack file (full keys, objects as values). */
  readonly overrides?: Record<string, unknown>;
  /** True when the gate's probe of `color` at `weight` fails. */
  readonly probeFails?: (color: Color, weight: number) => boolean;
  /** Colors that never passed their gate with what they run (deployed at weight 0 and never probed). @default none */
  readonly unverified?: readonly Color[];
  /** An engine error (not a gate's) for the n-th `up` (1-based), e.g. a locked stack. @default none */
  readonly engineFails?: (up: number) => string | undefined;
  /** Simulated duration of one `pulumi up`. @default 65_000 */
  readonly upMs?: number;
  /** Called as the n-th `up` (1-based) starts, e.g. to press Ctrl-C during it. @default none */
  readonly duringUp?: (up: number) => void;
  /** True when the n-th `up` (1-based) finds the stack locked by another update. @default never */
  readonly locked?: (up: number) => boolean;
  /** Outputs beside the ones derived from the config (e.g. `migrationVersion`, `rehearsal`). @default none */
  readonly outputs?: Record<string, unknown>;
}

export class FakeStack implements ReleaseStack {
  raw: Record<string, string>;
  deployed: TrafficWeights | undefined;
  /** What each color's gate last recorded. */
  readonly gates: Partial<Record<Color, PreviousGate>> = {};
  /** Every call, in order: `set k=v ...`, `up` (`up -policies` without the pack) or `tag k=v`. */
  readonly calls: string[] = [];
  /** Each update's message. */
  readonly messages: string[] = [];
  readonly tags = new Map<string, string>();
  /** Keys set with --secret. */
  secretKeys: string[] = [];

  constructor(
    readonly name: string,
    private readonly clock: FakeClock,
    private readonly options: FakeStackOptions,
  ) {
    const values = readStackConfig(name).values;
    this.raw = { ...values };
    for (const [key, value] of Object.entries(options.overrides ?? {})) this.raw[key] = encodeConfigValue(value);
    this.deployed = options.deployed;
    if (options.deployed !== undefined) {
      const config = parseConfig(this.raw, name);
      for (const color of COLORS) {
        const release = { version: config[color].version, image: config[color].image };
        // What each color runs passed its gate when it was deployed, unless the test says otherwise.
        this.gates[color] = {
          ...release,
          share: { weight: options.deployed[color], total: options.deployed.blue + options.deployed.green },
          ...(options.unverified?.includes(color) ? {} : { verified: release }),
        };
      }
    }
  }

  async readConfig(): Promise<StackConfigValues> {
    return { values: { ...this.raw }, secretKeys: [...this.secretKeys] };
  }

  async readOutputs(): Promise<Record<string, unknown> | undefined> {
    if (this.deployed === undefined) return undefined;
    const config = parseConfig(this.raw, this.name, this.secretKeys);
    const total = this.deployed.blue + this.deployed.green;
    return {
      platform: config.platform,
      primaryColor: this.deployed.green > this.deployed.blue ? "green" : "blue",
      weights: { ...this.deployed, total },
      trafficPercent: { blue: (100 * this.deployed.blue) / total, green: (100 * this.deployed.green) / total },
      versions: { blue: config.blue.version, green: config.green.version },
      ...this.options.outputs,
    };
  }

  async getTag(key: string): Promise<string | undefined> {
    return this.tags.get(key);
  }

  async setTag(key: string, value: string): Promise<void> {
    this.calls.push(`tag ${key}`);
    this.tags.set(key, value);
  }

  async removeTag(key: string): Promise<void> {
    this.tags.delete(key);
  }

  async setConfig(values: Record<string, string>): Promise<void> {
    this.calls.push(
      `set ${Object.entries(values)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
    this.raw = applyConfigPaths(this.raw, values);
  }

  async up(options: UpOptions): Promise<void> {
    this.calls.push(options.policies ? "up" : "up -policies");
    this.messages.push(options.message);
    this.clock.advance(this.options.upMs ?? 65_000);
    const count = this.calls.filter((call) => call.startsWith("up")).length;
    if (this.options.locked?.(count)) throw new StackLocked(this.name);
    this.options.duringUp?.(count);
    // As the CLI does on its SIGINT: the update is cancelled and fails.
    if (options.signal?.aborted) throw new UpdateFailed("code: 255\n stderr: error: update canceled\n", []);
    const engineError = this.options.engineFails?.(this.calls.filter((call) => call.startsWith("up")).length);
    if (engineError !== undefined) throw new UpdateFailed(`code: 255\n stdout: \n stderr: error: ${engineError}\n`, []);
    const config = parseConfig(this.raw, this.name, this.secretKeys);
    const total = config.traffic.blue + config.traffic.green;
    const failures: string[] = [];
    const passed: { color: Color; state: PreviousGate }[] = [];
    for (const color of COLORS) {
      const self = { version: config[color].version, image: config[color].image };
      const share = { weight: config.traffic[color], total };
      const decision = decidePromotion({
        color,
        self,
        other: { version: config[otherColor(color)].version, image: config[otherColor(color)].image },
        share,
        previous: this.gates[color],
        rollback: config.traffic.rollback,
        maxStep: config.gate.maxStep,
        allowLargeStep: config.gate.allowLargeStep,
      });
      if (decision.violations.length > 0) failures.push(...decision.violations.map((v) => `error: ${v.message}`));
      else if (decision.probe && this.options.probeFails?.(color, config.traffic[color])) {
        failures.push(
          [
            `error: Promotion gate blocked traffic to ${color} of app "api" (version ${config[color].version}, weight ${this.gates[color]?.share.weight} -> ${config.traffic[color]} of ${total}).`,
            "Failed check: HTTP status at http://10.0.0.7:8082/healthz: observed HTTP 503; limit one of [200] (gate.expectedStatus). Stopped because 3 consecutive failed rounds reached gate.failureThreshold (3).",
            "Traffic was NOT moved: the listener weights are unchanged.",
            "To retry, fix the color and run `pulumi up` again.",
          ].join("\n    "),
        );
      } else {
        const verified = verifiedAfter(self, this.gates[color], decision.probe);
        passed.push({ color, state: { ...self, share, ...(verified ? { verified } : {}) } });
      }
    }
    // Gates run side by side: the ones that passed record their new state even when another blocks the listener.
    for (const { color, state } of passed) this.gates[color] = state;
    if (failures.length > 0) {
      // As the Automation API wiring reports it: the engine's text, and each gate's error diagnostic.
      throw new UpdateFailed(
        `code: 255\n stdout: Updating (${this.name})\n\nDiagnostics:\n    ${failures.join("\n\n    ")}\n\n    error: update failed\n\n stderr: \n`,
        failures,
      );
    }
    this.deployed = { blue: config.traffic.blue, green: config.traffic.green };
  }

  /** The traffic config as the stack file would now hold it. */
  traffic(): Record<string, unknown> {
    return JSON.parse(this.raw["bluegreen:traffic"]);
  }

  gateConfig(): Record<string, unknown> {
    return JSON.parse(this.raw["bluegreen:gate"]);
  }
}

/** A clock that only moves when the fake stack works or a hold passes. */
export class FakeClock {
  private ms: number;
  readonly lines: string[] = [];
  readonly output: string[] = [];
  readonly events: EventInput[] = [];
  readonly holds: HoldRequest[] = [];
  /** Every direct move of the data plane, in order. */
  readonly moves: DirectMove[] = [];

  constructor(start = "2026-11-24T10:00:00Z") {
    this.ms = Date.parse(start);
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  /**
   * A release session on this clock. A hold passes its duration and ends "held" (or, with an `until`, as soon as
   * it decides), unless `hold` scripts another outcome for it. A direct move is recorded (also in a FakeStack's
   * calls, as `move …`), then `move` makes it (it may throw). @default recorded only
   */
  session(
    stack: ReleaseStack,
    hold?: (request: HoldRequest, index: number) => HoldOutcome | undefined,
    move?: (move: DirectMove) => Promise<void>,
  ): ReleaseSession {
    return {
      stack,
      now: () => new Date(this.ms),
      log: (line) => this.lines.push(line),
      output: (text) => this.output.push(text),
      interrupts: new Interrupts((line) => this.lines.push(line)),
      notify: (event) => this.events.push(event),
      moveDataPlane: async (direct) => {
        this.moves.push(direct);
        if (stack instanceof FakeStack) stack.calls.push(`move ${describeMove(direct)}`);
        await move?.(direct);
      },
      sleep: async (ms) => this.advance(ms),
      who: "ops@laptop",
      watcher: () => async (request) => {
        this.holds.push(request);
        this.advance(request.durationMs);
        const scripted = hold?.(request, this.holds.length - 1);
        if (scripted !== undefined) return scripted;
        if (request.until === undefined) return { kind: "held", rounds: 1 };
        for (;;) {
          const verdict = await request.until();
          if (verdict !== undefined) return { kind: verdict === "continue" ? "approved" : "aborted" };
          this.advance(60_000);
        }
      },
    };
  }
}

/** The watch's breach of the error-rate limit (12 of 169 requests), with `text` as its log line. */
export const errorRateBreach = (
  text = "green error rate 7.1 % (12 of 169 requests) > 5 % (bluegreen:watch.maxErrorRate)",
): Breach => ({
  color: "green",
  measure: "error rate",
  observed: 0.071,
  limit: 0.05,
  key: "bluegreen:watch.maxErrorRate",
  atLimit: false,
  text,
});
