/**
 * Maintenance mode on AWS, in the resource graph the real program registers
 * for the real stack files (deterministic mocks): a listener rule above the
 * forward action answers 503 with the page; the weights stay; the page must
 * fit an ALB fixed response; a gate target through the production listener
 * is refused while the window is on.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { AWS_TAGS, ROUTE_KINDS } from "../../components/contracts/markers";
import { maintenancePage } from "../../components/maintenance";
import { runProgram } from "../../tooling/engine/offlineProgram";
import { changedResources, named, ofType } from "../program/graph";

const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const MESSAGE = "Moving <orders> to the new schema & back at 14:00.";

describe.each(["staging", "production"])("Pulumi.%s.yaml with bluegreen:maintenance", (stack) => {
  it("adds a fixed-response listener rule above the forward action, and leaves the weights and the gates' shares alone", async () => {
    const before = await runProgram(stack);
    expect(ofType(before, LISTENER_RULE)).toEqual([]);
    const after = await runProgram(stack, {
      overrides: { "bluegreen:maintenance": { enabled: true, message: MESSAGE, retryAfterSeconds: 600 } },
    });
    const rule = named(after, "api-traffic-maintenance");
    const listener = named(after, "api-traffic-listener");
    expect(rule.type).toBe(LISTENER_RULE);
    expect(rule.parent).toBe(named(after, "api-traffic").urn);
    expect(rule.inputs).toMatchObject({
      priority: 1,
      conditions: [{ pathPattern: { values: ["/*"] } }],
      actions: [
        {
          type: "fixed-response",
          fixedResponse: { contentType: "text/html", statusCode: "503", messageBody: maintenancePage(MESSAGE) },
        },
      ],
      tags: { [AWS_TAGS.app]: "api", [AWS_TAGS.route]: ROUTE_KINDS.maintenance },
    });
    expect(rule.propertyDependencies.listenerArn).toEqual([listener.urn]);
    // Only the rule is new; the listener's forward action is unchanged; the gates and the release guard only learn of the window.
    expect(
      changedResources(before, after)
        .map((urn) => urn.split("::").pop())
        .sort(),
    ).toEqual(["api-blue-gate-check", "api-green-gate-check", "api-release-guard", "api-traffic-maintenance"]);
    expect(named(after, "api-green-gate-check").inputs.maintenance).toBe(true);
  });

  it("refuses a message whose page is larger than an ALB fixed response, naming the key", async () => {
    const message = "x".repeat(1000);
    const error = await runProgram(stack, { overrides: { "bluegreen:maintenance": { message } } }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.key)).toEqual(["bluegreen:maintenance.message"]);
    expect((error as ConfigError).message).toMatch(/maintenance page of \d+ bytes; .* at most 1024/);
  });

  it("refuses a gate target through the production listener while maintenance is on", async () => {
    const target = "https://api-lb-123.eu-west-1.elb.amazonaws.com/healthz";
    const overrides = { "bluegreen:gate": { targets: { green: [target] } } };
    await expect(runProgram(stack, { overrides })).resolves.toBeDefined();
    const error = await runProgram(stack, {
      overrides: { ...overrides, "bluegreen:maintenance": { enabled: true } },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        key: "bluegreen:gate.targets.green.0",
        message: expect.stringContaining(`is "${target}", the production route, which answers the maintenance page`),
      },
    ]);
  });
});
