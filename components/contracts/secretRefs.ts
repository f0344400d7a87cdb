/**
 * What a secret reference of an ECS task is: the ARN of a Secrets Manager
 * secret or of an SSM parameter. The config refuses anything else before a
 * resource exists (the value goes into the task definition and the execution
 * role's IAM policy), and the policy pack, which carries a copy, refuses it
 * in the resources. Dependency-free.
 */

/** A Secrets Manager secret ARN, optionally with ECS's `:json-key:version-stage:version-id` suffix (all three colons). */
const SECRETS_MANAGER_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:\s]*:[^:\s]*:[^:\s]*)?$/;
/** An SSM Parameter Store parameter ARN. */
const SSM_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]+$/;

/** The services a secret reference may point at, as users read them in messages. */
export const SECRET_STORES =
  "a Secrets Manager secret ARN (arn:aws:secretsmanager:...) or an SSM parameter ARN (arn:aws:ssm:...:parameter/...)";

export function isSecretStoreArn(reference: string): boolean {
  return SECRETS_MANAGER_ARN.test(reference) || SSM_PARAMETER_ARN.test(reference);
}

/** The ARN an IAM policy grants: a Secrets Manager reference without ECS's json-key suffix (its first 7 fields). */
export function secretResourceArn(reference: string): string {
  return reference.includes(":secretsmanager:") ? reference.split(":").slice(0, 7).join(":") : reference;
}
