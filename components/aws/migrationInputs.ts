/**
 * The inputs of an ECS migration run, judged at Check (every invalid one
 * with its value and the fix; values unknown at preview pass), and the
 * idempotency token RunTask gets. Pure; captured by value with the provider.
 */
import { CheckFailure, isUnknown } from "../contracts/providerKit";

export const DEFAULT_POLL_INTERVAL_SECONDS = 6;
export const MAX_TIMEOUT_SECONDS = 86_400;
export const MAX_POLL_INTERVAL_SECONDS = 60;

/** Check's verdict: one failure per invalid input, each with the observed value and the fix. Unknown (preview) values pass. */
export function checkMigrationInputs(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const known = (key: string) => !isUnknown(news[key]);
  const text = (key: string) => (typeof news[key] === "string" ? (news[key] as string) : "");
  const shown = (key: string) => JSON.stringify(news[key]) ?? "nothing";

  const regionValid = /^[a-z]{2}(-[a-z]+)+-\d+$/.test(text("region"));
  if (known("region") && !regionValid)
    fail("region", `must be an AWS region such as "us-east-1", got ${shown("region")}`);
  for (const key of ["cluster", "containerName", "migrationVersion"]) {
    if (known(key) && !text(key).trim()) fail(key, `must be a non-empty string, got ${shown(key)}`);
  }
  if (known("taskDefinitionArn")) {
    const arn = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/.exec(
      text("taskDefinitionArn"),
    );
    if (!arn) {
      fail(
        "taskDefinitionArn",
        `must be a task definition ARN with its revision (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>), got ${shown("taskDefinitionArn")}: ` +
          `a pinned revision is what makes the migration run the intended image`,
      );
    } else if (regionValid && arn[1] !== news.region) {
      fail(
        "taskDefinitionArn",
        `is in region "${arn[1]}" but region is "${news.region}": ECS runs only task definitions of the cluster's region`,
      );
    }
  }
  if (news.command !== undefined && !isUnknown(news.command)) {
    const command = news.command;
    if (!Array.isArray(command) || command.length === 0 || command.some((part) => typeof part !== "string")) {
      fail(
        "command",
        `must be a non-empty list of strings (omit it to run the image's own command), got ${shown("command")}`,
      );
    }
  }
  const idList = (key: string, prefix: string, label: string, why: string) => {
    const list = news[key];
    if (isUnknown(list)) return;
    if (!Array.isArray(list) || list.length === 0) {
      fail(key, `must list at least one ${label} id (${why}), got ${shown(key)}`);
      return;
    }
    const bad = list.filter(
      (id) => !isUnknown(id) && !(typeof id === "string" && new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id)),
    );
    if (bad.length > 0) fail(key, `must hold ${prefix}-<hex> ids, got ${JSON.stringify(bad)}`);
  };
  idList("subnetIds", "subnet", "subnet", "a Fargate task in awsvpc mode needs a subnet to run in");
  idList(
    "securityGroupIds",
    "sg",
    "security group",
    "without one ECS uses the VPC default security group, which rarely reaches the database",
  );
  const timeout = news.timeoutSeconds;
  if (!isUnknown(timeout) && !(typeof timeout === "number" && timeout >= 1 && timeout <= MAX_TIMEOUT_SECONDS)) {
    fail(
      "timeoutSeconds",
      `must be a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS} (RunTask's idempotency window is 24 h), got ${shown("timeoutSeconds")}`,
    );
  }
  const poll = news.pollIntervalSeconds;
  if (poll !== undefined && !isUnknown(poll)) {
    if (!(typeof poll === "number" && poll > 0 && poll <= MAX_POLL_INTERVAL_SECONDS)) {
      fail(
        "pollIntervalSeconds",
        `must be a number of seconds above 0 and at most ${MAX_POLL_INTERVAL_SECONDS}, got ${shown("pollIntervalSeconds")}`,
      );
    } else if (typeof timeout === "number" && poll > timeout) {
      fail(
        "pollIntervalSeconds",
        `is ${poll} s, longer than timeoutSeconds ${timeout} s: the first DescribeTasks would come after the deadline`,
      );
    }
  }
  if ((news.logGroup === undefined) !== (news.logStreamPrefix === undefined)) {
    fail(
      news.logGroup === undefined ? "logGroup" : "logStreamPrefix",
      "logGroup and logStreamPrefix go together (the awslogs group and stream prefix of the task definition): give both or neither",
    );
  }
  if (news.endpoint !== undefined && known("endpoint") && !/^https?:\/\/[^\s/]+/.test(text("endpoint"))) {
    fail("endpoint", `must be an http(s) URL such as "https://ecs.us-east-1.amazonaws.com", got ${shown("endpoint")}`);
  }
  return failures;
}

/**
 * RunTask's clientToken (at most 64 ASCII characters): the same for the same
 * cluster and migration version, so ECS answers a retried RunTask with the
 * task it already started. A cluster ARN and its name give the same token.
 */
export function migrationClientToken(cluster: string, migrationVersion: string): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const clusterName = cluster.replace(/^arn:[^:]+:ecs:[^:]*:\d{12}:cluster\//, "");
  const digest = crypto.createHash("sha256").update(`${clusterName}\n${migrationVersion}`).digest("hex");
  return `bluegreen-migration-${digest.slice(0, 44)}`;
}
