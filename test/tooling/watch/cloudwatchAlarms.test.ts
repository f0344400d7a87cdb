/**
 * CloudWatch alarms of `bluegreen:watch.alarms` as rollback triggers, read
 * by the real `@aws-sdk/client-cloudwatch` client over loopback HTTP from
 * the CloudWatch stand-in (testkit/cloudwatchServer.ts): every state in a
 * round and at the start of `shift` and `watch` (through the release engine
 * on the in-memory staging stack), a name CloudWatch does not have, and
 * CloudWatch failing. The stack's outputs give the region; the endpoint
 * comes as for every AWS SDK client, from AWS_ENDPOINT_URL_CLOUDWATCH.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../components/platforms";
import type { StackOutputs } from "../../../components/contracts/outputs";
import { readStackConfig } from "../../../tooling/engine/stackFiles";
import { alarmRefusal } from "../../../tooling/release/preflight";
import { runShift } from "../../../tooling/release/shift";
import { notifiedBreaches } from "../../../tooling/release/watcher";
import { runWatchCommand } from "../../../tooling/release/watchRun";
import { releaseEvent } from "../../../tooling/notify/events";
import { alarmsAtStart, MISSING, readAlarms } from "../../../tooling/watch/cloudwatchAlarms";
import { judgeRound } from "../../../tooling/watch/judge";
import { planWatch } from "../../../tooling/watch/plan";
import { createWatchSampler } from "../../../tooling/watch/sampler";
import { CloudWatchServer } from "../../../testkit/cloudwatchServer";
import { FakeClock, FakeStack } from "../release/fakeStack";
import { backends, color, settings, users } from "./fixtures";

const never = new AbortController().signal;

describe("CloudWatch alarms against the stand-in", () => {
  let server: CloudWatchServer;
  let resourceIds: Record<string, string>;
  const saved = { ...process.env };
  const source = () => ({ region: server.region, names: ["api-5xx", "api-latency", "api-health"] });

  beforeAll(async () => {
    server = await CloudWatchServer.start();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_ENDPOINT_URL_CLOUDWATCH: server.endpoint,
    });
    resourceIds = {
      loadBalancerArn: server.loadBalancerArn("api"),
      "blue.targetGroupArn": server.targetGroupArn("api-blue"),
      "green.targetGroupArn": server.targetGroupArn("api-green"),
    };
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    process.env = saved;
    await server?.stop();
  });

  const roundWith = (alarms: Awaited<ReturnType<typeof readAlarms>>) =>
    judgeRound(
      {
        candidate: color("green", { traffic: users(200, 0, 0, 40, "cloudwatch"), backends: backends(2, 2) }),
        stable: color("blue", { traffic: users(800, 0, 0, 40, "cloudwatch"), backends: backends(2, 2) }),
        alarms,
      },
      settings(),
    );

  it("reads metric and composite alarms in each state, in the config's order, in one DescribeAlarms", async () => {
    server.alarm("api-latency", "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown");
    server.alarm("api-5xx", "OK", "Threshold Crossed: 0 datapoints were greater than the threshold (5.0)");
    server.alarm("api-health", "ALARM", "AlarmRule evaluated to TRUE", "CompositeAlarm");
    const alarms = await readAlarms({ ...source(), endpoint: server.endpoint }, 2000, never);
    expect(alarms).toEqual([
      { name: "api-5xx", state: "OK", reason: expect.stringMatching(/^Threshold Crossed/) },
      { name: "api-latency", state: "INSUFFICIENT_DATA", reason: expect.stringMatching(/^Insufficient Data/) },
      { name: "api-health", state: "ALARM", reason: "AlarmRule evaluated to TRUE" },
    ]);
    expect(server.calls("DescribeAlarms")).toEqual([
      {
        AlarmNames: ["api-5xx", "api-latency", "api-health"],
        AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
        MaxRecords: 100,
      },
    ]);
  });

  it("in a round, ALARM is a breach, INSUFFICIENT_DATA and a deleted alarm inconclusive, OK alone healthy", async () => {
    const read = () => readAlarms(source(), 2000, never);
    server.alarm("api-5xx", "OK", "fine");
    server.alarm("api-latency", "OK", "fine");
    server.alarm("api-health", "OK", "fine");
    expect(roundWith(await read()).kind).toBe("healthy");

    server.alarm("api-latency", "INSUFFICIENT_DATA", "Insufficient Data");
    const insufficient = roundWith(await read());
    expect(insufficient.kind).toBe("inconclusive");
    expect(insufficient.inconclusive.join("\n")).toMatch(/"api-latency" is INSUFFICIENT_DATA/);

    server.deleteAlarm("api-latency");
    const deleted = await read();
    expect(deleted).toContainEqual(expect.objectContaining({ name: "api-latency", state: MISSING }));
    expect(roundWith(deleted).kind).toBe("inconclusive");

    server.alarm("api-5xx", "ALARM", "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)");
    const firing = roundWith(await read());
    expect(firing.kind).toBe("breach");
    expect(firing.breaches).toEqual([
      expect.objectContaining({
        measure: "alarm",
        key: "bluegreen:watch.alarms",
        text: expect.stringMatching(/"api-5xx" is ALARM/),
      }),
    ]);
    // The webhooks name the check by its key, like every other breach.
    const notified = notifiedBreaches(firing.breaches);
    expect(notified).toEqual([{ check: "alarms", observed: 1, limit: 0 }]);
    const event = releaseEvent(
      {
        type: "breach",
        stack: "staging",
        command: "shift",
        candidate: "green",
        versions: { blue: "1.4.2", green: "1.5.0" },
        weights: { blue: 75, green: 25 },
        breaches: notified,
      },
      new Date(0),
    );
    expect(event.summary).toMatch(/: 1 CloudWatch alarm of bluegreen:watch\.alarms in ALARM$/);
  });

  it.each(["Throttling", "InternalServiceError"] as const)(
    "CloudWatch refusing DescribeAlarms (%s) is no data: inconclusive in a round, a refusal at the start",
    async (kind) => {
      server.refuse(Infinity, kind);
      const alarms = await readAlarms(source(), 2000, never);
      expect(alarms).toEqual({ noData: expect.stringMatching(/^DescribeAlarms in eu-west-1: /) });
      expect(roundWith(alarms).kind).toBe("inconclusive");
      expect(await alarmsAtStart(source(), 2000, false)).toMatch(
        /^the alarms of bluegreen:watch\.alarms cannot be read \(DescribeAlarms in eu-west-1: .*\): a release whose rollback triggers nobody reads does not start$/,
      );
    },
  );

  it("at the start, a name CloudWatch does not have is a config error naming the key, the name and the fix", async () => {
    server.alarm("api-5xx", "OK", "fine");
    server.alarm("api-health", "OK", "fine");
    expect(await alarmsAtStart(source(), 2000, true)).toBe(
      'bluegreen:watch.alarms names "api-latency", which CloudWatch does not have in eu-west-1 ' +
        "(no metric or composite alarm of that name): correct the name in the stack file, or remove it",
    );
  });

  const staging = (alarms: string[]) => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      overrides: { "bluegreen:watch": { alarms } },
      outputs: { resourceIds },
    });
    return { clock, stack };
  };

  it("`shift` does not start while an alarm is in ALARM, naming it, and moves nothing", async () => {
    server.alarm("api-5xx", "ALARM", "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)");
    server.alarm("api-latency", "OK", "fine");
    const { clock, stack } = staging(["api-5xx", "api-latency"]);
    const outcome = await runShift(clock.session(stack), {
      target: "green",
      steps: [25, 50, 100],
      pauseMs: 300_000,
      split: false,
    });
    expect(outcome).toEqual({
      end: "failed",
      summary:
        'not starting: CloudWatch alarm "api-5xx" is in ALARM (Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)): ' +
        "a shift does not start while an alarm of bluegreen:watch.alarms fires, since it would roll the release back at once. " +
        "Run it again once the alarm is OK",
    });
    expect(stack.calls).toEqual([]);
    expect(server.calls("DescribeAlarms")).toHaveLength(1);
  });

  it("`shift` and `watch` do not start with a name CloudWatch does not have; `watch` starts while one is in ALARM", async () => {
    server.alarm("api-5xx", "ALARM", "Threshold Crossed");
    const missing = staging(["api-5xx", "api-latncy"]);
    const shift = await runShift(missing.clock.session(missing.stack), {
      target: "green",
      steps: [25],
      pauseMs: 0,
      split: false,
    });
    expect(shift).toMatchObject({
      end: "failed",
      summary: expect.stringMatching(
        /^not starting: bluegreen:watch\.alarms names "api-latncy", which CloudWatch does not have in eu-west-1/,
      ),
    });
    const watch = await runWatchCommand(missing.clock.session(missing.stack), {
      durationMs: 60_000,
      rollback: true,
    } as never);
    expect(watch).toMatchObject({
      end: "failed",
      summary: expect.stringMatching(/"api-latncy", which CloudWatch does not have/),
    });
    expect(missing.stack.calls).toEqual([]);

    // The watch of a deployed release is how an alarm already firing rolls it back: it is no reason not to start.
    const config = parseConfig(readStackConfig("staging").values, "staging", []);
    const outputs = { platform: "aws", resourceIds } as StackOutputs;
    const firing = { ...config, watch: { ...config.watch, alarms: ["api-5xx"] } };
    expect(await alarmRefusal(firing, outputs, false)).toBeUndefined();
    expect(await alarmRefusal(firing, outputs, true)).toMatch(/"api-5xx" is in ALARM/);
  });

  it("names the reason an alarm cannot be watched: another platform, a stack without its load balancer's ARN", async () => {
    const config = parseConfig(readStackConfig("staging").values, "staging", []);
    const named = { ...config, watch: { ...config.watch, alarms: ["api-5xx"] } };
    expect(await alarmRefusal(named, { platform: "kubernetes" } as StackOutputs, true)).toBe(
      "bluegreen:watch.alarms names CloudWatch alarms, which a kubernetes stack has none of: remove the key from the stack file",
    );
    expect(await alarmRefusal(named, { platform: "aws", resourceIds: {} } as StackOutputs, true)).toMatch(
      /^bluegreen:watch\.alarms cannot be read: the stack has no `resourceIds\.loadBalancerArn` output .*run `pulumi up` with this version of the program first$/,
    );
    expect(await alarmRefusal(config, { platform: "aws" } as StackOutputs, true)).toBeUndefined();
    expect(server.calls("DescribeAlarms")).toEqual([]);
  });

  it("the staging stack's watch reads CloudWatch's metrics and alarms every round, and an alarm in ALARM is a breach", async () => {
    const config = parseConfig(readStackConfig("staging").values, "staging", []);
    const outputs = { platform: "aws", resourceIds, probeUrls: {} } as StackOutputs;
    const plan = planWatch({ ...config, watch: { ...config.watch, alarms: ["api-5xx"] } }, outputs, "green");
    expect(plan.traffic).toMatchObject({ kind: "cloudwatch", region: "eu-west-1" });
    expect(plan.summary).toMatch(
      /user traffic and healthy hosts from CloudWatch \(targetgroup\/api-green\/\w+ in eu-west-1, settled minutes\); CloudWatch alarms api-5xx/,
    );
    server.alarm("api-5xx", "ALARM", "Threshold Crossed");
    const minute = Math.floor(Date.now() / 60_000) * 60 - 180;
    const tg = (which: string) => resourceIds[`${which}.targetGroupArn`].split(":").at(-1)!;
    const lb = resourceIds.loadBalancerArn.split(":loadbalancer/").at(-1)!;
    server.alb(lb, tg("green"), minute, {
      requests: Array.from({ length: 50 }, () => ({ status: 200, ms: 30 })),
      healthy: 2,
      unhealthy: 0,
    });
    const round = await (await createWatchSampler(plan)).sample(never);
    expect(round.alarms).toEqual([{ name: "api-5xx", state: "ALARM", reason: "Threshold Crossed" }]);
    expect(round.candidate.backends).toMatchObject({ healthy: 2, total: 2 });
    expect(judgeRound(round, plan.settings).breaches.map((b) => b.measure)).toEqual(["alarm"]);
  });
});
