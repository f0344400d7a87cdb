/**
 * Text the program writes into AWS tags and security group rule
 * descriptions, which accept only some characters: a stated reason from the
 * stack file is cleaned rather than refused by AWS in the middle of an update.
 * Pure.
 */
import { AWS_TAGS } from "../contracts/markers";

/** Tag values: letters, digits, spaces and `_ . : / = + - @`, at most 256 characters. */
export function tagValue(text: string): string {
  return clean(text, /[^\p{L}\p{N} _.:/=+\-@]/gu, 256);
}

/** Security group rule descriptions: ASCII letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`, at most 255. */
export function ruleDescription(text: string): string {
  return clean(text, /[^A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, 255);
}

/** The tag that carries a stated reason to the resource that relaxes a default; none when nothing is relaxed. */
export function exceptionTags(reason: string | undefined): Record<string, string> {
  return reason === undefined ? {} : { [AWS_TAGS.securityException]: tagValue(reason) || "stated in the stack file" };
}

function clean(text: string, disallowed: RegExp, max: number): string {
  return text.replace(disallowed, " ").replace(/\s+/g, " ").trim().slice(0, max).trim();
}
