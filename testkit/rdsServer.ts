/**
 * A local RDS endpoint on 127.0.0.1 that speaks the service's Query
 * protocol (form-encoded POST with `Action` and `Version`, XML answers under
 * `<Action>Response/<Action>Result`, `ErrorResponse` errors), so the real
 * `@aws-sdk/client-rds` talks to it unchanged. It holds DB instances (seeded
 * ones, and those restored from a snapshot, which go through `creating` to
 * `available` one DescribeDBInstances at a time), records every request, and
 * forgets an instance when it is deleted.
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
  /** Statuses still to go, one per DescribeDBInstances of this instance. */
  pending: string[];
}

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
      address: `${instance.id}.abc123.us-east-1.rds.amazonaws.com`,
      port: 5432,
      subnetGroup: "default",
      securityGroups: [],
      pending: [],
      ...instance,
    });
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
        if (id === undefined)
          return `<DBInstances>${[...this.instances.values()].map(instanceXml).join("")}</DBInstances>`;
        const instance = this.found(id);
        const next = instance.pending.shift();
        if (next !== undefined) instance.status = next;
        return `<DBInstances>${instanceXml(instance)}</DBInstances>`;
      }
      case "RestoreDBInstanceFromDBSnapshot": {
        if (this.instances.has(id))
          throw new RdsError(400, "DBInstanceAlreadyExists", `DB instance ${id} already exists`);
        const securityGroups = Object.entries(params)
          .filter(([key]) => key.startsWith("VpcSecurityGroupIds."))
          .map(([, value]) => value);
        this.seed({
          id,
          status: "creating",
          subnetGroup: params.DBSubnetGroupName ?? "default",
          securityGroups,
          pending: [...this.restoreStatuses, this.restoreOutcome],
        });
        return instanceXml(this.instances.get(id)!);
      }
      case "DeleteDBInstance": {
        const instance = this.found(id);
        this.instances.delete(id);
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

function instanceXml(i: DbInstance): string {
  const groups = i.securityGroups
    .map(
      (g) =>
        `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`,
    )
    .join("");
  const endpoint =
    i.status === "creating" ? "" : `<Endpoint><Address>${i.address}</Address><Port>${i.port}</Port></Endpoint>`;
  return (
    `<DBInstance><DBInstanceIdentifier>${i.id}</DBInstanceIdentifier><DBInstanceStatus>${i.status}</DBInstanceStatus>${endpoint}` +
    `<DBSubnetGroup><DBSubnetGroupName>${i.subnetGroup}</DBSubnetGroupName></DBSubnetGroup><VpcSecurityGroups>${groups}</VpcSecurityGroups></DBInstance>`
  );
}
