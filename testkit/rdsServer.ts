/**
 * A local RDS endpoint on 127.0.0.1 that speaks the service's Query
 * protocol (form-encoded POST with `Action` and `Version`, XML answers under
 * `<Action>Response/<Action>Result`, `ErrorResponse` errors), so the real
 * `@aws-sdk/client-rds` talks to it unchanged. It holds DB instances (seeded
 * ones, and those restored from a snapshot, which go through `creating` to
 * `available` one DescribeDBInstances at a time), records every request, and
 * forgets an instance when it is deleted.
 *
 * As RDS does: DescribeDBInstances pages (`MaxRecords`, default 100, and an
 * opaque `Marker`) and carries each instance's ARN, engine, master user name,
 * `TagList`, `PendingModifiedValues` and `MasterUserSecret`;
 * ListTagsForResource answers by ARN; a restore takes the engine and master
 * user of its snapshot, keeps the tags, subnet group and security groups it
 * was given and, for PostgreSQL, does not manage the master password in
 * Secrets Manager (RDS manages it on restore for Oracle only);
 * ModifyDBInstance `MasterUserPassword` refuses an instance whose password
 * Secrets Manager manages unless `ManageMasterUserPassword=false` comes with
 * it, then reports `MasterUserPassword: ****` pending through
 * `resetting-master-credentials` until it applies. The password that applied
 * is kept (`masterPassword`) for tests to compare.
 */
import { randomBytes } from "node:crypto";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface DbInstance {
  id: string;
  status: string;
  address: string;
  port: number;
  subnetGroup: string;
  securityGroups: string[];
  engine: string;
  masterUsername: string;
  /** The master password in force (a seeded instance's is unknown). */
  masterPassword?: string;
  /** Secrets Manager manages the master password (`manageMasterUserPassword`). */
  managedPassword: boolean;
  tags: { Key: string; Value: string }[];
  /** Statuses still to go, one per DescribeDBInstances of this instance. */
  pending: string[];
  /** A new master password not applied yet (applies when `pending` is done). */
  pendingPassword?: string;
}

export interface DbSnapshot {
  id: string;
  engine: string;
  masterUsername: string;
}

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
export const instanceArn = (id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`;

export interface RdsRequest {
  action: string;
  params: Record<string, string>;
}

class RdsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export class RdsServer {
  readonly requests: RdsRequest[] = [];
  readonly instances = new Map<string, DbInstance>();
  readonly snapshots = new Map<string, DbSnapshot>();
  /** Instances deleted, as they were (tests read what a deleted copy was given). */
  readonly deleted: DbInstance[] = [];
  /** Called before each request is answered (to play another client acting meanwhile). */
  onRequest?: (action: string, params: Record<string, string>) => void;
  /** A restore manages the master password in Secrets Manager (RDS does so only for Oracle). */
  restoreManagesPassword = false;
  /** Statuses a password reset goes through before `available`. */
  resetStatuses: string[] = ["resetting-master-credentials"];
  /** Statuses a restored instance goes through before `available`. */
  restoreStatuses: string[] = ["creating", "backing-up"];
  /** The status a restore ends in (e.g. `incompatible-restore` to play a failed restore). */
  restoreOutcome = "available";

  private constructor(private readonly server: Server) {}

  static async start(): Promise<RdsServer> {
    // Assigned once the HTTP server (whose handler uses it) exists.
    // eslint-disable-next-line prefer-const
    let rds: RdsServer;
    const server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const params = Object.fromEntries(new URLSearchParams(body));
        const action = params.Action ?? "";
        rds.requests.push({ action, params });
        let status = 200;
        let text: string;
        try {
          rds.onRequest?.(action, params);
          text = `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${rds.answer(action, params)}</${action}Result><ResponseMetadata><RequestId>${randomBytes(8).toString("hex")}</RequestId></ResponseMetadata></${action}Response>`;
        } catch (error) {
          const e = error instanceof RdsError ? error : new RdsError(500, "InternalFailure", String(error));
          status = e.status;
          text = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xml(e.message)}</Message></Error><RequestId>0</RequestId></ErrorResponse>`;
        }
        res.writeHead(status, { "content-type": "text/xml" });
        res.end(text);
      });
    });
    rds = new RdsServer(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return rds;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** An instance that exists already (the real database, a leftover). */
  seed(instance: Partial<DbInstance> & { id: string }): void {
    this.instances.set(instance.id, {
      status: "available",
      address: `${instance.id}.abc123.${REGION}.rds.amazonaws.com`,
      port: 5432,
      subnetGroup: "default",
      securityGroups: [],
      engine: "postgres",
      masterUsername: "bluegreen",
      managedPassword: false,
      tags: [],
      pending: [],
      ...instance,
    });
  }

  /** A DB snapshot a restore can start from. */
  seedSnapshot(snapshot: Partial<DbSnapshot> & { id: string }): void {
    this.snapshots.set(snapshot.id, { engine: "postgres", masterUsername: "bluegreen", ...snapshot });
  }

  /** The tags of an instance as a map. */
  tagsOf(id: string): Record<string, string> {
    return Object.fromEntries((this.instances.get(id)?.tags ?? []).map((t) => [t.Key, t.Value]));
  }

  actions(): string[] {
    return this.requests.map(
      (r) => `${r.action}${r.params.DBInstanceIdentifier ? ` ${r.params.DBInstanceIdentifier}` : ""}`,
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(action: string, params: Record<string, string>): string {
    const id = params.DBInstanceIdentifier;
    switch (action) {
      case "DescribeDBInstances": {
        if (id === undefined) {
          const all = [...this.instances.values()];
          const max = Number(params.MaxRecords ?? 100);
          if (max < 20 || max > 100)
            throw new RdsError(400, "InvalidParameterValue", `MaxRecords must be between 20 and 100, got ${max}`);
          const from = params.Marker === undefined ? 0 : Number(Buffer.from(params.Marker, "base64").toString());
          const page = all.slice(from, from + max);
          const marker =
            from + max < all.length ? `<Marker>${Buffer.from(String(from + max)).toString("base64")}</Marker>` : "";
          return `<DBInstances>${page.map(instanceXml).join("")}</DBInstances>${marker}`;
        }
        const instance = this.found(id);
        const next = instance.pending.shift();
        if (next !== undefined) instance.status = next;
        if (instance.pending.length === 0 && instance.pendingPassword !== undefined) {
          instance.masterPassword = instance.pendingPassword;
          instance.pendingPassword = undefined;
        }
        return `<DBInstances>${instanceXml(instance)}</DBInstances>`;
      }
      case "ListTagsForResource": {
        const instance = [...this.instances.values()].find((i) => instanceArn(i.id) === params.ResourceName);
        if (instance === undefined)
          throw new RdsError(404, "DBInstanceNotFound", `DBInstance ${params.ResourceName} not found.`);
        return tagsXml(instance.tags);
      }
      case "RestoreDBInstanceFromDBSnapshot": {
        if (this.instances.has(id))
          throw new RdsError(400, "DBInstanceAlreadyExists", `DB instance ${id} already exists`);
        const snapshot = this.snapshots.get(params.DBSnapshotIdentifier);
        if (snapshot === undefined)
          throw new RdsError(404, "DBSnapshotNotFound", `DBSnapshot ${params.DBSnapshotIdentifier} not found.`);
        const securityGroups = Object.entries(params)
          .filter(([key]) => key.startsWith("VpcSecurityGroupIds."))
          .map(([, value]) => value);
        const tags: { Key: string; Value: string }[] = [];
        for (let n = 1; params[`Tags.Tag.${n}.Key`] !== undefined; n++) {
          tags.push({ Key: params[`Tags.Tag.${n}.Key`], Value: params[`Tags.Tag.${n}.Value`] ?? "" });
        }
        this.seed({
          id,
          status: "creating",
          subnetGroup: params.DBSubnetGroupName ?? "default",
          securityGroups,
          engine: snapshot.engine,
          masterUsername: snapshot.masterUsername,
          tags,
          managedPassword: this.restoreManagesPassword,
          pending: [...this.restoreStatuses, this.restoreOutcome],
        });
        return instanceXml(this.instances.get(id)!);
      }
      case "ModifyDBInstance": {
        const instance = this.found(id);
        const password = params.MasterUserPassword;
        if (password !== undefined) {
          if (instance.managedPassword && params.ManageMasterUserPassword !== "false")
            throw new RdsError(
              400,
              "InvalidParameterCombination",
              "You can't specify MasterUserPassword for an instance with the master user password managed by Secrets Manager.",
            );
          if (password.length < 8 || password.length > 128 || /[/"@ ]/.test(password))
            throw new RdsError(
              400,
              "InvalidParameterValue",
              "The parameter MasterUserPassword is not a valid password.",
            );
          instance.managedPassword = false;
          instance.pendingPassword = password;
          instance.pending.push(...this.resetStatuses, "available");
        }
        return instanceXml(instance);
      }
      case "DeleteDBInstance": {
        const instance = this.found(id);
        this.instances.delete(id);
        this.deleted.push(instance);
        return instanceXml({ ...instance, status: "deleting" });
      }
      default:
        throw new RdsError(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
    }
  }

  private found(id: string): DbInstance {
    const instance = this.instances.get(id);
    if (instance === undefined) throw new RdsError(404, "DBInstanceNotFound", `DBInstance ${id} not found.`);
    return instance;
  }
}

function tagsXml(tags: readonly { Key: string; Value: string }[]): string {
  return `<TagList>${tags.map((t) => `<Tag><Key>${xml(t.Key)}</Key><Value>${xml(t.Value)}</Value></Tag>`).join("")}</TagList>`;
}

function instanceXml(i: DbInstance): string {
  const groups = i.securityGroups
    .map(
      (g) =>
        `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`,
    )
    .join("");
  const endpoint =
    i.status === "creating" ? "" : `<Endpoint><Address>${i.address}</Address><Port>${i.port}</Port></Endpoint>`;
  const pending = i.pendingPassword === undefined ? "" : "<MasterUserPassword>****</MasterUserPassword>";
  const secret = i.managedPassword
    ? `<MasterUserSecret><SecretArn>arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-${i.id}</SecretArn><SecretStatus>active</SecretStatus></MasterUserSecret>`
    : "";
  return (
    `<DBInstance><DBInstanceIdentifier>${i.id}</DBInstanceIdentifier><DBInstanceArn>${instanceArn(i.id)}</DBInstanceArn>` +
    `<Engine>${i.engine}</Engine><MasterUsername>${i.masterUsername}</MasterUsername><DBInstanceStatus>${i.status}</DBInstanceStatus>${endpoint}` +
    `<DBSubnetGroup><DBSubnetGroupName>${i.subnetGroup}</DBSubnetGroupName></DBSubnetGroup><VpcSecurityGroups>${groups}</VpcSecurityGroups>` +
    `<PendingModifiedValues>${pending}</PendingModifiedValues>${secret}${tagsXml(i.tags)}</DBInstance>`
  );
}
