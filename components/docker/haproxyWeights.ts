/**
 * HaproxyWeights: the live blue/green split of the local router, applied to
 * the RUNNING HAProxy through its runtime API, so a weight change neither
 * restarts the router nor drops a connection. Every change is an in-place
 * update; deleting the resource leaves the router's weights as they are (the
 * router goes away with its container).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CheckFailure } from "../contracts/providerKit";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { Endpoint, ServerWeights, backendProblems, endpointProblems, weightProblems } from "./haproxyConfig";
import { applyWeights } from "./haproxyRuntime";

export interface HaproxyWeightsInputs {
  readonly admin: Endpoint;
  readonly backend: string;
  readonly weights: ServerWeights;
  /** Identity of the running router (its container id): a new router gets the weights applied again. */
  readonly instance?: string;
}

export interface HaproxyWeightsOuts extends HaproxyWeightsInputs {
  /** ISO time the weights were applied and read back. */
  readonly appliedAt: string;
}

export function haproxyWeightsProblems(inputs: Partial<HaproxyWeightsInputs>): CheckFailure[] {
  return [
    ...endpointProblems("admin", inputs.admin, false),
    ...backendProblems("backend", inputs.backend),
    ...weightProblems("weights", inputs.weights),
  ];
}

async function apply(inputs: HaproxyWeightsInputs): Promise<HaproxyWeightsOuts> {
  const { after } = await applyWeights(inputs.admin, inputs.backend, inputs.weights);
  return {
    admin: { address: inputs.admin.address, port: inputs.admin.port },
    backend: inputs.backend,
    weights: after,
    ...(inputs.instance === undefined ? {} : { instance: inputs.instance }),
    appliedAt: new Date().toISOString(),
  };
}

export const haproxyWeightsProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news, failures: haproxyWeightsProblems(news) };
  },

  async diff(_id, olds: HaproxyWeightsOuts, news: HaproxyWeightsInputs) {
    // Same router, new split or new address: always an in-place update, never a replace.
    const changed =
      olds.backend !== news.backend ||
      olds.admin?.address !== news.admin.address ||
      olds.admin?.port !== news.admin.port ||
      olds.weights?.blue !== news.weights.blue ||
      olds.weights?.green !== news.weights.green ||
      olds.instance !== news.instance;
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: HaproxyWeightsInputs) {
    return { id: `${inputs.backend}-weights`, outs: await apply(inputs) };
  },

  async update(_id, _olds, news: HaproxyWeightsInputs) {
    return { outs: await apply(news) };
  },
};

export interface HaproxyWeightsArgs {
  /** Runtime API of the router: the `stats socket ... level admin` TCP endpoint as reachable from where Pulumi runs. */
  readonly admin: pulumi.Input<{ address: pulumi.Input<string>; port: pulumi.Input<number> }>;
  /** Backend holding the `blue` and `green` servers; the app name in renderHaproxyConfig. */
  readonly backend: pulumi.Input<string>;
  /** HAProxy weights 0..256, not both 0; convert traffic weights (0..999) with haproxyWeights(). */
  readonly weights: pulumi.Input<{ blue: pulumi.Input<number>; green: pulumi.Input<number> }>;
  /** The router container's id: when the router is replaced, the weights are applied to the new one. */
  readonly instance?: pulumi.Input<string>;
}

export class HaproxyWeights extends pulumi.dynamic.Resource {
  /** ServerWeights read back from HAProxy after the change. */
  declare readonly weights: pulumi.Output<ServerWeights>;
  declare readonly appliedAt: pulumi.Output<string>;

  constructor(name: string, args: HaproxyWeightsArgs, opts?: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.haproxyWeights;
    super(haproxyWeightsProvider, name, { ...args, appliedAt: undefined }, opts, module, type);
  }
}
