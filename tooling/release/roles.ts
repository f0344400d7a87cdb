/**
 * Which color a release watches (the candidate) and which one it falls back
 * to (the stable one). A shift watches the color it moves traffic to. A
 * watch of a deployed stack watches the color running the newer version;
 * when both run the same version, the color carrying the larger share is the
 * stable one (it has served the traffic), blue on a tie. Pure.
 */
import { Color, otherColor } from "../../components/contracts/colors";
import type { CoreConfig } from "../../components/config/schema";
import { releaseView } from "../../components/release";
import type { TrafficWeights } from "../../components/traffic";

export interface ReleaseRoles {
  readonly candidate: Color;
  readonly stable: Color;
  /** Why, in words, for the first log line. */
  readonly basis: string;
}

export function shiftRoles(target: Color): ReleaseRoles {
  return { candidate: target, stable: otherColor(target), basis: `traffic moves to ${target}` };
}

export function watchRoles(config: Pick<CoreConfig, "blue" | "green">, deployed: TrafficWeights): ReleaseRoles {
  const view = releaseView(config);
  if (view.candidate !== undefined) {
    return {
      candidate: view.candidate,
      stable: view.stable,
      basis: `${view.candidate} runs the newer version (${config[view.candidate].version})`,
    };
  }
  const stable: Color = deployed.green > deployed.blue ? "green" : "blue";
  return {
    candidate: otherColor(stable),
    stable,
    basis: `both run ${config.blue.version}: ${stable}, with the larger share, is the stable one`,
  };
}
