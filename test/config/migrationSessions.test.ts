/**
 * The migration's lock and statement timeouts in the stack config
 * (`bluegreen:migration.lockTimeoutSeconds`, `.statementTimeoutSeconds`,
 * `.transactional`, `.lockRetries`): defaults, bounds, the checks across
 * them with their exact messages, and the values `pulumi config set --path`
 * stores as text. What the settings do: test/migrationSessions.test.ts and,
 * on a real Postgres, test/docker/migrationLocks.test.ts.
 */
import { describe, expect, it } from "vitest";
import { migrationSession } from "../../components/migrationSessions";
import { parseConfig } from "../../components/platforms";
import { issueLines, validDockerConfig } from "../configErrors";

const MIGRATION = { version: "7", image: "api-migrations:1.5.0", command: ["npm", "run", "migrate"] };

function raw(migration: Record<string, unknown>): Record<string, unknown> {
  return { ...validDockerConfig(), "bluegreen:migration": JSON.stringify({ ...MIGRATION, ...migration }) };
}

const sessionOf = (migration: Record<string, unknown>) =>
  migrationSession(parseConfig(raw(migration), "dev").migration!);

describe("bluegreen:migration lock and statement timeouts", () => {
  it("defaults: a 5 s lock timeout, the run's own timeout for a statement, no re-run unless transactional (then 3, after 5, 10, 20 s)", () => {
    expect(sessionOf({})).toEqual({
      lockTimeoutMs: 5_000,
      statementTimeoutMs: 900_000,
      transactional: false,
      retryDelaysSeconds: [],
    });
    expect(sessionOf({ timeoutSeconds: 3600, transactional: true })).toEqual({
      lockTimeoutMs: 5_000,
      statementTimeoutMs: 3_600_000,
      transactional: true,
      retryDelaysSeconds: [5, 10, 20],
    });
  });

  it("takes fractions of a second for the lock, 0 for no statement limit, and up to 10 re-runs", () => {
    expect(
      sessionOf({ lockTimeoutSeconds: 0.25, statementTimeoutSeconds: 0, transactional: true, lockRetries: 6 }),
    ).toEqual({
      lockTimeoutMs: 250,
      statementTimeoutMs: 0,
      transactional: true,
      retryDelaysSeconds: [5, 10, 20, 40, 60, 60],
    });
    expect(sessionOf({ transactional: true, lockRetries: 0 }).retryDelaysSeconds).toEqual([]);
  });

  it("reads the values `pulumi config set --path` stores as text", () => {
    const config = parseConfig(
      {
        ...raw({}),
        "bluegreen:migration": JSON.stringify({
          ...MIGRATION,
          lockTimeoutSeconds: "2.5",
          statementTimeoutSeconds: "600",
          transactional: "true",
          lockRetries: "2",
        }),
      },
      "dev",
    );
    expect(config.migration).toMatchObject({
      lockTimeoutSeconds: 2.5,
      statementTimeoutSeconds: 600,
      transactional: true,
      lockRetries: 2,
    });
  });

  it("refuses values out of bounds, each with the rule", () => {
    expect(
      issueLines(raw({ lockTimeoutSeconds: 0, statementTimeoutSeconds: 1.5, transactional: "maybe", lockRetries: 11 })),
    ).toEqual([
      "bluegreen:migration.lockTimeoutSeconds: must be at least 0.1 (100 ms): a migration never waits for a lock without limit (got 0)",
      "bluegreen:migration.statementTimeoutSeconds: Invalid input: expected int, received number (got 1.5)",
      'bluegreen:migration.transactional: Invalid input: expected boolean, received string (got "maybe")',
      "bluegreen:migration.lockRetries: Too big: expected number to be <=10 (got 11)",
    ]);
    expect(issueLines(raw({ lockTimeoutSeconds: 301 }))).toEqual([
      "bluegreen:migration.lockTimeoutSeconds: must be at most 300: the app's queries on the table wait as long as the migration does (got 301)",
    ]);
  });

  it("refuses a statement limit beyond the run's, a lock wait not below the statement limit, and re-runs of a migration not declared transactional", () => {
    expect(issueLines(raw({ timeoutSeconds: 600, statementTimeoutSeconds: 900 }))).toEqual([
      "bluegreen:migration.statementTimeoutSeconds: is 900 s, longer than timeoutSeconds (600 s): the run is stopped at 600 s, so no statement reaches that limit; lower it or raise timeoutSeconds",
    ]);
    expect(issueLines(raw({ statementTimeoutSeconds: 5 }))).toEqual([
      "bluegreen:migration.lockTimeoutSeconds: is 5 s (the default), not below statementTimeoutSeconds (5 s): a wait for a lock would end as a statement timeout or the run's, which is never run again; lower it",
    ]);
    expect(issueLines(raw({ timeoutSeconds: 60, statementTimeoutSeconds: 0, lockTimeoutSeconds: 90 }))).toEqual([
      "bluegreen:migration.lockTimeoutSeconds: is 90 s, not below timeoutSeconds (60 s): a wait for a lock would end as a statement timeout or the run's, which is never run again; lower it",
    ]);
    expect(issueLines(raw({ lockRetries: 2 }))).toEqual([
      "bluegreen:migration.lockRetries: is 2, but the migration is not declared transactional: a run that gave up on a lock may have applied part of it, and running it again could apply that part twice; set `transactional: true` if a failed run applies nothing, or remove lockRetries",
    ]);
    expect(issueLines(raw({ lockRetries: 0 }))).toEqual([]);
  });

  it("judges the checks across fields next to an invalid key of the same section", () => {
    expect(issueLines(raw({ version: "not valid!", lockRetries: 2, timeoutSeconds: 5 }))).toEqual([
      `bluegreen:migration.version: must be 1-63 characters: letters, digits, '.', '_' or '-' (got "not valid!")`,
      "bluegreen:migration.timeoutSeconds: Too small: expected number to be >=10 (got 5)",
      "bluegreen:migration.lockRetries: is 2, but the migration is not declared transactional: a run that gave up on a lock may have applied part of it, and running it again could apply that part twice; set `transactional: true` if a failed run applies nothing, or remove lockRetries",
    ]);
  });
});
