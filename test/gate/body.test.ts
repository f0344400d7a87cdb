/**
 * Reading a response body (components/gate/body.ts), without a network:
 * however the body is cut into chunks the verdict is the same, header values
 * never reach a message, reading stops where the verdict needs no more, and
 * what the gate keeps of a body does not keep the body alive (a heap test).
 */
import fc from "fast-check";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, readResponse } from "../../components/gate/body";
import type { GateSettings } from "../../components/gate/settings";

type Check = Pick<GateSettings, "expectedStatus" | "body">;
const NO_CHECK: Check = { expectedStatus: [200], body: undefined };
const JSON_CHECK: Check = { expectedStatus: [200], body: { json: { path: "status", equals: "healthy" } } };

/** Yields `chunks` and counts how many were pulled: the reader must stop pulling once it has what it needs. */
function counted(chunks: Buffer[]): { body: AsyncIterable<Buffer>; pulled: () => number } {
  let pulled = 0;
  return {
    body: (async function* () {
      for (const chunk of chunks) {
        pulled++;
        yield chunk;
      }
    })(),
    pulled: () => pulled,
  };
}

/** `bytes` cut at the given positions. */
function cutAt(bytes: Buffer, positions: number[]): Buffer[] {
  const cuts = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => bytes.subarray(from, [...cuts, bytes.length][i])).filter((c) => c.length > 0);
}

describe("chunks", () => {
  it("GIVEN any body cut into any chunks (even inside a multi-byte character) WHEN read THEN the verdict and excerpt equal reading it whole", async () => {
    const checks: Check[] = [NO_CHECK, JSON_CHECK, { expectedStatus: [200], body: { contains: "ok✓" } }];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: "grapheme", maxLength: 400 }), fc.constant('{"status":"healthy","note":"ok✓ 🚀"}')),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(...checks),
        fc.constantFrom(200, 503),
        async (text, positions, check, status) => {
          const bytes = Buffer.from(text);
          const whole = await readResponse(status, [bytes], check, {});
          expect(await readResponse(status, cutAt(bytes, positions), check, {})).toEqual(whole);
        },
      ),
    );
  });

  it("GIVEN a byte-order mark WHEN read THEN it is no part of the text", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"status":"healthy"}')]);
    expect(await readResponse(200, [body], JSON_CHECK, {})).toEqual({
      bodyOk: true,
      observed: "HTTP 200",
      excerpt: '{"status":"healthy"}',
    });
  });
});

describe("reading stops where the verdict needs no more", () => {
  const kb64 = () => Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, "x"));

  it("GIVEN a body over 1 MB WHEN read THEN it stops pulling past the cap and names the cap", async () => {
    const { body, pulled } = counted(kb64());
    const judged = await readResponse(200, body, NO_CHECK, {});
    expect(judged).toEqual({
      bodyOk: false,
      error: "too-large",
      observed: "response body larger than the 1 MB the gate reads",
      excerpt: `${"x".repeat(200)}… (the rest was not read)`,
    });
    expect(pulled()).toBe(Math.floor(MAX_BODY_BYTES / (64 * 1024)) + 1);
  });

  it("GIVEN a failed status WHEN read THEN only its excerpt is read", async () => {
    const { body, pulled } = counted(kb64());
    expect(await readResponse(503, body, JSON_CHECK, {})).toMatchObject({ error: "status", observed: "HTTP 503" });
    expect(pulled()).toBe(1);
  });

  it("GIVEN a healthy status WHEN read THEN the body is read to its end: a healthy answer must arrive whole", async () => {
    const chunks = kb64().slice(0, 10);
    const { body, pulled } = counted(chunks);
    expect(await readResponse(200, body, NO_CHECK, {})).toMatchObject({ bodyOk: true });
    expect(pulled()).toBe(10);
  });
});

describe("header values never reach a message", () => {
  const TOKEN = "t0k3n-9f8e7d6c5b4a";
  const headers = { Authorization: `Bearer ${TOKEN}`, "X-Tenant": "acme-prod", "X-Short": "on" };
  const read = (text: string, check: Check = { expectedStatus: [200], body: undefined }) =>
    readResponse(401, [Buffer.from(text)], check, headers);

  it("GIVEN an echoed header, the token alone, or a short value WHEN excerpted THEN values of 4+ chars become <header:Name>", async () => {
    expect((await read(`auth=Bearer ${TOKEN}; token=${TOKEN}; tenant=acme-prod; short=on`)).excerpt).toBe(
      "auth=<header:Authorization>; token=<header:Authorization>; tenant=<header:X-Tenant>; short=on",
    );
  });

  it("GIVEN replacements that shorten the text WHEN cut at 200 chars THEN no part of a value beyond the cut slides into view", async () => {
    const key = "k".repeat(20) + "SECRETPART" + "k".repeat(10);
    const body = key.repeat(4) + "y".repeat(45) + key + "z".repeat(100);
    const { excerpt } = await readResponse(401, [Buffer.from(body)], NO_CHECK, { "X-Key": key });
    expect(excerpt.startsWith("<header:X-Key>".repeat(4) + "y".repeat(40))).toBe(true);
    expect(excerpt).not.toContain("SECRET");
    expect(excerpt).not.toContain("kkkk");
  });

  it("GIVEN a JSON value that echoes the token WHEN the check fails THEN the observed value is redacted too", async () => {
    const judged = await readResponse(
      200,
      [Buffer.from(JSON.stringify({ status: `Bearer ${TOKEN}` }))],
      JSON_CHECK,
      headers,
    );
    expect(judged.observed).toBe('status = "<header:Authorization>"');
  });

  it("GIVEN invalid JSON around a token WHEN reported THEN V8's quote of the body (which may cut the token in two) is left out", async () => {
    const judged = await readResponse(200, [Buffer.from(`{"a": Bearer ${TOKEN}}`)], JSON_CHECK, headers);
    expect(judged.observed).toMatch(/^invalid JSON \(Unexpected token 'B'\)$/);
  });

  it("GIVEN any filler and a token placed anywhere WHEN excerpted THEN the token never shows, whole or with its scheme", async () => {
    const filler = fc.string({ unit: fc.constantFrom(..."ab xyz={}\"':;,.-_/0123456789"), maxLength: 300 });
    const token = fc.string({ unit: fc.constantFrom(..."ABCDEFGHJKMNPQRSTUVWXYZ"), minLength: 4, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(filler, { minLength: 1, maxLength: 6 }),
        token,
        fc.boolean(),
        async (pieces, secret, withScheme) => {
          const echoed = withScheme ? `Bearer ${secret}` : secret;
          const text = pieces.join(echoed);
          const h = { Authorization: `Bearer ${secret}` };
          for (const status of [200, 401]) {
            const judged = await readResponse(
              status,
              [Buffer.from(text)],
              { expectedStatus: [200], body: { contains: "never there" } },
              h,
            );
            for (const message of [judged.excerpt, judged.observed]) {
              expect(message.replaceAll("<header:Authorization>", "\u0000")).not.toContain(secret);
            }
          }
        },
      ),
    );
  });
});

describe("what the gate keeps of a body does not keep the body alive", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const heapAfterGc = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const BODIES = 60;
  /** A distinct ~1 MB text per call, decoded from bytes as the reader decodes it (so it lives on the JS heap). */
  const body = (i: number) => Buffer.from(`{"status":"unhealthy","n":${i},"pad":"${"x".repeat(999_900)}"}`);

  it("GIVEN 60 bodies of 1 MB WHEN only their judged samples are kept THEN the heap holds their excerpts, not their bodies", async () => {
    const before = heapAfterGc();
    const kept = [];
    for (let i = 0; i < BODIES; i++) {
      for (const [status, check] of [
        [503, JSON_CHECK],
        [200, JSON_CHECK],
        [200, NO_CHECK],
      ] as const) {
        kept.push(await readResponse(status, [body(i)], check, {}));
      }
    }
    const grown = (heapAfterGc() - before) / 1e6;
    expect(kept).toHaveLength(3 * BODIES);
    expect(kept[0].excerpt).toMatch(/^\{"status":"unhealthy","n":0,"pad":"x+… \(/);
    expect(grown).toBeLessThan(10);
  });

  it("control: a slice of each body, as the gate used to keep, keeps all of them alive (so the test above can tell)", () => {
    const before = heapAfterGc();
    const kept = Array.from({ length: BODIES }, (_, i) => body(i).toString("utf8").slice(0, 200));
    const grown = (heapAfterGc() - before) / 1e6;
    expect(kept).toHaveLength(BODIES);
    expect(grown).toBeGreaterThan(0.8 * BODIES);
  });
});
