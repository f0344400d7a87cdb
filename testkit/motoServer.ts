/**
 * moto's server (PyPI `moto[server]`, ../shared/notes/real-apis.md) on a
 * free loopback port: one process serving every AWS API it fakes, for the
 * calls moto answers faithfully (ELBv2 listeners and rules with weighted
 * forwards), and an ALB in it with both colors' target groups
 * (createWeightedAlb). Credentials are fake and the endpoint is passed per
 * client or through AWS_ENDPOINT_URL_<SERVICE>.
 */
import { ChildProcess, spawn } from "node:child_process";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { freePorts } from "./haproxy";

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** How long moto may take to import its modules and listen on a loaded machine. */
const START_TIMEOUT_MS = 60_000;

export async function startMotoServer(): Promise<MotoServer> {
  const [port] = await freePorts(1);
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let said = "";
  child.stderr?.on("data", (chunk: Buffer) => void (said = (said + chunk.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${said}`);
    try {
      // moto's own dashboard API answers once the server is up.
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms: ${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

/** moto's ELBv2 in eu-west-1: a load balancer, both colors' target groups, a listener forwarding 50/50 to them, and a rule. */
export interface Alb {
  readonly client: ElasticLoadBalancingV2Client;
  readonly listenerArn: string;
  readonly ruleArn: string;
  readonly targetGroupArns: { blue: string; green: string };
}

async function motoSubnets(moto: MotoServer): Promise<{ vpc: string; subnets: string[] }> {
  // moto serves EC2's query API; its default VPC has a subnet per zone. The signature is not checked, the scope routes.
  const answer = await fetch(moto.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: "Action=DescribeSubnets&Version=2016-11-15",
  });
  const text = await answer.text();
  const all = (tag: string) => [...text.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, "g"))].map((m) => m[1]);
  return { vpc: all("vpcId")[0], subnets: all("subnetId").slice(0, 2) };
}

export async function createWeightedAlb(moto: MotoServer): Promise<Alb> {
  const client = new ElasticLoadBalancingV2Client({
    region: "eu-west-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const { vpc, subnets } = await motoSubnets(moto);
  const lb = (await client.send(new CreateLoadBalancerCommand({ Name: "api", Subnets: subnets }))).LoadBalancers![0];
  const group = async (name: string) =>
    (await client.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: 80, VpcId: vpc })))
      .TargetGroups![0].TargetGroupArn!;
  const targetGroupArns = { blue: await group("api-blue"), green: await group("api-green") };
  const forward: Action = {
    Type: "forward",
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: targetGroupArns.blue, Weight: 50 },
        { TargetGroupArn: targetGroupArns.green, Weight: 50 },
      ],
    },
  };
  const listenerArn = (
    await client.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Protocol: "HTTP",
        Port: 80,
        DefaultActions: [forward],
      }),
    )
  ).Listeners![0].ListenerArn!;
  const ruleArn = (
    await client.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: ["api.example.com"] } }],
        Actions: [forward],
      }),
    )
  ).Rules![0].RuleArn!;
  return { client, listenerArn, ruleArn, targetGroupArns };
}
