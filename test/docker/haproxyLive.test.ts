/**
 * The local router on Debian's real HAProxy, started from the generated
 * config in front of two real HTTP backends, with weights moved through the
 * runtime API and through the HaproxyWeights provider in Pulumi's real
 * dynamic-provider host.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerWeights } from "../../components/docker/haproxyConfig";
import { applyWeights, getServerWeight, getWeights, setServerWeight } from "../../components/docker/haproxyRuntime";
import { HaproxyWeights, haproxyWeightsProvider } from "../../components/docker/haproxyWeights";
import { countColors } from "../../testkit/colorBackends";
import {
  HAPROXY_WEIGHTS_TYPE,
  Router,
  freePorts,
  serverStates,
  shiftUnderLoad,
  startRouter,
} from "../../testkit/haproxy";
import { ProviderCallError, ProviderHost, serializeProvider } from "../../testkit/providerHost";

const SPLIT_REQUESTS = 10_000;

describe("local router on real HAProxy", () => {
  let router: Router;
  let host: ProviderHost;
  let providerText: string;

  beforeAll(async () => {
    [router, host, providerText] = await Promise.all([
      startRouter({ blue: 90, green: 10 }),
      ProviderHost.start(),
      serializeProvider(haproxyWeightsProvider),
    ]);
  });
  afterAll(async () => {
    await Promise.all([router?.stop(), host?.stop()]);
  });

  async function expectSplit(expected: ServerWeights): Promise<void> {
    const counts = await countColors(router.url, SPLIT_REQUESTS);
    expect(counts.failureSamples).toEqual([]);
    expect(counts.blue + counts.green).toBe(SPLIT_REQUESTS);
    const expectedBluePct = (100 * expected.blue) / (expected.blue + expected.green);
    expect(Math.abs((100 * counts.blue) / SPLIT_REQUESTS - expectedBluePct)).toBeLessThanOrEqual(1);
  }

  describe("split accuracy over 10,000 keep-alive requests", () => {
    it("GIVEN 90/10 written in the generated config WHEN traffic flows THEN 90% ±1 pp is blue", async () => {
      await expectSplit({ blue: 90, green: 10 });
    });

    it.each([
      [50, 50],
      [0, 100],
    ])(
      "GIVEN %i/%i set through the runtime API WHEN traffic flows THEN the blue share matches ±1 pp",
      async (blue, green) => {
        const applied = await applyWeights(router.spec.admin, "api", { blue, green });
        expect(applied.after).toEqual({ blue, green });
        await expectSplit({ blue, green });
      },
    );

    it("GIVEN blue drained to weight 0 WHEN HAProxy reports server state THEN blue is still running and health-checked (instant rollback)", async () => {
      await applyWeights(router.spec.admin, "api", { blue: 0, green: 100 });
      const states = await serverStates(router.spec.admin, "api");
      expect(states.blue).toEqual({ opState: 2, weight: 0 });
      expect(states.green).toEqual({ opState: 2, weight: 100 });
    });
  });

  describe("runtime API client", () => {
    it("GIVEN a server HAProxy does not have WHEN setting or reading its weight THEN the error carries the command and HAProxy's answer", async () => {
      await expect(setServerWeight(router.spec.admin, "nope", "blue", 1)).rejects.toThrow(
        'HAProxy refused "set server nope/blue weight 1": No such backend.',
      );
      await expect(getServerWeight(router.spec.admin, "nope", "green")).rejects.toThrow(
        'HAProxy answered "get weight nope/green" with "No such backend."; expected "N (initial M)"',
      );
    });

    it("GIVEN requests in flight WHEN applyWeights flips 100/0 <-> 0/100 50 times THEN no request ever meets a 0/0 router (503)", async () => {
      let flips = 0;
      // Traffic runs for as long as the flips take, however slow the machine.
      const traffic = countColors(router.url, { done: () => flips === 50 });
      while (flips < 50) {
        await applyWeights(
          router.spec.admin,
          "api",
          flips % 2 === 0 ? { blue: 0, green: 100 } : { blue: 100, green: 0 },
        );
        flips++;
      }
      const counts = await traffic;
      expect(counts.failureSamples).toEqual([]);
      expect(counts.failures).toBe(0);
      // Both colors served: requests really were in flight across the flips.
      expect(counts.blue).toBeGreaterThan(0);
      expect(counts.green).toBeGreaterThan(0);
    });

    it("GIVEN a weight above HAProxy's limit WHEN set directly THEN HAProxy's own refusal is reported", async () => {
      await expect(setServerWeight(router.spec.admin, "api", "blue", 300)).rejects.toThrow(
        'HAProxy refused "set server api/blue weight 300": Absolute weight can only be between 0 and 256 inclusive.',
      );
    });
  });

  describe("HaproxyWeights provider through the real dynamic-provider host", () => {
    const inputs = (weights: ServerWeights) => ({ admin: router.spec.admin, backend: "api", weights });

    it("GIVEN the provider WHEN serialized as Pulumi does THEN the closure is small (no Pulumi SDK captured)", () => {
      expect(providerText.length).toBeLessThan(64 * 1024);
      expect(providerText).not.toContain("@pulumi/pulumi");
    });

    it("GIVEN out-of-range, fractional or 0/0 weights WHEN checked THEN Check fails with the property and limit", async () => {
      const result = await host.check(HAPROXY_WEIGHTS_TYPE, providerText, {}, inputs({ blue: 300, green: 0.5 }));
      expect(result.failures).toEqual([
        {
          property: "weights.blue",
          reason: "is 300; must be an integer 0..256 (convert traffic weights with haproxyWeights())",
        },
        {
          property: "weights.green",
          reason: "is 0.5; must be an integer 0..256 (convert traffic weights with haproxyWeights())",
        },
      ]);
      const zero = await host.check(HAPROXY_WEIGHTS_TYPE, providerText, {}, inputs({ blue: 0, green: 0 }));
      expect(zero.failures.map((f) => f.property)).toEqual(["weights"]);
      const ok = await host.check(HAPROXY_WEIGHTS_TYPE, providerText, {}, inputs({ blue: 0, green: 256 }));
      expect(ok.failures).toEqual([]);
    });

    it("GIVEN changed weights or a moved admin socket WHEN diffed THEN it is an in-place update, never a replace", async () => {
      const olds = { ...inputs({ blue: 100, green: 0 }), appliedAt: "2026-01-01T00:00:00.000Z" };
      const same = await host.diff(
        HAPROXY_WEIGHTS_TYPE,
        providerText,
        "api-weights",
        olds,
        inputs({ blue: 100, green: 0 }),
      );
      expect(same).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
      const reweighted = await host.diff(
        HAPROXY_WEIGHTS_TYPE,
        providerText,
        "api-weights",
        olds,
        inputs({ blue: 50, green: 50 }),
      );
      expect(reweighted).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
      const moved = await host.diff(HAPROXY_WEIGHTS_TYPE, providerText, "api-weights", olds, {
        ...inputs({ blue: 100, green: 0 }),
        admin: { address: "127.0.0.1", port: router.spec.admin.port + 1 },
      });
      expect(moved).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    });

    it("GIVEN an admin socket nobody listens on WHEN updated THEN Update fails naming the address, the command and the fix", async () => {
      const [deadPort] = await freePorts(1);
      const news = {
        admin: { address: "127.0.0.1", port: deadPort },
        backend: "api",
        weights: { blue: 50, green: 50 },
      };
      const update = host.update(HAPROXY_WEIGHTS_TYPE, providerText, "api-weights", news, news);
      await expect(update).rejects.toBeInstanceOf(ProviderCallError);
      await expect(update).rejects.toThrow(
        `HAProxy runtime API at 127.0.0.1:${deadPort} did not answer "get weight api/blue": connect ECONNREFUSED 127.0.0.1:${deadPort}. ` +
          "Fix: check that the router is running and publishes its runtime API there; it answers only the clients " +
          "in its list (the stack network's gateway, where Docker's published port arrives from) and refuses any other.",
      );
    });

    it("GIVEN >= 20,000 requests in flight WHEN Updates move 100/0 -> 50/50 -> 0/100 -> 100/0 THEN no request fails and each change shows in traffic (how fast: bench/haproxy.ts)", async () => {
      const created = await host.create(HAPROXY_WEIGHTS_TYPE, providerText, inputs({ blue: 100, green: 0 }));
      expect(created.id).toBe("api-weights");
      expect(created.outs.weights).toEqual({ blue: 100, green: 0 });

      const run = await shiftUnderLoad({
        router,
        host,
        providerText,
        resource: created,
        schedule: [
          { blue: 50, green: 50 },
          { blue: 0, green: 100 },
          { blue: 100, green: 0 },
        ],
        requests: 24_000,
        connections: 16,
      });

      expect(run.requests).toBeGreaterThanOrEqual(20_000);
      expect({
        ok: run.ok,
        non2xx: run.non2xx,
        errors: run.errors,
        timeouts: run.timeouts,
        probeFailures: run.probeFailures,
      }).toEqual({
        ok: run.requests,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        probeFailures: 0,
      });
      expect(run.steps.map((s) => s.underLoad)).toEqual([true, true, true]);
      // Each step returned only once traffic showed it (visibilityMs waits for that).
      expect(run.steps.map((s) => s.weights)).toEqual([
        { blue: 50, green: 50 },
        { blue: 0, green: 100 },
        { blue: 100, green: 0 },
      ]);
      expect(await getWeights(router.spec.admin, "api")).toEqual({ blue: 100, green: 0 });
      // Health checks kept both colors up through every drain.
      expect(router.haproxy.log).not.toContain("is DOWN");
    });

    it("GIVEN the HaproxyWeights class WHEN constructed in a Pulumi program THEN it registers the readable dynamic type with its inputs", async () => {
      const registered: pulumi.runtime.MockResourceArgs[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource: (args) => {
            registered.push(args);
            return { id: `${args.name}-id`, state: { ...args.inputs, appliedAt: "2026-01-01T00:00:00.000Z" } };
          },
          call: (args) => args.inputs,
        },
        "bluegreen",
        "test",
      );
      const resource = new HaproxyWeights("api-router-weights", inputs({ blue: 90, green: 10 }));
      const weights = await new Promise((resolve) => resource.weights.apply(resolve));
      expect(weights).toEqual({ blue: 90, green: 10 });
      expect(registered.map((r) => r.type)).toEqual([HAPROXY_WEIGHTS_TYPE]);
      expect(registered[0].inputs).toMatchObject({
        admin: router.spec.admin,
        backend: "api",
        weights: { blue: 90, green: 10 },
      });
    });
  });
});
