/**
 * The secure defaults of the Kubernetes pods: the pure function that applies
 * them (validated against the official schemas), then the real program for
 * Pulumi.kube-staging.yaml under mocks: both colors and the migration Job
 * hardened, /tmp writable, and a color that runs as root or with a writable
 * root filesystem only with its stated reason, which its workload carries.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_ANNOTATIONS } from "../../components/contracts/markers";
import { deploymentSpec, jobSpec } from "../../components/kubernetes/manifests";
import { hardenedPodSpec, securityAnnotations } from "../../components/kubernetes/podSecurity";
import { runWith } from "../../testkit/analyzerCases";
import { ProgramRun, RegisteredResource, runProgram } from "../../tooling/engine/offlineProgram";
import { named } from "../program/graph";
import { manifestProblems } from "./schemaValidation";

const DEFAULTS = { user: "10001", readOnlyRootFilesystem: true } as const;
const RESOURCES = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };
const JOB = "api-migration-job-2026-11-20-orders-index";

/** The pod and container settings that make up the secure defaults, as the program registered them. */
function securityException(annotations: Record<string, string> | undefined) {
  const reason = annotations?.[KUBERNETES_ANNOTATIONS.securityException];
  return reason === undefined ? undefined : { [KUBERNETES_ANNOTATIONS.securityException]: reason };
}

function hardening(resource: RegisteredResource) {
  const inputs = resource.inputs as Record<string, any>;
  const pod = inputs.spec.template.spec;
  return {
    // The security exception only: the migration Job also carries its schema change (the pack's breaking rule).
    annotations: securityException(inputs.metadata.annotations),
    automountServiceAccountToken: pod.automountServiceAccountToken,
    pod: pod.securityContext,
    containers: pod.containers.map((c: any) => ({ securityContext: c.securityContext, volumeMounts: c.volumeMounts })),
    volumes: pod.volumes,
  };
}

const HARDENED = {
  annotations: undefined,
  automountServiceAccountToken: false,
  pod: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
  containers: [
    {
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    },
  ],
  volumes: [{ name: "tmp", emptyDir: {} }],
};

describe("hardenedPodSpec", () => {
  const pod = (user: string, readOnlyRootFilesystem = true) =>
    hardenedPodSpec({ user, readOnlyRootFilesystem }, { containers: [{ name: "api", image: "api:1.5.0" }] }) as any;

  it("runs as the configured uid, with the group only when the user names one (as docker run --user does)", () => {
    expect(pod("10001").securityContext).toEqual(HARDENED.pod);
    expect(pod("10001:20001").securityContext).toEqual({ ...HARDENED.pod, runAsGroup: 20001 });
  });

  it("lets only uid 0 run as root, and keeps /tmp writable whatever the root filesystem", () => {
    expect(pod("0:0").securityContext).toEqual({ ...HARDENED.pod, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
    const writable = pod("10001", false);
    expect(writable.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(writable.containers[0].volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(writable.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
  });

  it("validates inside a Deployment and a Job against the official schemas, root escape hatch included", async () => {
    const color = {
      app: "api",
      color: "green" as const,
      version: "1.5.0",
      image: "api:1.5.0",
      replicas: 2,
      port: 8080,
      healthPath: "/healthz",
      env: {},
      secrets: {},
      resources: RESOURCES,
    };
    const migration = {
      version: "7",
      image: "m:1",
      command: ["migrate"],
      timeoutSeconds: 60,
      reversible: false,
      rehearse: false,
      validate: [],
      breaking: false,
    };
    const root = { user: "0", readOnlyRootFilesystem: false, securityException: "vendor image" };
    for (const hardening of [DEFAULTS, root]) {
      const metadata = { name: "api-green" };
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata,
        spec: deploymentSpec({ ...color, hardening }),
      };
      const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata,
        spec: jobSpec({ app: "api", migration, env: {}, secrets: {}, resources: RESOURCES, hardening }),
      };
      expect(await manifestProblems(deployment)).toEqual([]);
      expect(await manifestProblems(job)).toEqual([]);
    }
  });
});

describe("securityAnnotations", () => {
  it("carries the stated reason only when a default is relaxed", () => {
    expect(securityAnnotations({ ...DEFAULTS, securityException: "unused" })).toBeUndefined();
    expect(securityAnnotations({ ...DEFAULTS, user: "0", securityException: "binds port 80" })).toEqual({
      "bluegreen/security-exception": "binds port 80",
    });
  });
});

describe("Pulumi.kube-staging.yaml under mocks", () => {
  let shipped: ProgramRun;
  let rootBlue: ProgramRun;
  let writableGreen: ProgramRun;
  beforeAll(async () => {
    shipped = await runProgram("kube-staging");
    rootBlue = await runWith("kube-staging", "bluegreen:blue", {
      user: "0",
      securityException: "the vendor image binds port 80 as root",
    });
    writableGreen = await runWith("kube-staging", "bluegreen:green", {
      readOnlyRootFilesystem: false,
      user: "10001:10001",
      securityException: "unpacks templates into /app/cache",
    });
  });

  it("hardens both colors' Deployments and the migration Job with the defaults", () => {
    for (const name of ["api-blue-deployment", "api-green-deployment", JOB]) {
      expect(hardening(named(shipped, name)), name).toEqual(HARDENED);
    }
  });

  it("runs a color as root only with its reason, on its own Deployment: the other color and the Job stay non-root", () => {
    expect(hardening(named(rootBlue, "api-blue-deployment"))).toEqual({
      ...HARDENED,
      annotations: { "bluegreen/security-exception": "the vendor image binds port 80 as root" },
      pod: { ...HARDENED.pod, runAsNonRoot: false, runAsUser: 0 },
    });
    expect(hardening(named(rootBlue, "api-green-deployment"))).toEqual(HARDENED);
    // The Job runs as green, the color whose version it prepares.
    expect(hardening(named(rootBlue, JOB))).toEqual(HARDENED);
  });

  it("gives the candidate's relaxed settings and reason to the migration Job, which runs with its env and secrets", () => {
    const relaxed = {
      ...HARDENED,
      annotations: { "bluegreen/security-exception": "unpacks templates into /app/cache" },
      pod: { ...HARDENED.pod, runAsGroup: 10001 },
      containers: [
        {
          ...HARDENED.containers[0],
          securityContext: { ...HARDENED.containers[0].securityContext, readOnlyRootFilesystem: false },
        },
      ],
    };
    expect(hardening(named(writableGreen, "api-green-deployment"))).toEqual(relaxed);
    expect(hardening(named(writableGreen, JOB))).toEqual(relaxed);
    expect(hardening(named(writableGreen, "api-blue-deployment"))).toEqual(HARDENED);
  });
});
