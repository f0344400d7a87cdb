/**
 * Serves components as a Pulumi component provider (GetSchema, Construct)
 * the way `componentProviderHost` does, plus the secrets its analyzer cannot
 * see (schema.ts). The engine starts the plugin and reads the port it prints.
 */
import { main } from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { markSecretInputs } from "./schema";

export interface ServeOptions extends ComponentProviderOptions {
  /** Directory holding the package.json and tsconfig.json the analyzer reads the Args from. */
  readonly dirname: string;
  /** Dotted Args paths whose values are secrets (e.g. `gateHeaders`). */
  readonly secretInputs: readonly string[];
}

class SecretAwareComponentProvider extends ComponentProvider {
  constructor(
    private readonly secretInputs: readonly string[],
    options: ComponentProviderOptions,
  ) {
    super(options);
  }

  override async getSchema(): Promise<string> {
    return markSecretInputs(await super.getSchema(), this.secretInputs);
  }
}

/** Starts the gRPC server; resolves when the engine stops it. */
export function serveComponents({ secretInputs, ...options }: ServeOptions): Promise<void> {
  return main(new SecretAwareComponentProvider(secretInputs, options), process.argv.slice(2));
}
