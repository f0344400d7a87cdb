/**
 * The local router: HAProxy in a container with one server per color. Its
 * config file carries no live weights (they would restart the router on every
 * shift); `HaproxyWeights` sets them on the running process through the
 * runtime API. That API has no authentication, so it is a unix socket inside
 * the router, reached through a TCP listener that answers only the stack
 * network's gateway (where Docker's port published on the host's loopback
 * arrives from) and refuses the app and migration containers on the network.
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { COLORS } from "../contracts/colors";
import type { TrafficRoute } from "../contracts/outputs";
import { childOptions } from "../options";
import type { TrafficWeights } from "../traffic";
import { haproxyWeights, renderHaproxyConfig, renderRuntimeApiClients } from "./haproxyConfig";
import {
  INITIAL_MAINTENANCE_MAP,
  MAINTENANCE_SCRIPT,
  MaintenanceState,
  maintenanceScriptFile,
} from "./haproxyMaintenance";
import { HaproxyWeights } from "./haproxyWeights";
import { HaproxyMaintenance } from "./routerMaintenance";

export interface RouterArgs {
  readonly app: string;
  /** HAProxy image, pinned; the config's default: "haproxy:2.8.10". */
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
  readonly healthPath: string;
  readonly appPort: number;
  /** Color name on the network → its container host name. */
  readonly backends: Record<(typeof COLORS)[number], string>;
  /** Traffic weights from config (0..999); converted to HAProxy's 0..256. */
  readonly weights: TrafficWeights;
  /** Host port on 127.0.0.1 for users. The config's default: 8080. */
  readonly routerPort: number;
  /** Host port on 127.0.0.1 for the runtime API. The config's default: 9999. */
  readonly adminPort: number;
  /** Addresses the runtime API answers, as the router sees them: the stack network's gateway (the host side). */
  readonly runtimeApiClients: pulumi.Input<string[]>;
  /** Maintenance mode: switched on the running router, never by a restart (see HaproxyMaintenance). */
  readonly maintenance: MaintenanceState;
}

const LISTEN_PORT = 8080;
const ADMIN_PORT = 9999;
const CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
/** The image runs HAProxy as user haproxy, which owns its home, /var/lib/haproxy. */
const RUNTIME_API_SOCKET = "/var/lib/haproxy/runtime-api.sock";
const RUNTIME_API_CLIENTS = "/usr/local/etc/haproxy/runtime-api-clients.lst";
/** Read at start (maintenance off), then changed in memory through the runtime API. */
const MAINTENANCE_MAP = "/usr/local/etc/haproxy/maintenance.map";
/** Docker's embedded DNS on user-defined networks: resolves container names to their current address. */
const DOCKER_DNS = { address: "127.0.0.11", port: 53 };

export class Router extends pulumi.ComponentResource {
  readonly url: string;
  readonly appliedWeights: pulumi.Output<TrafficWeights>;
  /** The runtime API and backend the weights are set on, as HaproxyWeights sets them. */
  readonly trafficRoute: TrafficRoute & { readonly kind: "haproxy" };

  constructor(name: string, args: RouterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.dockerRouter, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    // Equal start weights: the live split is applied right after start (see HaproxyWeights below).
    const config = renderHaproxyConfig({
      app: args.app,
      bind: { address: "0.0.0.0", port: LISTEN_PORT },
      admin: { address: "0.0.0.0", port: ADMIN_PORT, socket: RUNTIME_API_SOCKET, clientsFile: RUNTIME_API_CLIENTS },
      healthPath: args.healthPath,
      dnsResolver: DOCKER_DNS,
      maintenanceMap: MAINTENANCE_MAP,
      servers: {
        blue: { address: args.backends.blue, port: args.appPort, weight: 1 },
        green: { address: args.backends.green, port: args.appPort, weight: 1 },
      },
    });
    const image = new docker.RemoteImage(childName(name, "image"), { name: args.image, keepLocally: true }, parent);
    const container = new docker.Container(
      childName(name, "haproxy"),
      {
        name: `${args.app}-router`,
        image: image.imageId,
        networksAdvanced: [{ name: args.networkName }],
        ports: [
          { internal: LISTEN_PORT, external: args.routerPort, ip: "127.0.0.1" },
          { internal: ADMIN_PORT, external: args.adminPort, ip: "127.0.0.1" },
        ],
        uploads: [
          { file: CONFIG_PATH, content: config },
          // Its own file: the gateway is known only once the network exists, and the config stays readable at preview.
          { file: RUNTIME_API_CLIENTS, content: pulumi.output(args.runtimeApiClients).apply(renderRuntimeApiClients) },
          { file: MAINTENANCE_MAP, content: INITIAL_MAINTENANCE_MAP },
          // The service answering with the page once it has read the request body (maintenance.lua), loaded at start.
          { file: maintenanceScriptFile(MAINTENANCE_MAP), content: MAINTENANCE_SCRIPT },
        ],
        labels: [{ label: "bluegreen.config-sha256", value: createHash("sha256").update(config).digest("hex") }],
        restart: "unless-stopped",
        // Fixed name and host ports: the old router must go before its replacement starts.
      },
      childOptions(this, opts.dependsOn, { deleteBeforeReplace: true }),
    );
    // Where Pulumi runs: Docker publishes the runtime API on the host's loopback.
    const admin = { address: "127.0.0.1", port: args.adminPort };
    const weights = new HaproxyWeights(
      childName(name, "weights"),
      {
        admin,
        backend: args.app,
        weights: haproxyWeights(args.weights),
        instance: container.id,
      },
      parent,
    );
    new HaproxyMaintenance(
      childName(name, "maintenance"),
      {
        admin,
        mapFile: MAINTENANCE_MAP,
        state: args.maintenance,
        instance: container.id,
      },
      parent,
    );
    this.url = `http://127.0.0.1:${args.routerPort}`;
    this.appliedWeights = weights.weights;
    this.trafficRoute = { kind: "haproxy", admin, backend: args.app };
    this.registerOutputs({ url: this.url, appliedWeights: this.appliedWeights });
  }
}
