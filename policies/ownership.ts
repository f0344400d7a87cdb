/**
 * The resource policies judge only what bluegreen's components created: a
 * larger program's own listeners, target groups, security groups, services
 * and routes, in the same stack, are never flagged by them.
 *
 * What a component created is told by its URN, which the engine builds from
 * the whole chain of parent types (`...::bluegreen:index:BlueGreenApp$
 * bluegreen:aws:ColorService$aws:lb/targetGroup:TargetGroup::api-blue-tg`):
 * a resource is the app's when one of its parents is a bluegreen component
 * (structure.ts). The URN is known at every preview, a first one included,
 * and no value of the resource is read.
 *
 * Stack policies choose what they judge themselves, from the structure: the
 * app's resources, and what reaches into the app from outside (a route of the
 * larger program that sends to one of the app's colors, a resource the app's
 * components reference but that was registered outside them).
 */
import type { ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { createdByApp } from "./structure";

/** `policy`, judging only resources the app created when it judges one resource at a time. */
export function appResourcesOnly(
  policy: ResourceValidationPolicy | StackValidationPolicy,
): ResourceValidationPolicy | StackValidationPolicy {
  if ("validateStack" in policy) return policy;
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
