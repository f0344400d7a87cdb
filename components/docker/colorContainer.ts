/**
 * One color on the local platform: the app's container on the stack network,
 * also published on 127.0.0.1 so the gate (running where `pulumi up` runs)
 * can probe this color alone. It runs as `bluegreen:<color>.user` and finds
 * its database URL (the app role, with its password) in a file only that
 * user can read: a secret never sits in a plain variable.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_LABELS } from "../contracts/markers";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";
import type { ColorBasics } from "../platform";
import { colorEnvLines, DATABASE_URL_FILE } from "./colorEnv";

export interface ColorContainerArgs extends ColorBasics {
  /** Host port on 127.0.0.1 where the gate reaches this color. */
  readonly hostPort: number;
  readonly networkName: pulumi.Input<string>;
  /** The numeric uid[:gid] the container runs as; the config's default: "10001". */
  readonly user: string;
  /** The app role's connection URL, written to DATABASE_URL_FILE; a secret. */
  readonly databaseUrl: pulumi.Input<string>;
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
    const [uid, gid] = args.user.split(":");
    const container = new docker.Container(
      childName(name, "container"),
      {
        name: this.host,
        image: image.imageId,
        user: args.user,
        envs: colorEnvLines(args),
        uploads: [
          {
            file: DATABASE_URL_FILE,
            content: pulumi.secret(args.databaseUrl),
            owner: uid,
            ...(gid === undefined ? {} : { group: gid }),
            permissions: "0400",
          },
        ],
        networksAdvanced: [{ name: args.networkName, aliases: [this.host] }],
        ports: [{ internal: args.port, external: args.hostPort, ip: "127.0.0.1" }],
        labels: [
          { label: DOCKER_LABELS.app, value: args.app },
          { label: DOCKER_LABELS.color, value: args.color },
          { label: DOCKER_LABELS.version, value: args.version },
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
