/**
 * The components this package serves, for the schema: the analyzer of
 * `@pulumi/pulumi/provider/experimental` reads their Args interfaces from the
 * TypeScript source, starting here (package.json's `main` is the compiled
 * plugin, which has no source next to it, so the analyzer falls back to
 * index.ts).
 */
export { AwsBlueGreen, DockerBlueGreen, KubernetesBlueGreen } from "../components/library";
