/**
 * The secure defaults of every pod the platform runs (both colors and the
 * migration Job), as a pure function of the color's config: a non-root
 * numeric user, a read-only root filesystem with a writable emptyDir at
 * /tmp, every capability dropped, no privilege escalation, the runtime's
 * default seccomp profile and no service account token (the program grants
 * the pods no API role). They meet the Pod Security Standards' `restricted`
 * profile; the pack's `kubernetes-pod-security` rule checks each of them.
 */
import type * as k8s from "@pulumi/kubernetes";
import { relaxedDefaults, runsAsRoot } from "../config/hardening";
import type { ColorConfig } from "../config/schema";
import { KUBERNETES_ANNOTATIONS } from "../contracts/markers";

/** The keys that may relax a default, with the reason that must come with them (see components/config/hardening.ts). */
export type PodHardening = Pick<ColorConfig, "user" | "readOnlyRootFilesystem" | "securityException">;

/** Where the writable scratch space is mounted, whatever `readOnlyRootFilesystem` says. */
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" } as const;

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** `user` ("10001" or "10001:10001") as runAsUser, and runAsGroup when it names a group (else the image's, as with `docker run --user`). */
function identity(user: string): { runAsUser: number; runAsGroup?: number } {
  const [uid, gid] = user.split(":").map(Number);
  return gid === undefined ? { runAsUser: uid } : { runAsUser: uid, runAsGroup: gid };
}

/** A pod spec with the secure defaults applied to the pod and to each of its containers. */
export function hardenedPodSpec(
  hardening: PodHardening,
  pod: Omit<PodSpec, "containers"> & { containers: Container[] },
): PodSpec {
  return {
    ...pod,
    // The program grants the pods no API role (they run as the namespace's default account): a token would only be a credential to steal.
    automountServiceAccountToken: false,
    securityContext: {
      // Only a color whose config says why (securityException, required by the config rules) runs as root.
      runAsNonRoot: !runsAsRoot(hardening.user),
      ...identity(hardening.user),
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: pod.containers.map((container) => ({
      ...container,
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: hardening.readOnlyRootFilesystem,
        capabilities: { drop: ["ALL"] },
      },
      volumeMounts: [{ ...TMP_MOUNT }],
    })),
    volumes: [{ name: TMP_MOUNT.name, emptyDir: {} }],
  };
}

/** The workload's annotations: the stated reason when it relaxes a default (the pack accepts only such a one); none otherwise. */
export function securityAnnotations(hardening: PodHardening): Record<string, string> | undefined {
  return hardening.securityException === undefined || relaxedDefaults(hardening).length === 0
    ? undefined
    : { [KUBERNETES_ANNOTATIONS.securityException]: hardening.securityException };
}
