/**
 * A local ECS endpoint on 127.0.0.1 that speaks the service's JSON 1.1
 * protocol (POST /, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`,
 * `application/x-amz-json-1.1`, epoch-second timestamps, `__type` errors), so
 * the real AWS SDK client talks to it unchanged. It records every request and
 * plays queued scenarios: one per task started by RunTask. RunTask's
 * clientToken behaves as ECS documents it: per cluster, the same token with
 * the same parameters returns the original task, with other parameters a
 * ConflictException.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";
import { startAwsJsonServer } from "./awsJsonServer";

const TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
const ACCOUNT = "123456789012";

export type TaskStatus = "PROVISIONING" | "PENDING" | "RUNNING" | "STOPPED";

/** How a started task behaves. */
export interface TaskPlay {
  /** The container ECS reports (the migration container, or another name to test a mismatch). */
  container: string;
  /** lastStatus in RunTask's answer, then one step per DescribeTasks; the last one repeats. */
  statuses: readonly TaskStatus[];
  /** The container's exit code once STOPPED; omitted: it never ran. */
  exitCode?: number;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  /** DescribeTasks answers MISSING this many times first, as ECS may right after RunTask. */
  missingDescribes?: number;
}

/** RunTask starts no task and returns these failures (e.g. capacity). */
export interface RunTaskFailurePlay {
  failures: { arn?: string; reason: string; detail?: string }[];
}

export interface RecordedRequest {
  action: string;
  body: any;
  headers: IncomingHttpHeaders;
}

interface TaskState {
  arn: string;
  cluster: string;
  play: TaskPlay;
  step: number;
  describes: number;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppedBy?: string;
}

class EcsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class EcsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly plays: (TaskPlay | RunTaskFailurePlay)[] = [];
  private readonly tasks = new Map<string, TaskState>();
  private readonly tokens = new Map<string, { arn: string; params: string }>();

  private constructor(
    private readonly server: Server,
    readonly region: string,
  ) {}

  static async start(region = "us-east-1"): Promise<EcsServer> {
    // Assigned once the HTTP server (whose handler uses it) exists.
    // eslint-disable-next-line prefer-const
    let ecs: EcsServer | undefined;
    const server = await startAwsJsonServer(TARGET_PREFIX, "application/x-amz-json-1.1", (request) => {
      try {
        const body = request.body();
        ecs!.requests.push({ action: request.action, body, headers: request.headers });
        return { status: 200, payload: ecs!.handle(request.action, body) };
      } catch (error) {
        const e = error instanceof EcsError ? error : new EcsError("ServerException", String(error));
        return { status: e.type === "ServerException" ? 500 : 400, payload: { __type: e.type, message: e.message } };
      }
    });
    ecs = new EcsServer(server, region);
    return ecs;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues what the next newly started task (or RunTask failure) does. */
  play(play: TaskPlay | RunTaskFailurePlay): void {
    this.plays.push(play);
  }

  /** Requests of one action, in order. */
  calls(action: "RunTask" | "DescribeTasks" | "StopTask"): any[] {
    return this.requests.filter((r) => r.action === action).map((r) => r.body);
  }

  /** Forgets recorded requests and unplayed scenarios; started tasks and tokens stay, as in ECS. */
  reset(): void {
    this.requests.length = 0;
    this.plays.length = 0;
  }

  /** How many tasks RunTask actually started since the server started. */
  get tasksStarted(): number {
    return this.tasks.size;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(action: string, body: any): unknown {
    switch (action) {
      case "RunTask":
        return this.runTask(body);
      case "DescribeTasks":
        return this.describeTasks(body);
      case "StopTask":
        return this.stopTask(body);
      default:
        throw new EcsError("UnknownOperationException", `unsupported X-Amz-Target "${action}"`);
    }
  }

  private runTask(body: any): unknown {
    const cluster = String(body.cluster ?? "default");
    const { clientToken, ...rest } = body;
    const params = JSON.stringify(rest);
    const tokenKey = `${cluster}\n${clientToken}`;
    const previous = clientToken === undefined ? undefined : this.tokens.get(tokenKey);
    if (previous) {
      if (previous.params !== params) {
        throw new EcsError(
          "ConflictException",
          "The specified client token has already been used with different parameters.",
        );
      }
      return { tasks: [this.view(this.tasks.get(previous.arn)!)], failures: [] };
    }
    const play = this.plays.shift();
    if (play === undefined) throw new EcsError("ServerException", "ecsServer: RunTask without a queued play");
    if ("failures" in play) return { tasks: [], failures: play.failures };
    const clusterName = cluster.slice(cluster.lastIndexOf("/") + 1);
    const arn = `arn:aws:ecs:${this.region}:${ACCOUNT}:task/${clusterName}/${randomBytes(16).toString("hex")}`;
    const task: TaskState = { arn, cluster, play, step: 0, describes: 0, createdAt: Date.now() / 1000 };
    this.tasks.set(arn, task);
    if (clientToken !== undefined) this.tokens.set(tokenKey, { arn, params });
    this.observe(task);
    return { tasks: [this.view(task)], failures: [] };
  }

  private describeTasks(body: any): unknown {
    const tasks: unknown[] = [];
    const failures: unknown[] = [];
    for (const arn of body.tasks as string[]) {
      const task = this.tasks.get(arn);
      if (task === undefined || task.describes++ < (task.play.missingDescribes ?? 0)) {
        failures.push({ arn, reason: "MISSING" });
        continue;
      }
      task.step = Math.min(task.step + 1, task.play.statuses.length - 1);
      this.observe(task);
      tasks.push(this.view(task));
    }
    return { tasks, failures };
  }

  private stopTask(body: any): unknown {
    const task = this.tasks.get(body.task);
    if (task === undefined)
      throw new EcsError("InvalidParameterException", `The referenced task was not found: ${body.task}`);
    task.stoppedBy = String(body.reason ?? "");
    task.stoppedAt ??= Date.now() / 1000;
    return { task: this.view(task) };
  }

  /** Stamps startedAt / stoppedAt the first time a status is reported, as ECS does. */
  private observe(task: TaskState): void {
    const status = this.status(task);
    if (status === "RUNNING") task.startedAt ??= Date.now() / 1000;
    if (status === "STOPPED") task.stoppedAt ??= Date.now() / 1000;
  }

  private status(task: TaskState): TaskStatus {
    return task.stoppedBy !== undefined ? "STOPPED" : task.play.statuses[task.step];
  }

  /** The task as ECS's JSON shows it. */
  private view(task: TaskState): unknown {
    const status = this.status(task);
    const stopped = status === "STOPPED";
    const stoppedByUser = task.stoppedBy !== undefined;
    // A container stopped by StopTask gets SIGTERM/SIGKILL: exit 137 if it had started.
    const exitCode = stoppedByUser
      ? task.startedAt !== undefined
        ? 137
        : undefined
      : stopped
        ? task.play.exitCode
        : undefined;
    return {
      taskArn: task.arn,
      clusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${task.cluster.slice(task.cluster.lastIndexOf("/") + 1)}`,
      lastStatus: status,
      desiredStatus: stopped ? "STOPPED" : "RUNNING",
      launchType: "FARGATE",
      startedBy: "bluegreen",
      createdAt: task.createdAt,
      ...(task.startedAt !== undefined ? { startedAt: task.startedAt } : {}),
      ...(stopped ? { stoppedAt: task.stoppedAt, stopCode: stoppedByUser ? "UserInitiated" : task.play.stopCode } : {}),
      ...(stopped ? { stoppedReason: stoppedByUser ? task.stoppedBy : task.play.stoppedReason } : {}),
      containers: [
        {
          name: task.play.container,
          lastStatus: stopped ? "STOPPED" : status,
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(stopped && !stoppedByUser && task.play.containerReason ? { reason: task.play.containerReason } : {}),
        },
      ],
    };
  }
}
