/** Fargate container definitions, shared by the colors and the migration task. */

/** How a container runs: `bluegreen:<color>.readOnlyRootFilesystem`, `.user` and `.securityException`. */
export interface ContainerHardening {
  /** The root filesystem is read-only; the task then mounts a writable /tmp. The config's default: true. */
  readonly readOnlyRootFilesystem: boolean;
  /** Numeric uid[:gid]. The config's default: "10001". */
  readonly user: string;
  /** The stated reason for relaxing either, tagged on the task definition; set only when one is relaxed. */
  readonly securityException?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly port?: number;
  readonly command?: string[];
  readonly env: Record<string, string>;
  /** Variable name → Secrets Manager / SSM ARN, injected by ECS at start. */
  readonly secrets: Record<string, string>;
  readonly logGroup: string;
  readonly region: string;
  readonly logStreamPrefix: string;
  readonly hardening: ContainerHardening;
}

/** The task volume mounted at /tmp when the root filesystem is read-only. */
export const TMP_VOLUME = "tmp";

/**
 * The task's volumes: a writable /tmp on Fargate's ephemeral storage when the
 * root filesystem is read-only (Fargate has no tmpfs). ECS copies the image's
 * `VOLUME /tmp` directory, permissions included, into it; without one the
 * mount belongs to root, so a non-root image declares `VOLUME /tmp` (mode 1777).
 */
export function taskVolumes(hardening: ContainerHardening): { name: string }[] | undefined {
  return hardening.readOnlyRootFilesystem ? [{ name: TMP_VOLUME }] : undefined;
}

/** The `containerDefinitions` JSON for one essential container with awslogs; never privileged, no added capabilities. */
export function containerDefinitions(spec: ContainerSpec): string {
  const { readOnlyRootFilesystem, user } = spec.hardening;
  return JSON.stringify([
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.port ? { portMappings: [{ containerPort: spec.port, protocol: "tcp" }] } : {}),
      user,
      readonlyRootFilesystem: readOnlyRootFilesystem,
      ...(readOnlyRootFilesystem
        ? { mountPoints: [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }] }
        : {}),
      environment: Object.entries(spec.env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      secrets: Object.entries(spec.secrets)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, valueFrom]) => ({ name, valueFrom })),
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": spec.logGroup,
          "awslogs-region": spec.region,
          "awslogs-stream-prefix": spec.logStreamPrefix,
        },
      },
    },
  ]);
}
