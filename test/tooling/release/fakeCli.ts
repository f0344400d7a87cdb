/** Puts the fake `pulumi` (fake-pulumi.cjs) on a private PATH directory with its own state file. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { POLICY_PACK_DIR } from "../../../tooling/paths";
import { readStackConfig } from "../../../tooling/engine/stackFiles";

export interface FakeCliState {
  stack: string;
  /** Full key → value as `pulumi config --json` prints it (objects as JSON text). */
  config: Record<string, string>;
  outputs: Record<string, unknown>;
  /** Green weights at which `up` fails like a blocked gate (when green's weight rises to them). */
  failGreenAt: number[];
  /** Every argv the fake was called with. */
  calls: string[][];
}

export interface FakeCli {
  /** Put this first on PATH. */
  readonly binDir: string;
  readonly stateFile: string;
  state(): FakeCliState;
  reset(state: Omit<FakeCliState, "calls">): void;
  remove(): void;
}

export function installFakeCli(): FakeCli {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
  const binDir = path.join(root, "bin");
  fs.mkdirSync(binDir);
  const bin = path.join(binDir, "pulumi");
  fs.writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, "fake-pulumi.cjs")}" "$@"\n`);
  fs.chmodSync(bin, 0o755);
  const stateFile = path.join(root, "state.json");
  return {
    binDir,
    stateFile,
    state: () => JSON.parse(fs.readFileSync(stateFile, "utf8")),
    reset: (state) => fs.writeFileSync(stateFile, JSON.stringify({ ...state, calls: [] })),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Staging as deployed with its stack file's weights (90/10): the starting state of the CLI tests. */
export function deployedStaging(failGreenAt: number[] = []): Omit<FakeCliState, "calls"> {
  return {
    stack: "staging",
    config: { ...readStackConfig("staging").values },
    outputs: {
      platform: "aws",
      url: "https://api-lb-alb.eu-west-1.elb.amazonaws.com",
      primaryColor: "blue",
      weights: { blue: 90, green: 10 },
      trafficPercent: { blue: 90, green: 10 },
      versions: { blue: "1.4.2", green: "1.5.0" },
      gateVerdicts: { blue: "skipped", green: "passed" },
      snapshotId: "api-pre-2026-11-20-orders-index",
      migrationVersion: "2026-11-20-orders-index",
    },
    failGreenAt,
  };
}

/** The command lines the Automation API runs for staging (as the fake records them). */
const STACK = ["--stack", "staging", "--non-interactive"];
/** `pulumi config set-all --path` of plaintext `key=value`s on staging. */
const setAllCall = (...values: string[]) => [
  "config",
  "set-all",
  "--stack",
  "staging",
  "--path",
  ...values.flatMap((value) => ["--plaintext", value]),
  "--non-interactive",
];
export const CALLS = {
  setTraffic: (blue: number, green: number) =>
    setAllCall(`bluegreen:traffic.blue=${blue}`, `bluegreen:traffic.green=${green}`),
  // Every step runs the policy pack, with staging's policy config.
  /** With the engine's events streamed back over gRPC: that is how a blocked gate is recognised. */
  up: upCall(true),
  /** Putting weights back: without the policy pack. */
  upWithoutPolicies: upCall(false),
  /** Putting weights back: one write of the weights with gate.maxStep lifted for that one update. */
  putBack: (blue: number, green: number) =>
    setAllCall(
      `bluegreen:traffic.blue=${blue}`,
      `bluegreen:traffic.green=${green}`,
      "bluegreen:gate.allowLargeStep=true",
    ),
  /** After the put-back's update, gate.maxStep is back as it was. */
  setAllowLargeStep: (allow: boolean) => setAllCall(`bluegreen:gate.allowLargeStep=${allow}`),
  outputs: [
    ["stack", "output", "--json", ...STACK],
    ["stack", "output", "--json", "--show-secrets", ...STACK],
  ],
  /** What `stack.up()` runs after a successful update: outputs and the summary. */
  afterUp: [
    ["stack", "output", "--json", ...STACK],
    ["stack", "output", "--json", "--show-secrets", ...STACK],
    ["stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1", ...STACK],
  ],
  select: [["version"], ["stack", "select", ...STACK]],
  config: ["config", "--show-secrets", "--json", ...STACK],
};

/** `up` as the Automation API runs it for staging: with the policy pack, or not; the release record as the message. */
function upCall(policies: boolean): unknown[] {
  return [
    "up",
    "--yes",
    "--skip-preview",
    // The release record (tooling/history/record.ts) after a human line.
    "--message",
    expect.stringMatching(/\nbluegreen-release\/v1 \{.*\}$/),
    ...(policies
      ? ["--policy-pack", POLICY_PACK_DIR, "--policy-pack-config", path.join(POLICY_PACK_DIR, "config", "staging.json")]
      : []),
    "--exec-kind",
    "auto.local",
    "--event-log",
    expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
    ...STACK,
  ];
}
