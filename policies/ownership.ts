/**
 * The pack judges only what bluegreen's components created: a larger
 * program's own listeners, target groups, security groups, services and
 * routes, in the same stack, are never flagged.
 *
 * What a component created is told by its URN, which the engine builds from
 * the whole chain of parent types (`...::bluegreen:index:BlueGreenApp$
 * bluegreen:aws:ColorService$aws:lb/targetGroup:TargetGroup::api-blue-tg`):
 * a resource is the app's when one of its parents is a bluegreen component
 * (COMPONENT_TYPES). The URN is known at every preview, a first one
 * included, and no value of the resource is read.
 *
 * Rules still read other resources for context (a user's load balancer and
 * its security groups, a user's rule that opens the app's database); only
 * what they judge, and the violations they report, are limited to the app's.
 */
import type { ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COMPONENT_TYPES } from "./contracts/resourceTypes";

const COMPONENTS: ReadonlySet<string> = new Set(Object.values(COMPONENT_TYPES));

/** Whether the resource with this URN was created inside a bluegreen component. */
export function createdByApp(urn: string): boolean {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType
    .split("$")
    .slice(0, -1)
    .some((type) => COMPONENTS.has(type));
}

/** `policy`, judging only resources the app created; a stack-wide violation (no URN) is kept. */
export function appResourcesOnly(
  policy: ResourceValidationPolicy | StackValidationPolicy,
): ResourceValidationPolicy | StackValidationPolicy {
  if (!("validateStack" in policy)) {
    const validations = [policy.validateResource ?? []].flat();
    return {
      ...policy,
      validateResource: validations.map(
        (validate): ResourceValidation =>
          (args, reportViolation) =>
            createdByApp(args.urn) ? validate(args, reportViolation) : undefined,
      ),
    };
  }
  return {
    ...policy,
    validateStack: (args, reportViolation) =>
      policy.validateStack(args, (message, urn) =>
        urn === undefined || createdByApp(urn) ? reportViolation(message, urn) : undefined,
      ),
  };
}
