/**
 * PostgresPassword through Pulumi's real dynamic-provider host (Check, Diff,
 * Create as `pulumi up` calls them) and the pure password and SCRAM helpers.
 * That Postgres accepts the verifier for the password: databaseRoles.test.ts;
 * that the outputs are registered secret: test/program/docker.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_TYPES } from "../../components/contracts/resourceTypes";
import { postgresPasswordProvider } from "../../components/docker/postgresPassword";
import { generatePassword, scramSha256Verifier } from "../../components/docker/scram";
import { ProviderHost, serializeProvider } from "../../testkit/providerHost";

const TYPE = DYNAMIC_TYPES.postgresPassword.token;
/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 parts. */
const SCRAM_VERIFIER = /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

describe("generatePassword and scramSha256Verifier", () => {
  it("draws letters and digits only, at the asked length, different every time", () => {
    const passwords = Array.from({ length: 200 }, () => generatePassword(32));
    expect(passwords.every((p) => /^[A-Za-z0-9]{32}$/.test(p))).toBe(true);
    expect(new Set(passwords).size).toBe(200);
    // Every character of the alphabet turns up over 6,400 draws: nothing is left out of it.
    expect(new Set(passwords.join("")).size).toBe(62);
    expect(() => generatePassword(12)).toThrow("password length is 12; must be an integer 24..100");
  });

  it("derives Postgres' verifier: the same salt gives the same verifier, another salt another one", () => {
    const salt = Buffer.from("0123456789abcdef");
    const verifier = scramSha256Verifier("correct horse", salt);
    expect(verifier).toMatch(SCRAM_VERIFIER);
    expect(verifier.startsWith(`SCRAM-SHA-256$4096:${salt.toString("base64")}$`)).toBe(true);
    expect(scramSha256Verifier("correct horse", salt)).toBe(verifier);
    expect(scramSha256Verifier("correct horse", Buffer.from("fedcba9876543210"))).not.toBe(verifier);
    expect(scramSha256Verifier("correct horsE", salt)).not.toBe(verifier);
    expect(verifier).not.toContain("correct horse");
  });
});

describe("PostgresPassword through the real dynamic-provider host", () => {
  let host: ProviderHost;
  let text: string;
  beforeAll(async () => {
    [host, text] = await Promise.all([ProviderHost.start(), serializeProvider(postgresPasswordProvider)]);
  });
  afterAll(() => host?.stop());

  it("refuses a length outside 24..100 at Check, naming the property", async () => {
    expect((await host.check(TYPE, text, {}, { length: 8 })).failures).toEqual([
      { property: "length", reason: "is 8; must be an integer 24..100" },
    ]);
    expect((await host.check(TYPE, text, {}, { length: 32 })).failures).toEqual([]);
  });

  it("creates a password and its verifier once; only a new length replaces them", async () => {
    const created = await host.create(TYPE, text, { length: 40 });
    expect(created.outs.password).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(created.outs.scramVerifier).toMatch(SCRAM_VERIFIER);
    const olds = created.outs;
    expect(await host.diff(TYPE, text, created.id, olds, { length: 40 })).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await host.diff(TYPE, text, created.id, olds, { length: 48 })).toEqual({
      changes: "some",
      replaces: ["length"],
      deleteBeforeReplace: false,
    });
  });
});
