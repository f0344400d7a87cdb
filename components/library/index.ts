/**
 * bluegreen as a library: the three components a Pulumi program imports to
 * add a blue/green release to infrastructure it already has, with the same
 * gate, snapshot, migration and release rules as the bluegreen program
 * (docs/library.md). The component provider serves them to other languages.
 */
export type {
  AppArgs,
  ColorArgs,
  DatabaseArgs,
  GateArgs,
  GateBodyArgs,
  GateJsonBodyArgs,
  GatePrometheusArgs,
  GateTargetsArgs,
  HotfixArgs,
  MaintenanceArgs,
  MigrationArgs,
  MigrationCheckArgs,
  ReleaseArgs,
  ReleaseModeArgs,
  TrafficArgs,
} from "./args";
export { AwsBlueGreen } from "./aws";
export type {
  AccessLogsArgs,
  AwsBlueGreenArgs,
  AwsListenerArgs,
  AwsLoadBalancerArgs,
  AwsNetworkArgs,
  TaskEgressArgs,
  TestPortsArgs,
} from "./awsArgs";
export { DockerBlueGreen } from "./docker";
export type { DockerBlueGreenArgs, DockerColorPortsArgs, DockerSettingsArgs } from "./docker";
export { KubernetesBlueGreen } from "./kubernetes";
export type {
  ColorRoutesArgs,
  ComputeArgs,
  GatewayRefArgs,
  KubernetesBlueGreenArgs,
  KubernetesSettingsArgs,
  PodResourcesArgs,
} from "./kubernetes";
export type { ReleaseOutputs } from "./release";
export { ConfigError } from "../config/issues";
