/**
 * countReadyEndpoints over any EndpointSliceList: a pod counts once however
 * many slices list it, ready if any of them says so (unset means ready), and
 * the order of slices and endpoints never changes the figures.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countReadyEndpoints, ReadyEndpointsPlan, SERVICE_NAME_LABEL } from "../../../tooling/watch/readyEndpoints";

const plan: ReadyEndpointsPlan = {
  namespace: "shop",
  services: { blue: "shop-blue", green: "shop-green" },
  replicas: { blue: 4, green: 4 },
};

/** An endpoint of pod `pod` with readiness true, false or unset. */
const endpoint = fc.record({ pod: fc.integer({ min: 0, max: 5 }), ready: fc.constantFrom(true, false, undefined) });
const sliceOf = fc.record({
  service: fc.constantFrom("shop-blue", "shop-green", "shop-other"),
  endpoints: fc.array(endpoint, { maxLength: 6 }),
});

const list = (slices: { service: string; endpoints: { pod: number; ready?: boolean }[] }[]) =>
  JSON.stringify({
    kind: "EndpointSliceList",
    items: slices.map((s) => ({
      metadata: { labels: { [SERVICE_NAME_LABEL]: s.service } },
      endpoints: s.endpoints.map((e) => ({
        addresses: [`10.0.0.${e.pod}`],
        conditions: e.ready === undefined ? {} : { ready: e.ready },
        targetRef: { uid: `${s.service}-${e.pod}` },
      })),
    })),
  });

describe("countReadyEndpoints", () => {
  it("counts each pod once, ready if any slice says so, in any order", () => {
    fc.assert(
      fc.property(fc.array(sliceOf, { minLength: 1, maxLength: 6 }), (slices) => {
        const counted = countReadyEndpoints(plan, 200, list(slices));
        const reversed = countReadyEndpoints(
          plan,
          200,
          list([...slices].reverse().map((s) => ({ ...s, endpoints: [...s.endpoints].reverse() }))),
        );
        expect(reversed).toEqual(counted);
        for (const color of ["blue", "green"] as const) {
          const mine = slices.filter((s) => s.service === plan.services[color]);
          if (mine.length === 0) {
            expect(counted[color]).toHaveProperty("noData");
            continue;
          }
          const pods = new Set(mine.flatMap((s) => s.endpoints.map((e) => e.pod)));
          const ready = [...pods].filter((pod) =>
            mine.some((s) => s.endpoints.some((e) => e.pod === pod && e.ready !== false)),
          );
          expect(counted[color]).toMatchObject({ healthy: ready.length, total: plan.replicas[color] });
        }
      }),
    );
  });
});
