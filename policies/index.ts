/**
 * bluegreen's policy pack: the release-safety rules of the project, run with
 * `pulumi preview --policy-pack policies` (see README.md). Every policy is
 * listed here explicitly, so a new rule is a visible change to this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { ecsCircuitBreakerRollback, imagesPinned, noPlaintextSecrets } from "./containers";
import {
  databaseEncryptedPrivate,
  databaseProductionSafeguards,
  migrationAfterSnapshot,
  snapshotNamedForMigration,
} from "./database";
import { kubernetesReadinessProbes, kubernetesResourceLimits } from "./kubernetes";
import { listenerHttpsModernTls, targetGroupDeregistrationDelay, targetGroupHealthCheck } from "./loadBalancer";
import { httpRouteBackendWeights, listenerForwardWeights, trafficRequiresPromotionGate } from "./traffic";

new PolicyPack("bluegreen", {
  description:
    "Release guardrails for bluegreen stacks: weighted routing, promotion gates, snapshots before migrations, databases, TLS, secrets, images.",
  policies: [
    listenerForwardWeights,
    httpRouteBackendWeights,
    trafficRequiresPromotionGate,
    targetGroupHealthCheck,
    targetGroupDeregistrationDelay,
    listenerHttpsModernTls,
    migrationAfterSnapshot,
    snapshotNamedForMigration,
    databaseEncryptedPrivate,
    databaseProductionSafeguards,
    noPlaintextSecrets,
    imagesPinned,
    ecsCircuitBreakerRollback,
    kubernetesReadinessProbes,
    kubernetesResourceLimits,
  ],
});
