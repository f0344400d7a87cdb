import { describe, expect, it } from "vitest";
import { describePlanCli } from "./planCliCases";

const runs = describePlanCli(
  "production",
  { greenRow: "  green  1.5.0  candidate  weight   0  ░░░░░░░░░░░░░░░░░░░░    0 %", database: "api-production" },
  [["status.ts", ["staging", "--offline"]]],
);

describe("npm run status -- staging --offline", () => {
  it("renders where the stack file puts traffic, without the CLI", () => {
    const [status] = runs.extra;
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(
      [
        "Stack staging on aws (offline, from Pulumi.staging.yaml: what `pulumi up` would set, not what runs): https://api-lb-alb-472401b-472401b5.eu-west-1.elb.amazonaws.com",
        "  blue   1.4.2  ███████████████████████████░░░   90 %  weight  90  primary  gate none recorded",
        "  green  1.5.0  ███░░░░░░░░░░░░░░░░░░░░░░░░░░░   10 %  weight  10           gate none recorded",
        "  last snapshot:  api-pre-2026-11-20-orders-index",
        "  last migration: 2026-11-20-orders-index",
        "",
      ].join("\n"),
    );
  });
});
