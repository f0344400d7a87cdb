/**
 * bluegreen's policy pack: the release-safety rules of the project, run with
 * `pulumi preview --policy-pack policies` (see README.md). Every policy is
 * listed here explicitly, so a new rule is a visible change to this file.
 * Resource rules judge only the resources bluegreen's components created
 * (ownership.ts); stack rules also judge what reaches into the app from
 * outside (structure.ts, routes.ts, parents.ts).
 */
import { PolicyPack } from "@pulumi/policy";
import { ecsCircuitBreakerRollback, imagesPinned, noPlaintextSecrets } from "./containers";
import {
  databaseBackupsEnabled,
  databaseEncryptedPrivate,
  databaseProductionSafeguards,
  migrationAfterSnapshot,
  snapshotNamedForMigration,
} from "./database";
import { ecsSecretsAreArns, ecsTaskHardening } from "./ecs";
import { kubernetesPodSecurity, kubernetesReadinessProbes, kubernetesResourceLimits } from "./kubernetes";
import {
  listenerHttpsModernTls,
  loadBalancerSafeguards,
  targetGroupDeregistrationDelay,
  targetGroupHealthCheck,
} from "./loadBalancer";
import { dockerHaproxyRuntimeApiPrivate, dockerPostgresPasswordAuth } from "./local";
import { breakingMigrationIrreversible } from "./migrations";
import { databaseIngressFromApp } from "./databaseIngress";
import { colorTasksBehindLoadBalancer, securityGroupEgressScoped, testListenersNotPublic } from "./network";
import { appMarkersMatchStructure, appRoutingMarked } from "./markers";
import { appResourcesOnly } from "./ownership";
import { appResourcesInsideComponents } from "./parents";
import { hotfixReported } from "./release";
import { httpRouteBackendWeights, listenerForwardWeights, trafficRequiresPromotionGate } from "./traffic";

new PolicyPack("bluegreen", {
  description:
    "Release guardrails for bluegreen stacks: weighted routing, promotion gates, snapshots before migrations, databases, TLS, secrets, images.",
  policies: [
    listenerForwardWeights,
    httpRouteBackendWeights,
    trafficRequiresPromotionGate,
    appRoutingMarked,
    appMarkersMatchStructure,
    appResourcesInsideComponents,
    targetGroupHealthCheck,
    targetGroupDeregistrationDelay,
    listenerHttpsModernTls,
    migrationAfterSnapshot,
    snapshotNamedForMigration,
    breakingMigrationIrreversible,
    databaseEncryptedPrivate,
    databaseProductionSafeguards,
    noPlaintextSecrets,
    imagesPinned,
    ecsCircuitBreakerRollback,
    loadBalancerSafeguards,
    testListenersNotPublic,
    colorTasksBehindLoadBalancer,
    securityGroupEgressScoped,
    databaseIngressFromApp,
    databaseBackupsEnabled,
    ecsTaskHardening,
    ecsSecretsAreArns,
    kubernetesReadinessProbes,
    kubernetesResourceLimits,
    kubernetesPodSecurity,
    dockerHaproxyRuntimeApiPrivate,
    dockerPostgresPasswordAuth,
    hotfixReported,
  ].map(appResourcesOnly),
});
