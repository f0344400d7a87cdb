/**
 * A rollback's direct move on AWS (issue 26), measured against moto's ELBv2
 * (testkit/motoServer.ts): `putBack` (tooling/release/rollback.ts) as a
 * breach calls it, on a stack whose `trafficRoute` output is moto's listener
 * and whose config is Pulumi.staging.yaml's; its `pulumi up` is left out (a
 * no-op here: bench/release.ts and the engine benches time ups). A loopback
 * proxy in front of moto notes when the ModifyListener request has fully
 * arrived. Figures over the runs: from the verdict (putBack called) to
 * ModifyListener received, and to the listener's weights read back in its
 * answer (the direct move done). moto answers on loopback in milliseconds;
 * the real ALB's answer time is not measured here.
 *   npx tsx bench/rollbackAws.ts [--runs N]   (default 20)
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { StackOutputs } from "../components/contracts/outputs";
import { parseConfig } from "../components/platforms";
import { readStackConfig } from "../tooling/engine/stackFiles";
import { moveDataPlane } from "../tooling/release/dataPlane";
import { Interrupts } from "../tooling/release/interrupts";
import { putBack } from "../tooling/release/rollback";
import type { ReleaseSession } from "../tooling/release/session";
import type { ReleaseStack } from "../tooling/release/stack";
import { applyConfigPaths } from "../tooling/engine/configPaths";
import { Alb, createWeightedAlb, startMotoServer } from "../testkit/motoServer";
import { describeSpread, report, spreadOf } from "./result";

const STACK = "staging";

/** Forwards every request to `target`; `arrivals` gets performance.now() of each ModifyListener fully received. */
async function startRecordingProxy(
  target: string,
  arrivals: number[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => void forward(Buffer.concat(chunks)));
    const forward = async (body: Buffer) => {
      if (body.toString().includes("Action=ModifyListener")) arrivals.push(performance.now());
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k, v]) => typeof v === "string" && !["host", "content-length", "connection"].includes(k),
        ),
      ) as Record<string, string>;
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: body.length > 0 ? body : undefined,
      });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/xml" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    };
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Pulumi.staging.yaml in memory; `up` records nothing (the bench times the direct move only). */
function stagingStack(): ReleaseStack {
  let raw = { ...readStackConfig(STACK).values };
  return {
    name: STACK,
    readConfig: async () => ({ values: { ...raw }, secretKeys: [] }),
    readOutputs: async () => undefined,
    setConfig: async (values) => void (raw = applyConfigPaths(raw, values)),
    up: async () => undefined,
    getTag: async () => undefined,
    setTag: async () => undefined,
    removeTag: async () => undefined,
  };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--runs");
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 20;
  if (!Number.isInteger(runs) || runs < 3) throw new Error("--runs must be a whole number >= 3");
  const moto = await startMotoServer();
  const arrivals: number[] = [];
  const proxy = await startRecordingProxy(moto.endpoint, arrivals);
  let alb: Alb | undefined;
  try {
    alb = await createWeightedAlb(moto);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: proxy.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    const received: number[] = [];
    const moved: number[] = [];
    const lines: string[] = [];
    for (let run = 0; run < runs; run++) {
      const stack = stagingStack();
      const { values } = await stack.readConfig();
      const config = parseConfig(values, STACK);
      // Each run starts from 50/50, as a breach at the 50 % step.
      await alb.client.send(
        new ModifyListenerCommand({
          ListenerArn: alb.listenerArn,
          DefaultActions: [
            {
              Type: "forward",
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: alb.targetGroupArns.blue, Weight: 50 },
                  { TargetGroupArn: alb.targetGroupArns.green, Weight: 50 },
                ],
              },
            },
          ],
        }),
      );
      const outputs = {
        trafficRoute: { kind: "alb", listenerArn: alb.listenerArn, targetGroupArns: alb.targetGroupArns },
      } as StackOutputs;
      let movedAt: number | undefined;
      const session: ReleaseSession = {
        stack,
        now: () => new Date(),
        log: (line) => {
          lines.push(line);
          if (line.startsWith("data plane: listener")) movedAt = performance.now();
        },
        output: () => undefined,
        interrupts: new Interrupts(() => undefined),
        watcher: () => {
          throw new Error("a rollback holds nowhere");
        },
        notify: () => undefined,
        moveDataPlane,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        who: "bench@127.0.0.1",
      };
      const before = arrivals.length;
      const verdictAt = performance.now();
      const outcome = await putBack(
        session,
        session.log,
        {
          command: "watch",
          state: { raw: values, secretKeys: [], config, outputs },
          candidate: "green",
          from: { blue: 50, green: 50 },
          to: { blue: 100, green: 0 },
          reason: "bench breach",
          record: {},
        },
        { end: "breach", summary: "rolled back", weights: { blue: 100, green: 0 } },
      );
      if (outcome.end !== "breach" || arrivals.length !== before + 1 || movedAt === undefined) {
        throw new Error(`run ${run + 1}: ${outcome.summary}\n${lines.join("\n")}`);
      }
      received.push(arrivals[before] - verdictAt);
      moved.push(movedAt - verdictAt);
    }
    report("rollbackAws", [
      {
        figure: `rollback on AWS (moto ELBv2): breach verdict -> ModifyListener received (${runs} runs)`,
        observed: describeSpread(spreadOf(received), "ms", 1),
        goal: { text: "at most 1 s in every run", source: "issue 26", met: received.every((ms) => ms <= 1_000) },
      },
      {
        figure: "rollback on AWS (moto ELBv2): breach verdict -> listener weights read back in ModifyListener's answer",
        observed: describeSpread(spreadOf(moved), "ms", 1),
      },
    ]);
  } finally {
    alb?.client.destroy();
    await proxy.close();
    await moto.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
