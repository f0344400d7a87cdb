/**
 * A URL means http(s) (issue 24, point 11): every key that takes a URL (gate
 * targets, the Prometheus URL, webhooks, the kubernetes gate URL) is fetched
 * over HTTP, so each takes an absolute http:// or https:// URL with a host
 * and refuses any other scheme, as its message says. One rule
 * (components/gate/schema.ts isHttpUrl) for all of them.
 */
import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { HTTP_URL_MESSAGE, isHttpUrl } from "../../components/gate/schema";
import { configSchema, parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";

/** Each key that takes a URL, in a stack of its platform, as a path inside its `bluegreen:` key. */
const URL_KEYS: readonly { stack: string; at: readonly string[]; reported: string }[] = [
  { stack: "staging", at: ["gate", "targets", "blue", "0"], reported: "bluegreen:gate.targets.blue.0" },
  { stack: "staging", at: ["gate", "targets", "green", "0"], reported: "bluegreen:gate.targets.green.0" },
  { stack: "production", at: ["gate", "prometheus", "url"], reported: "bluegreen:gate.prometheus.url" },
  { stack: "local", at: ["notify", "webhooks", "0", "url"], reported: "bluegreen:notify.webhooks.0.url" },
  { stack: "kube-staging", at: ["kubernetes", "gateUrlTemplate"], reported: "bluegreen:kubernetes.gateUrlTemplate" },
];

function issuesWith(stack: string, at: readonly string[], url: string): ConfigError["issues"] {
  const raw = { ...readStackConfig(stack).values };
  const [key, ...inner] = at;
  const root = raw[`bluegreen:${key}`] === undefined ? {} : JSON.parse(raw[`bluegreen:${key}`]);
  let node = root;
  for (const [i, part] of inner.slice(0, -1).entries()) node = node[part] ??= /^\d+$/.test(inner[i + 1]) ? [] : {};
  // The kubernetes gate URL is a template: its color placeholder is part of the host.
  node[inner[inner.length - 1]] =
    key === "kubernetes" ? url.replace("host.example.com", "api-{color}.example.com") : url;
  raw[`bluegreen:${key}`] = JSON.stringify(root);
  try {
    parseConfig(raw, stack);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
}

describe("every key that takes a URL takes http(s) only", () => {
  it("knows every URL key of the config (a new one must join URL_KEYS)", () => {
    const names = new Set<string>();
    const walk = (node: unknown, at: string[]): void => {
      if (typeof node !== "object" || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "properties" && typeof value === "object" && value !== null) {
          for (const [name, inner] of Object.entries(value)) {
            if (/url|uri$|endpoint|webhook|href|target/i.test(name)) names.add([...at, name].join("."));
            walk(inner, [...at, name]);
          }
        } else walk(value, at);
      }
    };
    walk(z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }), []);
    expect([...names].sort()).toEqual([
      "gate.prometheus.url",
      "gate.targets",
      "kubernetes.gateUrlTemplate",
      "notify.webhooks",
      "notify.webhooks.url",
    ]);
  });

  it.each(URL_KEYS)(
    "$reported: refuses every other scheme, naming the key, and says http(s)",
    ({ stack, at, reported }) => {
      const schemes = [
        "ftp://host.example.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:ops@example.com",
        "data:text/plain,hi",
        "ws://host.example.com/x",
        "gopher://host.example.com/x",
      ];
      for (const url of schemes) {
        expect(issuesWith(stack, at, url), url).toEqual([
          { key: reported, message: expect.stringContaining("http(s) URL") },
        ]);
      }
      expect(issuesWith(stack, at, "https://host.example.com/health")).toEqual([]);
      expect(issuesWith(stack, at, "http://host.example.com:8080")).toEqual([]);
    },
  );

  it.each(URL_KEYS)(
    "$reported: refuses forms a URL parser would mend or read as relative",
    ({ stack, at, reported }) => {
      for (const url of [
        "http:host.example.com",
        "https:/host.example.com",
        "//host.example.com/x",
        "/health",
        "host.example.com",
        " https://host.example.com",
      ]) {
        expect(
          issuesWith(stack, at, url).map((issue) => issue.key),
          url,
        ).toEqual([reported]);
      }
    },
  );

  it("isHttpUrl: whatever it accepts a URL parser reads as http or https with a host; any other scheme is refused", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        expect(isHttpUrl(url)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9+.-]{0,10}$/).filter((scheme) => scheme !== "http" && scheme !== "https"),
        fc.domain(),
        (scheme, host) => {
          expect(isHttpUrl(`${scheme}://${host}/x`)).toBe(false);
          expect(isHttpUrl(`${scheme}:${host}`)).toBe(false);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        if (!isHttpUrl(text)) return;
        const url = new URL(text);
        expect(["http:", "https:"]).toContain(url.protocol);
        expect(url.hostname).not.toBe("");
      }),
    );
    expect(HTTP_URL_MESSAGE).toContain("http(s)");
  });
});
