/**
 * The EcsMigration provider in Pulumi's real dynamic-provider host, the real
 * AWS SDK in it talking to testkit/ecsServer.ts, for the tests of a describe
 * block: started before them, the ECS stand-in's scenarios reset before each.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { ecsMigrationProvider, EcsMigrationInputs } from "../../components/aws/ecsMigration";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { EcsServer } from "../../testkit/ecsServer";
import { ProviderCallError, ProviderHost, serializeProvider } from "../../testkit/providerHost";

export const ECS_MIGRATION_TYPE = DYNAMIC_TYPES.ecsMigration.token;
/** What the SDK's default credential chain in the host reads; they never appear in inputs or outs. */
export const ACCESS_KEY = "AKIDBLUEGREENTEST";
export const SECRET_KEY = "bluegreen-test-secret-key";
export const TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-migrate:7";

export interface EcsMigrationRig {
  host: ProviderHost;
  ecs: EcsServer;
  /** The serialized provider. */
  text: string;
  /** Inputs of migration `migrationVersion` against the stand-in, `overrides` on top. */
  inputs(migrationVersion: string, overrides?: Partial<EcsMigrationInputs>): EcsMigrationInputs;
  /** The details of the failure `host.create` must end in. */
  createError(props: EcsMigrationInputs): Promise<string>;
}

export function useEcsMigrationRig(): EcsMigrationRig {
  const rig = {
    inputs: (migrationVersion, overrides = {}) => ({
      region: "us-east-1",
      cluster: "prod",
      taskDefinitionArn: TASK_DEF,
      containerName: "shop-migrate",
      command: ["npm", "run", "migrate"],
      subnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
      securityGroupIds: ["sg-0123456789abcdef0"],
      migrationVersion,
      timeoutSeconds: 10,
      pollIntervalSeconds: 0.05,
      logGroup: "/ecs/shop",
      logStreamPrefix: "migration",
      endpoint: rig.ecs.endpoint,
      ...overrides,
    }),
    createError: async (props) => {
      const error = await rig.host.create(ECS_MIGRATION_TYPE, rig.text, { ...props }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderCallError);
      return (error as ProviderCallError).details;
    },
  } as EcsMigrationRig;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    rig.ecs = await EcsServer.start();
    rig.host = await ProviderHost.start();
    rig.text = await serializeProvider(ecsMigrationProvider);
  });
  afterAll(async () => {
    await rig.host?.stop();
    await rig.ecs?.stop();
  });
  beforeEach(() => rig.ecs.reset());
  return rig;
}
