#!/usr/bin/env node
/*
 * A stand-in `pulumi` CLI for tests of the Automation API wiring: it answers
 * the commands the Automation API runs for select / config / up / outputs,
 * records every argv in the state file ($FAKE_PULUMI_STATE), and fails `up`
 * like a blocked promotion gate when the state says so: the gate's error goes
 * to the output and, as the engine sends it, as a diagnostic event for the
 * gate's resource to the Automation API's `--event-log` (a gRPC events
 * endpoint since CLI 3.206). No engine behind it.
 *
 * State: { stack, config: { key: value-as-the-CLI-prints-it }, outputs: {}, failGreenAt: [weights], calls: [] }
 */
const fs = require("node:fs");

const file = process.env.FAKE_PULUMI_STATE;
takeTurn(`${file}.lock`);
const state = JSON.parse(fs.readFileSync(file, "utf8"));
const argv = process.argv.slice(2);
state.calls.push(argv);
const save = () => fs.writeFileSync(file, JSON.stringify(state, null, 2));
const flag = (name) => argv[argv.indexOf(name) + 1];

/**
 * Every invocation reads, changes and writes the whole state file, so two at
 * once (a rollback reads the config while it writes it) would lose one's
 * change: they take turns, holding `lock` (with the holder's pid, so that a
 * holder killed by a signal does not hold it forever) until this one exits.
 */
function takeTurn(lock) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 5) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      process.on("exit", () => fs.rmSync(lock, { force: true }));
      return;
    } catch (error) {
      if (error.code !== "EEXIST" || waited > 30_000) throw error;
      if (!alive(holder(lock))) fs.rmSync(lock, { force: true });
      else Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** The pid in `lock`; NaN while it is being written, 0 once it is gone (its holder exited: try again). */
function holder(lock) {
  try {
    return Number(fs.readFileSync(lock, "utf8") || Number.NaN);
  } catch (error) {
    if (error.code === "ENOENT") return 0;
    throw error;
  }
}

/** Whether process `pid` still runs (a lock just created may not have its pid yet: then it does). */
function alive(pid) {
  if (Number.isNaN(pid)) return true;
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function fail(message) {
  save();
  process.stderr.write(`error: ${message}\n`);
  process.exit(255);
}

/** Streams engine events to the Automation API's `--event-log tcp://host:port` endpoint; no-op without one. */
function sendEvents(events) {
  const target = flag("--event-log");
  if (!target || !target.startsWith("tcp://")) return Promise.resolve();
  const grpc = require("@grpc/grpc-js");
  const rpc = require("@pulumi/pulumi/proto/events_grpc_pb");
  const proto = require("@pulumi/pulumi/proto/events_pb");
  const client = new rpc.EventsClient(target.slice("tcp://".length), grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.streamEvents(() => {
      client.close();
      resolve();
    });
    for (const event of events) {
      const request = new proto.EventRequest();
      request.setEvent(JSON.stringify(event));
      call.write(request);
    }
    call.end();
  });
}

function setPath(key, text) {
  const [root, ...fields] = key.split(".");
  const value = /^-?\d+$/.test(text) ? Number(text) : text === "true" ? true : text === "false" ? false : text;
  if (fields.length === 0) return void (state.config[root] = text);
  const object = state.config[root] === undefined ? {} : JSON.parse(state.config[root]);
  let node = object;
  for (const field of fields.slice(0, -1)) node = node[field] ??= {};
  node[fields[fields.length - 1]] = value;
  state.config[root] = JSON.stringify(object);
}

const command = argv
  .filter((a) => !a.startsWith("-"))
  .slice(0, 2)
  .join(" ");
if (argv[0] === "version") {
  process.stdout.write("v3.248.0\n");
} else if (command.startsWith("stack select")) {
  if (flag("--stack") !== state.stack) fail(`no stack named '${flag("--stack")}' found`);
} else if (argv[0] === "config" && argv[1] === "set-all") {
  const pairs = argv.slice(2).filter((a, i, all) => all[i - 1] === "--plaintext");
  for (const pair of pairs) setPath(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
} else if (argv[0] === "config") {
  const json = Object.fromEntries(Object.entries(state.config).map(([key, value]) => [key, { value, secret: false }]));
  process.stdout.write(JSON.stringify(json));
} else if (argv[0] === "up") {
  const traffic = JSON.parse(state.config["bluegreen:traffic"]);
  const before = state.outputs.weights ?? { blue: 0, green: 0 };
  process.stdout.write(`Updating (${state.stack})\n`);
  if (traffic.green > before.green && state.failGreenAt.includes(traffic.green)) {
    const message =
      `Promotion gate blocked traffic to green of app "api" (version 1.5.0, weight ${before.green} -> ${traffic.green} of 100).\n` +
      "Failed check: HTTP status at http://10.0.0.7:8082/healthz: observed HTTP 503; limit one of [200] (gate.expectedStatus).\n";
    const urn = `urn:pulumi:${state.stack}::bluegreen::bluegreen:index:BlueGreenApp$bluegreen:gate:PromotionGate$pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck::api-green-gate-check`;
    process.stdout.write(
      `\nDiagnostics:\n  pulumi-nodejs:dynamic/bluegreen:PromotionGateCheck (api-green-gate-check):\n    error: ${message.replace(/\n(?=.)/g, "\n    ")}\n`,
    );
    sendEvents([
      {
        sequence: 1,
        timestamp: 0,
        diagnosticEvent: { urn, prefix: "error: ", message, color: "never", severity: "error" },
      },
    ]).then(() => fail("update failed"));
    return;
  }
  state.outputs = { ...state.outputs, weights: { blue: traffic.blue, green: traffic.green } };
  process.stdout.write("Resources:\n    2 updated\n");
} else if (command === "stack output") {
  process.stdout.write(JSON.stringify(state.outputs));
} else if (command === "stack history") {
  process.stdout.write("[]");
} else {
  fail(`fake pulumi does not know \`pulumi ${argv.join(" ")}\``);
}
save();
