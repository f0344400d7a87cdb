import { describe, expect, it } from "vitest";
import { BlueGreenConfig, parseConfig } from "../components/platforms";
import { releaseRuleIssues, releaseView } from "../components/release";
import { engineValues, issueLines } from "./configErrors";

const BASE = {
  "bluegreen:platform": "docker",
  "bluegreen:app": { name: "api" },
  "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2" },
  "bluegreen:green": { version: "1.5.0", image: "api:1.5.0" },
  "bluegreen:traffic": { blue: 90, green: 10 },
};

function config(overrides: Record<string, unknown> = {}): BlueGreenConfig {
  return parseConfig(engineValues({ ...BASE, ...overrides }), "dev");
}

function rejected(overrides: Record<string, unknown>): string[] {
  return issueLines(engineValues({ ...BASE, ...overrides }));
}

describe("releaseView", () => {
  it("calls the color with the newer version the candidate", () => {
    expect(releaseView(config())).toEqual({ candidate: "green", stable: "blue", majorBump: false });
    expect(
      releaseView(
        config({
          "bluegreen:blue": { version: "2.0.0", image: "api:2.0.0" },
          "bluegreen:migration": { version: "7", image: "m:1", command: ["m"] },
        }),
      ),
    ).toEqual({
      candidate: "blue",
      stable: "green",
      majorBump: true,
    });
    expect(
      releaseView(config({ "bluegreen:green": { version: "1.4.2", image: "api:1.4.2" } })).candidate,
    ).toBeUndefined();
  });

  it("orders prereleases by semver, not by text", () => {
    const view = releaseView(
      config({
        "bluegreen:blue": { version: "1.5.0-rc.10", image: "a:rc10" },
        "bluegreen:green": { version: "1.5.0-rc.9", image: "a:rc9" },
      }),
    );
    expect(view.candidate).toBe("blue");
  });
});

describe("releaseRuleIssues", () => {
  it("accepts an ordinary canary split", () => {
    expect(releaseRuleIssues(config())).toEqual([]);
  });

  it("requires a declared migration plan for a major version change", () => {
    expect(rejected({ "bluegreen:green": { version: "2.0.0", image: "api:2.0.0" } })).toEqual([
      "bluegreen:migration: blue runs 1.4.2 and green 2.0.0: a major version change needs a declared migration plan (version, image, command, reversible), even an expand-only one",
    ]);
  });

  it("leaves the irreversible-migration rollback to the gate, which sees which way the share moves", () => {
    const rollback = {
      "bluegreen:green": { version: "2.0.0", image: "api:2.0.0" },
      "bluegreen:migration": { version: "42", image: "m:2", command: ["migrate"], reversible: false },
      "bluegreen:traffic": { blue: 100, green: 0, rollback: true },
    };
    expect(rejected(rollback)).toEqual([]);
  });

  it("refuses traffic to a color with no tasks", () => {
    expect(rejected({ "bluegreen:green": { version: "1.5.0", image: "api:1.5.0", desiredCount: 0 } })).toEqual([
      "bluegreen:green.desiredCount: is 0 while bluegreen:traffic.green is 10: a color with no tasks cannot take traffic, so a rollback to it is refused here, before anything moves. " +
        "Raise desiredCount first (keep the stable color running for an instant rollback), or set its weight to 0",
    ]);
  });

  describe("the Prometheus query names the color each gate judges", () => {
    const prometheus = (query: string) => ({
      "bluegreen:gate": { prometheus: { url: "http://prometheus:9090", query, maxErrorRate: 0.01 } },
    });
    const fixed =
      'sum(rate(http_requests_total{color="green",code=~"5.."}[2m])) / sum(rate(http_requests_total{color="green"}[2m]))';

    it("refuses one fixed query while both colors run tasks, explaining why and showing {color}", () => {
      expect(rejected(prometheus(fixed))).toEqual([
        "bluegreen:gate.prometheus.query: has no {color} placeholder while both colors run tasks (blue 2, green 2) and can gain traffic: " +
          "both gates would send this same query, so one color's gate would judge the other color's error rate. " +
          "Write {color} where the color goes; each gate replaces it with its own color, e.g. " +
          'sum(rate(http_requests_total{color="{color}",code=~"5.."}[2m])) / sum(rate(http_requests_total{color="{color}"}[2m]))',
      ]);
    });

    it("accepts a query with {color}", () => {
      expect(rejected(prometheus(fixed.replaceAll('color="green"', 'color="{color}"')))).toEqual([]);
    });

    it("accepts a fixed query when the other color is scaled to 0 and so can take no traffic", () => {
      const blueIdle = {
        ...prometheus(fixed),
        "bluegreen:blue": { version: "1.4.2", image: "api:1.4.2", desiredCount: 0 },
        "bluegreen:traffic": { blue: 0, green: 100 },
      };
      expect(rejected(blueIdle)).toEqual([]);
    });
  });

  it("flags a rollback flag that moves nothing", () => {
    expect(rejected({ "bluegreen:traffic": { blue: 0, green: 100, rollback: true } })).toEqual([
      "bluegreen:traffic.rollback: is true but the older color blue (1.4.2) gets no traffic; give it weight or set rollback to false",
    ]);
  });
});
