/**
 * Serves components as a Pulumi component provider (GetSchema, Construct)
 * the way `componentProviderHost` does, plus the secrets its analyzer cannot
 * see (schema.ts), from the analysis the build wrote when it is current
 * (prebuilt.ts). The engine starts the plugin and reads the port it prints.
 */
import { main } from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { Analysis, currentKey, readAnalysis } from "./prebuilt";
import { markSecretInputs } from "./schema";

export interface ServeOptions extends ComponentProviderOptions {
  /** Directory holding the package.json and tsconfig.json the analyzer reads the Args from. */
  readonly dirname: string;
  /** Dotted Args paths whose values are secrets (e.g. `gateHeaders`). */
  readonly secretInputs: readonly string[];
}

/** ComponentProvider with secrets marked in its schema, and the build's analysis when there is one. */
class SecretAwareComponentProvider extends ComponentProvider {
  private markedSchema?: string;

  constructor(
    private readonly secretInputs: readonly string[],
    options: ComponentProviderOptions,
    prebuilt?: Analysis,
  ) {
    super(options);
    if (prebuilt) {
      this.markedSchema = prebuilt.schema;
      // The base class analyses in construct() while its private `componentDefinitions` is unset
      // (provider.js): set it, as its getSchema() would, so Construct does not analyse either.
      this["componentDefinitions"] = prebuilt.componentDefinitions;
    }
  }

  override async getSchema(): Promise<string> {
    this.markedSchema ??= markSecretInputs(await super.getSchema(), this.secretInputs);
    return this.markedSchema;
  }

  /** Analyses the package as getSchema() does, for the build to store. */
  async analyse(): Promise<Analysis> {
    return { schema: await this.getSchema(), componentDefinitions: this["componentDefinitions"] };
  }
}

/** Starts the gRPC server; resolves when the engine stops it. */
export function serveComponents({ secretInputs, ...options }: ServeOptions): Promise<void> {
  const prebuilt = readAnalysis(options.dirname, currentKey(options.dirname));
  return main(new SecretAwareComponentProvider(secretInputs, options, prebuilt), process.argv.slice(2));
}

/** What serveComponents would analyse at start, for writeSchema.ts. */
export function analyseComponents({ secretInputs, ...options }: ServeOptions): Promise<Analysis> {
  return new SecretAwareComponentProvider(secretInputs, options).analyse();
}
