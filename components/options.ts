import * as pulumi from "@pulumi/pulumi";

type DependsOn = pulumi.ResourceOptions["dependsOn"];

/**
 * Options for a child resource: parented to `parent` and waiting for
 * everything in `waitFor` (typically the component's own `dependsOn`, plus
 * siblings). Pulumi does not hand a component's `dependsOn` down to its
 * children, so without this a migration could start before its snapshot
 * exists. The one way children get their parent and dependencies.
 */
export function childOptions<T extends pulumi.CustomResourceOptions>(
  parent: pulumi.Resource,
  waitFor: DependsOn | readonly DependsOn[] = [],
  extra?: T,
): T & { parent: pulumi.Resource; dependsOn: DependsOn } {
  const parts = (Array.isArray(waitFor) ? waitFor : [waitFor]) as readonly DependsOn[];
  return { ...(extra ?? ({} as T)), parent, dependsOn: mergeDependsOn(parts) };
}

/** One dependsOn value from several; plain lists stay plain, so the engine sees the same dependencies. */
function mergeDependsOn(values: readonly DependsOn[]): DependsOn {
  const parts = values.filter((value) => value !== undefined);
  const plain = (value: DependsOn): value is pulumi.Resource | pulumi.Resource[] =>
    pulumi.Resource.isInstance(value) ||
    (Array.isArray(value) && value.every((item) => pulumi.Resource.isInstance(item)));
  if (parts.every(plain)) return parts.flatMap((part) => (Array.isArray(part) ? part : [part]));
  return pulumi
    .all(parts.map((part) => pulumi.output(part as pulumi.Input<pulumi.Input<pulumi.Resource>[]>)))
    .apply((lists) => lists.flatMap((list) => (Array.isArray(list) ? list : [list]))) as DependsOn;
}
