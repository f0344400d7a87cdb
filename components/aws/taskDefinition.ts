/** Fargate container definitions, shared by the colors and the migration task. */

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
}

/** The `containerDefinitions` JSON for one essential container with awslogs. */
export function containerDefinitions(spec: ContainerSpec): string {
  return JSON.stringify([
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.port ? { portMappings: [{ containerPort: spec.port, protocol: "tcp" }] } : {}),
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
