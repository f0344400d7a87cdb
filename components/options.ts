import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's child resources: parented to the component and
 * waiting for everything the component was told to wait for. Pulumi does not
 * hand a component's `dependsOn` down to its children, so without this a
 * migration could start before its snapshot exists.
 */
export function childOptions<T extends pulumi.CustomResourceOptions>(
  parent: pulumi.ComponentResource,
  opts: pulumi.ComponentResourceOptions,
  extra?: T,
): T & { parent: pulumi.ComponentResource; dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> } {
  return { ...(extra ?? ({} as T)), parent, dependsOn: opts.dependsOn };
}
