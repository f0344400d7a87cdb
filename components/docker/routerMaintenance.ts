/**
 * HaproxyMaintenance: maintenance mode of the local router, switched on the
 * RUNNING HAProxy through its runtime API (haproxyMaintenance.ts): no reload,
 * no restart, requests in flight complete. The weights are another resource
 * (HaproxyWeights) and are never touched here, so turning maintenance off
 * returns users to the configured split. Every change is an in-place update;
 * deleting the resource leaves the router as it is (it goes away with its
 * container).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CheckFailure } from "../contracts/providerKit";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import { Endpoint, endpointProblems, filePathProblems } from "./haproxyConfig";
import { MaintenanceState, maintenanceStateProblems } from "./haproxyMaintenance";
import { applyMaintenance } from "./haproxyRuntime";

export interface HaproxyMaintenanceInputs {
  readonly admin: Endpoint;
  /** The maintenance map's path inside the router (HaproxySpec.maintenanceMap). */
  readonly mapFile: string;
  readonly state: MaintenanceState;
  /** Identity of the running router (its container id): a new router, which starts with maintenance off, gets the state again. */
  readonly instance?: string;
}

export interface HaproxyMaintenanceOuts extends HaproxyMaintenanceInputs {
  /** ISO time the state was applied and read back. */
  readonly appliedAt: string;
}

export function haproxyMaintenanceProblems(inputs: Partial<HaproxyMaintenanceInputs>): CheckFailure[] {
  return [
    ...endpointProblems("admin", inputs.admin, false),
    ...filePathProblems("mapFile", inputs.mapFile),
    ...maintenanceStateProblems("state", inputs.state),
  ];
}

async function apply(inputs: HaproxyMaintenanceInputs): Promise<HaproxyMaintenanceOuts> {
  await applyMaintenance(inputs.admin, inputs.mapFile, inputs.state);
  return { ...inputs, appliedAt: new Date().toISOString() };
}

export const haproxyMaintenanceProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news, failures: haproxyMaintenanceProblems(news) };
  },

  async diff(_id, olds: HaproxyMaintenanceOuts, news: HaproxyMaintenanceInputs) {
    const changed =
      olds.admin?.address !== news.admin.address ||
      olds.admin?.port !== news.admin.port ||
      olds.mapFile !== news.mapFile ||
      olds.state?.enabled !== news.state.enabled ||
      olds.state?.page !== news.state.page ||
      olds.state?.retryAfterSeconds !== news.state.retryAfterSeconds ||
      olds.instance !== news.instance;
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: HaproxyMaintenanceInputs) {
    return { id: "maintenance", outs: await apply(inputs) };
  },

  async update(_id, _olds, news: HaproxyMaintenanceInputs) {
    return { outs: await apply(news) };
  },
};

export interface HaproxyMaintenanceArgs {
  /** Runtime API of the router, as reachable from where Pulumi runs. */
  readonly admin: pulumi.Input<{ address: pulumi.Input<string>; port: pulumi.Input<number> }>;
  /** The maintenance map's path inside the router. */
  readonly mapFile: pulumi.Input<string>;
  /** On or off, the page (components/maintenance.ts) and Retry-After. */
  readonly state: pulumi.Input<MaintenanceState>;
  /** The router container's id: when the router is replaced, the state is applied to the new one. */
  readonly instance?: pulumi.Input<string>;
}

export class HaproxyMaintenance extends pulumi.dynamic.Resource {
  declare readonly state: pulumi.Output<MaintenanceState>;
  declare readonly appliedAt: pulumi.Output<string>;

  constructor(name: string, args: HaproxyMaintenanceArgs, opts?: pulumi.CustomResourceOptions) {
    const { module, name: type } = DYNAMIC_TYPES.haproxyMaintenance;
    super(haproxyMaintenanceProvider, name, { ...args, appliedAt: undefined }, opts, module, type);
  }
}
