/**
 * PostgresPassword: a password generated once, on create, by the Node host
 * that runs `pulumi up` (a dynamic provider: no provider plugin needed), with
 * its SCRAM-SHA-256 verifier. Both outputs are secrets: the engine encrypts
 * them in state and shows them as [secret] in previews and logs. The only
 * input is the length; changing it replaces the password.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CheckFailure } from "../contracts/providerKit";
import { DYNAMIC_TYPES } from "../contracts/resourceTypes";
import {
  generatePassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  scramSha256Verifier,
  SCRAM_ITERATIONS,
} from "./scram";

export interface PostgresPasswordInputs {
  readonly length: number;
}

export interface PostgresPasswordOuts extends PostgresPasswordInputs {
  readonly password: string;
  readonly scramVerifier: string;
}

/** The outputs the engine must keep secret. */
const SECRET_OUTPUTS = ["password", "scramVerifier"];

export function passwordLengthProblems(length: unknown): CheckFailure[] {
  return Number.isInteger(length) &&
    (length as number) >= MIN_PASSWORD_LENGTH &&
    (length as number) <= MAX_PASSWORD_LENGTH
    ? []
    : [
        {
          property: "length",
          reason: `is ${JSON.stringify(length)}; must be an integer ${MIN_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH}`,
        },
      ];
}

export const postgresPasswordProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news, failures: passwordLengthProblems(news.length) };
  },

  async diff(_id, olds: PostgresPasswordOuts, news: PostgresPasswordInputs) {
    // A password never changes in place: a new length is a new password.
    const replace = olds.length !== news.length;
    return { changes: replace, replaces: replace ? ["length"] : [], deleteBeforeReplace: false };
  },

  async create(inputs: PostgresPasswordInputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    const password = generatePassword(inputs.length);
    const scramVerifier = scramSha256Verifier(password, crypto.randomBytes(16), SCRAM_ITERATIONS);
    const outs: PostgresPasswordOuts = { length: inputs.length, password, scramVerifier };
    return { id: crypto.randomUUID(), outs };
  },
};

export interface PostgresPasswordArgs {
  /** Characters, 24..100. @default 32 */
  readonly length?: number;
}

export class PostgresPassword extends pulumi.dynamic.Resource {
  /** The password (letters and digits); secret. */
  declare readonly password: pulumi.Output<string>;
  /** Its SCRAM-SHA-256 verifier, what Postgres stores; secret. */
  declare readonly scramVerifier: pulumi.Output<string>;

  constructor(name: string, args: PostgresPasswordArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    const { module, name: type } = DYNAMIC_TYPES.postgresPassword;
    const props = { length: args.length ?? 32, password: undefined, scramVerifier: undefined };
    super(postgresPasswordProvider, name, props, { ...opts, additionalSecretOutputs: SECRET_OUTPUTS }, module, type);
  }
}
