/**
 * One color on the local platform: the app's container on the stack network,
 * also published on 127.0.0.1 so the gate (running where `pulumi up` runs)
 * can probe this color alone.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { ColorBasics } from "../platform";

export interface ColorContainerArgs extends ColorBasics {
  /** Host port on 127.0.0.1 where the gate reaches this color. */
  readonly hostPort: number;
  readonly networkName: pulumi.Input<string>;
  /** Extra variables (e.g. the database URL). */
  readonly databaseUrl?: string;
}

export class ColorContainer extends pulumi.ComponentResource {
  /** Name on the stack network, where the router reaches it. */
  readonly host: string;
  readonly containerId: pulumi.Output<string>;
  readonly probeUrl: string;

  constructor(name: string, args: ColorContainerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.dockerColorContainer, name, {}, opts);
    const parent = childOptions(this, opts.dependsOn);
    const image = new docker.RemoteImage(childName(name, "image"), { name: args.image, keepLocally: true }, parent);
    this.host = `${args.app}-${args.color}`;
    const env = {
      ...args.env,
      APP_COLOR: args.color,
      APP_VERSION: args.version,
      PORT: String(args.port),
      ...(args.databaseUrl ? { DATABASE_URL: args.databaseUrl } : {}),
    };
    const container = new docker.Container(
      childName(name, "container"),
      {
        name: this.host,
        image: image.imageId,
        envs: Object.entries(env)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => `${key}=${value}`),
        networksAdvanced: [{ name: args.networkName, aliases: [this.host] }],
        ports: [{ internal: args.port, external: args.hostPort, ip: "127.0.0.1" }],
        labels: [
          { label: "bluegreen.app", value: args.app },
          { label: "bluegreen.color", value: args.color },
          { label: "bluegreen.version", value: args.version },
        ],
        // Readiness is the gate's job (it probes this color before any traffic), so images need no HEALTHCHECK.
        wait: false,
        restart: "unless-stopped",
        // Fixed name and host port: the old container must go before its replacement starts.
      },
      childOptions(this, opts.dependsOn, { deleteBeforeReplace: true }),
    );
    this.containerId = container.id;
    this.probeUrl = `http://127.0.0.1:${args.hostPort}${args.healthPath}`;
    this.registerOutputs({ containerId: this.containerId, probeUrl: this.probeUrl });
  }
}
