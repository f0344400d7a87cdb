/** The example program: see shopPlatform.ts and README.md. */
import { shopPlatform } from "./shopPlatform";

export const { url, primaryColor, weights, trafficPercent, versions, gateVerdicts, probeUrls, resourceIds } =
  shopPlatform();
