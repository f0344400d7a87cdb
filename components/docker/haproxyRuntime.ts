/**
 * Minimal client for HAProxy's runtime API on a TCP stats socket: one
 * connection per command, the way `echo cmd | nc host port` does it. Used by
 * the HaproxyWeights and HaproxyMaintenance dynamic providers, so `node:net`
 * is required inside the functions and only pure local helpers are imported.
 */
import type { Color } from "../contracts/colors";
import { Endpoint, ServerWeights, weightApplyOrder } from "./haproxyConfig";
import { MAINTENANCE_KEYS, MaintenanceState, parseMapAnswer, runtimeWord } from "./haproxyMaintenance";

/** Per command: connect, answer and close. HAProxy answers a weight command in about a millisecond. */
const COMMAND_TIMEOUT_MS = 5_000;
const WEIGHT_ANSWER = /^(\d+) \(initial (\d+)\)$/;

/** Sends one command and resolves with HAProxy's whole answer (it closes the connection after answering). */
export function runtimeCommand(admin: Endpoint, command: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  const net: typeof import("node:net") = require("node:net");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.createConnection({ host: admin.address, port: admin.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new Error(
          `HAProxy runtime API at ${admin.address}:${admin.port} did not answer "${command}": ${why}. ` +
            "Fix: check that the router is running and publishes its runtime API there; it answers only the clients " +
            "in its list (the stack network's gateway, where Docker's published port arrives from) and refuses any other.",
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once("error", (err) => fail(err.message));
    socket.once("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // HAProxy answers every command with at least a newline: no byte at all means the connection was refused.
    socket.once("close", () =>
      chunks.length === 0
        ? fail("the connection closed without an answer")
        : resolve(Buffer.concat(chunks).toString("utf8")),
    );
  });
}

/** Reads the current weight from a `get weight` answer ("N (initial M)"). */
export function parseWeightAnswer(command: string, answer: string): number {
  const match = WEIGHT_ANSWER.exec(answer.trim());
  if (!match)
    throw new Error(`HAProxy answered "${command}" with ${JSON.stringify(answer.trim())}; expected "N (initial M)"`);
  return Number(match[1]);
}

export async function getServerWeight(admin: Endpoint, backend: string, server: Color): Promise<number> {
  const command = `get weight ${backend}/${server}`;
  return parseWeightAnswer(command, await runtimeCommand(admin, command));
}

/** HAProxy answers a successful `set server ... weight` with an empty line, an error with its reason. */
export async function setServerWeight(admin: Endpoint, backend: string, server: Color, weight: number): Promise<void> {
  const command = `set server ${backend}/${server} weight ${weight}`;
  const answer = (await runtimeCommand(admin, command)).trim();
  if (answer !== "") throw new Error(`HAProxy refused "${command}": ${answer}`);
}

/** Sequential, so a failure always names the same (blue) command first. */
export async function getWeights(admin: Endpoint, backend: string): Promise<ServerWeights> {
  return { blue: await getServerWeight(admin, backend, "blue"), green: await getServerWeight(admin, backend, "green") };
}

export interface AppliedWeights {
  /** Live weights found before the change. */
  readonly before: ServerWeights;
  /** Live weights read back after the change. */
  readonly after: ServerWeights;
  /** Servers set, in order (raises before lowers). */
  readonly order: Color[];
}

/**
 * Moves the live weights to `target` without a moment at 0/0, then reads
 * them back. Starts from the live weights, not from recorded state, so a
 * router restarted with its config weights is still ordered correctly.
 */
export async function applyWeights(admin: Endpoint, backend: string, target: ServerWeights): Promise<AppliedWeights> {
  const before = await getWeights(admin, backend);
  const order = weightApplyOrder(before, target);
  for (const color of order) await setServerWeight(admin, backend, color, target[color]);
  const after = await getWeights(admin, backend);
  if (after.blue !== target.blue || after.green !== target.green) {
    throw new Error(
      `HAProxy backend ${backend} reports weights blue=${after.blue} green=${after.green} after setting blue=${target.blue} green=${target.green}. ` +
        `Fix: check for another process changing weights on this router.`,
    );
  }
  return { before, after, order };
}

/** HAProxy's answer when the running config declares no such map. */
const UNKNOWN_MAP = /^Unknown map identifier/;

async function setMapValue(admin: Endpoint, mapFile: string, key: string, value: string): Promise<string> {
  return (await runtimeCommand(admin, `set map ${mapFile} ${key} ${runtimeWord(value)}`)).trim();
}

function refused(mapFile: string, key: string, answer: string): Error {
  const fix = UNKNOWN_MAP.test(answer)
    ? " Fix: this router was started from a config without the maintenance map; let `pulumi up` replace it."
    : "";
  return new Error(`HAProxy refused "set map ${mapFile} ${key} …": ${answer.replace(/\.$/, "")}.${fix}`);
}

/**
 * Switches the running router: the page and Retry-After first, then the
 * switch, so users never get a stale page; read back afterwards. Off on a
 * router whose config declares no maintenance map is already true: it cannot
 * serve the page.
 */
export async function applyMaintenance(admin: Endpoint, mapFile: string, state: MaintenanceState): Promise<void> {
  const values: [string, string][] = state.enabled
    ? [
        [MAINTENANCE_KEYS.page, state.page],
        [MAINTENANCE_KEYS.retryAfter, String(state.retryAfterSeconds)],
        [MAINTENANCE_KEYS.enabled, "1"],
      ]
    : [[MAINTENANCE_KEYS.enabled, "0"]];
  for (const [key, value] of values) {
    const answer = await setMapValue(admin, mapFile, key, value);
    if (answer === "") continue;
    if (!state.enabled && UNKNOWN_MAP.test(answer)) return;
    throw refused(mapFile, key, answer);
  }
  const live = parseMapAnswer(await runtimeCommand(admin, `show map ${mapFile}`));
  const wanted = Object.fromEntries(values);
  const wrong = Object.keys(wanted).filter((key) => live[key] !== wanted[key]);
  if (wrong.length > 0) {
    throw new Error(
      `HAProxy map ${mapFile} reads ${wrong.map((key) => `${key}=${JSON.stringify(live[key])}`).join(", ")} after switching ` +
        `maintenance ${state.enabled ? "on" : "off"}. Fix: check for another process changing this router's maintenance map.`,
    );
  }
}
