/** The local platform's keys (`bluegreen:docker`); every one has a default. */
import { z } from "zod";
import type { ConfigIssue } from "../config/issues";
import type { CoreConfig } from "../config/schema";
import { databaseIssues, DatabaseSection } from "../rds/config";

const port = z.number().int().min(1).max(65535);

const dockerSchema = z
  .object({
    network: z.string().default("bluegreen"),
    routerPort: port.default(8080),
    adminPort: port.default(9999),
    /** Host ports that expose each color directly, so the gate can probe it. */
    colorPorts: z
      .object({ blue: port.default(8081), green: port.default(8082) })
      .strict()
      .default({ blue: 8081, green: 8082 }),
    postgresImage: z.string().default("postgres:16.4"),
    routerImage: z.string().default("haproxy:2.8.10"),
  })
  .strict();

/** Local platform settings; defaults apply when absent. */
export const dockerConfigShape = { docker: dockerSchema.prefault({}) };

export type DockerSettings = z.infer<typeof dockerSchema>;
export type DockerConfig = CoreConfig & { readonly docker: DockerSettings };

/** The local platform snapshots no RDS; a `database` section is only checked for consistency. */
export function dockerConfigIssues(config: CoreConfig & DatabaseSection): ConfigIssue[] {
  return databaseIssues(config, false);
}
