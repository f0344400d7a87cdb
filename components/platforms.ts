/** Platform name (`bluegreen:platform`) → the factory that builds it. */
import { awsPlatform } from "./aws";
import type { Platform as PlatformName } from "./config";
import { dockerPlatform } from "./docker";
import { kubernetesPlatform } from "./kubernetes";
import type { PlatformFactory } from "./platform";

export const platforms: Record<PlatformName, PlatformFactory> = {
  aws: awsPlatform,
  kubernetes: kubernetesPlatform,
  docker: dockerPlatform,
};
