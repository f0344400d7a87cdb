/**
 * The stated reason a resource relaxes a secure default: the program tags
 * it with `bluegreen:<color>.securityException`,
 * `bluegreen:listener.securityException` or the reasons of
 * `bluegreen:network.taskEgress` (AWS_TAGS.securityException), so a rule
 * accepts exactly the relaxation the stack file justifies, unless the pack's
 * config says stack exceptions are not accepted (`allowStackExceptions`, as
 * kubernetes-pod-security has it).
 */
import { AWS_TAGS } from "./contracts/markers";
import { known } from "./shared";

/** The configSchema property every rule with an escape hatch shares. */
export const ALLOW_STACK_EXCEPTIONS = {
  type: "boolean",
  default: true,
  description:
    "Accept a resource that relaxes this rule's defaults with a reason stated in its stack file (tagged bluegreen:security-exception).",
} as const;

/** The reason on `props.tags`, when there is one and stack exceptions are accepted. */
export function statedException(props: Record<string, any>, allowed: boolean): string | undefined {
  const reason = known(() => props.tags?.[AWS_TAGS.securityException]);
  return allowed && typeof reason === "string" && reason.trim() !== "" ? reason : undefined;
}
