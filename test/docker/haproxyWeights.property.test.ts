/** Property-based tests of the traffic-weight → HAProxy-weight scaling, over every pair of traffic weights. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HAPROXY_MAX_WEIGHT, MAX_TRAFFIC_WEIGHT } from "../../components/contracts/limits";
import { haproxyWeights, weightApplyOrder } from "../../components/docker/haproxyConfig";

const traffic = fc
  .record({
    blue: fc.integer({ min: 0, max: MAX_TRAFFIC_WEIGHT }),
    green: fc.integer({ min: 0, max: MAX_TRAFFIC_WEIGHT }),
  })
  .filter((w) => w.blue + w.green > 0);

describe("haproxyWeights", () => {
  it("stays within HAProxy's range, keeps zero and non-zero apart, and moves a share by under one point", () => {
    fc.assert(
      fc.property(traffic, (w) => {
        const h = haproxyWeights(w);
        for (const color of ["blue", "green"] as const) {
          expect(Number.isInteger(h[color]) && h[color] >= 0 && h[color] <= HAPROXY_MAX_WEIGHT).toBe(true);
          expect(h[color] === 0).toBe(w[color] === 0);
        }
        const share = (x: { blue: number; green: number }) => (x.green * 100) / (x.blue + x.green);
        expect(Math.abs(share(h) - share(w))).toBeLessThan(1);
      }),
    );
  });

  it("passes weights HAProxy accepts through unchanged", () => {
    const small = fc.record({
      blue: fc.integer({ min: 0, max: HAPROXY_MAX_WEIGHT }),
      green: fc.integer({ min: 1, max: HAPROXY_MAX_WEIGHT }),
    });
    fc.assert(
      fc.property(small, (w) => {
        expect(haproxyWeights(w)).toEqual(w);
      }),
    );
  });
});

describe("weightApplyOrder", () => {
  it("never passes through 0/0: after each command of the order, some server has weight", () => {
    const server = fc
      .record({
        blue: fc.integer({ min: 0, max: HAPROXY_MAX_WEIGHT }),
        green: fc.integer({ min: 0, max: HAPROXY_MAX_WEIGHT }),
      })
      .filter((w) => w.blue + w.green > 0);
    fc.assert(
      fc.property(server, server, (current, target) => {
        const live = { ...current };
        for (const color of weightApplyOrder(current, target)) {
          live[color] = target[color];
          expect(live.blue + live.green).toBeGreaterThan(0);
        }
        expect(live).toEqual(target);
      }),
    );
  });
});
