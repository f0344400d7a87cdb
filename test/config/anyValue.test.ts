/**
 * Whatever a key holds, validation answers with a ConfigError or a config,
 * never a crash: checks across fields and rules run on whatever the schema
 * accepted (parse.ts, crossField.ts), so a missing or malformed section, or a
 * field of the wrong type, must never reach one as `undefined`. Any JSON
 * value at any section, and at any field of a section, of each platform's
 * shipped stack.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../components/config/issues";
import { configSchema, parseConfig } from "../../components/platforms";
import { readStackConfig } from "../../tooling/engine/stackFiles";

const SECTIONS = Object.keys(configSchema.shape);

function outcome(raw: Record<string, string>, stack: string): "valid" | "refused" {
  try {
    parseConfig(raw, stack);
    return "valid";
  } catch (error) {
    if (error instanceof ConfigError) return "refused";
    throw error;
  }
}

describe.each(["staging", "kube-staging", "local"])("any value anywhere in %s", (stack) => {
  const base = readStackConfig(stack).values;

  it("at a section: a ConfigError or a config", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SECTIONS), fc.option(fc.jsonValue(), { nil: undefined }), (section, value) => {
        const raw = { ...base };
        if (value === undefined) delete raw[`bluegreen:${section}`];
        else raw[`bluegreen:${section}`] = JSON.stringify(value);
        expect(["valid", "refused"]).toContain(outcome(raw, stack));
      }),
      { numRuns: 400 },
    );
  });

  it("at a field of a section: a ConfigError or a config", () => {
    const sections = SECTIONS.filter((section) => base[`bluegreen:${section}`]?.startsWith("{"));
    fc.assert(
      fc.property(
        fc.constantFrom(...sections),
        fc.string({ maxLength: 3 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        (section, pick, value) => {
          const object = JSON.parse(base[`bluegreen:${section}`]) as Record<string, unknown>;
          const fields = Object.keys(object);
          const field = fields.length > 0 ? fields[pick.length % fields.length] : pick;
          if (value === undefined) delete object[field];
          else object[field] = value;
          expect(["valid", "refused"]).toContain(
            outcome({ ...base, [`bluegreen:${section}`]: JSON.stringify(object) }, stack),
          );
        },
      ),
      { numRuns: 400 },
    );
  });
});
