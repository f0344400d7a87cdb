/**
 * The library components in a user's program, under the deterministic
 * mocks: what each takes of the user's (a Gateway and namespace by name,
 * ids that are Outputs of the user's resources), what it keeps secret, its
 * typed outputs, and that invalid Args register nothing.
 */
import * as aws from "@pulumi/aws";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { COMPONENT_TYPES } from "../../components/contracts/resourceTypes";
import {
  AwsBlueGreen,
  AwsBlueGreenArgs,
  DockerBlueGreen,
  DockerBlueGreenArgs,
  KubernetesBlueGreen,
  KubernetesBlueGreenArgs,
} from "../../components/library";
import { argsOf } from "../../testkit/entryPointCases";
import { fakeResource } from "../../tooling/engine/mocks";
import { RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { named, ofType } from "../program/graph";

/** A shipped stack to run under, for its `aws:region`. */
const STACK = "staging";
const inputs = (resource: RegisteredResource) => resource.inputs as Record<string, any>;

describe("DockerBlueGreen", () => {
  it("gives typed outputs: url, primary color, shares, versions, probe URLs, ids", async () => {
    const run = await runProgram(STACK, {
      program: () => {
        const shop = new DockerBlueGreen("shop", argsOf("docker") as unknown as DockerBlueGreenArgs);
        const { url, primaryColor, weights, trafficPercent, versions, snapshotId, probeUrls, resourceIds } = shop;
        return { url, primaryColor, weights, trafficPercent, versions, snapshotId, probeUrls, resourceIds };
      },
    });
    expect(run.outputs).toMatchObject({
      url: "http://127.0.0.1:8080",
      primaryColor: "blue",
      weights: { blue: 90, green: 10 },
      trafficPercent: { blue: 90, green: 10 },
      versions: { blue: "1.4.2", green: "1.5.0" },
      probeUrls: { blue: "http://127.0.0.1:8081/healthz", green: "http://127.0.0.1:8082/healthz" },
    });
    expect(run.outputs.snapshotId).toBeUndefined();
    expect(Object.keys(run.outputs.resourceIds as object)).toEqual(expect.arrayContaining(["blue.containerId"]));
    expect(ofType(run, COMPONENT_TYPES.dockerBlueGreen).map((r) => r.name)).toEqual(["shop"]);
  });

  it("keeps the gate's probe headers secret in the gates' inputs", async () => {
    const run = await runProgram(STACK, {
      program: () => {
        const args = { ...argsOf("docker"), gateHeaders: { Authorization: "Bearer probe-token" } };
        return { url: new DockerBlueGreen("shop", args as unknown as DockerBlueGreenArgs).url };
      },
    });
    for (const color of ["blue", "green"]) {
      const headers = inputs(named(run, `shop-${color}-gate-check`)).headers;
      expect(headers[rpc.specialSigKey]).toBe(rpc.specialSecretSig);
      expect(headers.value).toEqual({ Authorization: "Bearer probe-token" });
    }
  });

  it("registers nothing for invalid Args: the ConfigError comes before the component", async () => {
    const registered: string[] = [];
    const failed = runProgram(STACK, {
      onRegister: (resource) => registered.push(resource.type),
      program: () => {
        const args = argsOf("docker", { traffic: { blue: 0, green: 0 } }) as unknown as DockerBlueGreenArgs;
        return { url: new DockerBlueGreen("shop", args).url };
      },
    });
    await expect(failed).rejects.toThrow(ConfigError);
    expect(registered).not.toContain(COMPONENT_TYPES.dockerBlueGreen);
  });
});

describe("KubernetesBlueGreen", () => {
  it("attaches its route to the user's Gateway in the user's namespace, by name", async () => {
    const run = await runProgram(STACK, {
      program: () => {
        const shop = new KubernetesBlueGreen("shop", argsOf("kubernetes") as unknown as KubernetesBlueGreenArgs);
        return { url: shop.url };
      },
    });
    expect(inputs(named(run, "shop-traffic-route"))).toMatchObject({
      metadata: { namespace: "shop" },
      spec: { hostnames: ["shop.example.com"], parentRefs: [{ name: "public", namespace: "gateways" }] },
    });
    // The namespace is the user's: not created.
    expect(ofType(run, "kubernetes:core/v1:Namespace")).toEqual([]);
    expect(run.outputs.url).toBe("https://shop.example.com");
  });
});

describe("AwsBlueGreen with references that are Outputs of the user's resources", () => {
  it("checks them once known and wires them: the target groups in the user's VPC, the rule on the user's listener", async () => {
    const run = await runProgram(STACK, {
      program: () => {
        const vpc = new aws.ec2.Vpc("user-vpc", { cidrBlock: "10.50.0.0/16" });
        const base = argsOf("aws") as unknown as AwsBlueGreenArgs;
        const shop = new AwsBlueGreen("shop", { ...base, network: { ...base.network, vpcId: vpc.id } });
        return { url: shop.url };
      },
    });
    const vpc = named(run, "user-vpc");
    const vpcId = fakeResource(vpc.type, vpc.name, vpc.inputs, "eu-west-1").state.id;
    expect(inputs(named(run, "shop-blue-tg")).vpcId).toBe(vpcId);
    expect(inputs(named(run, "shop-traffic-rule"))).toMatchObject({
      listenerArn: (argsOf("aws").loadBalancer as { listenerArn: string }).listenerArn,
      priority: 120,
      conditions: [{ hostHeader: { values: ["shop.example.com"] } }],
    });
  });

  it("refuses a reference given as malformed text, naming its Args path", async () => {
    const base = argsOf("aws") as unknown as AwsBlueGreenArgs;
    const failed = runProgram(STACK, {
      program: () => ({
        url: new AwsBlueGreen("shop", { ...base, network: { ...base.network, vpcId: "vpc_main" } }).url,
      }),
    });
    await expect(failed).rejects.toThrow(/ {2}- network\.vpcId: must be a VPC id \(vpc-\.\.\.\)/);
  });
});
