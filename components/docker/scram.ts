/**
 * Generated database passwords and their SCRAM-SHA-256 verifiers, the form
 * Postgres stores (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`,
 * RFC 5802/7677). Handing Postgres the verifier instead of the password is
 * what psql's `\password` does: the password never reaches the server, its
 * logs or its catalog. Pure; node:crypto is required inside the functions
 * because the PostgresPassword provider captures them by value.
 */

/** Letters and digits only: safe unescaped in a URL, a shell word and a SQL literal. */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const MIN_PASSWORD_LENGTH = 24;
/** The Postgres image warns above 100 characters. */
export const MAX_PASSWORD_LENGTH = 100;
/** Postgres' own default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/** A uniformly random password (crypto.randomInt: no modulo bias); 32 characters carry about 190 bits. */
export function generatePassword(length: number): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new Error(`password length is ${length}; must be an integer ${MIN_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH}`);
  }
  return Array.from({ length }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join("");
}

/**
 * The verifier Postgres keeps for `password`. Postgres normalizes passwords
 * with SASLprep first, which leaves the ASCII passwords generated here as
 * they are.
 */
export function scramSha256Verifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const hmac = (key: Buffer, text: string) => crypto.createHmac("sha256", key).update(text).digest();
  const storedKey = crypto.createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
