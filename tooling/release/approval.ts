/**
 * Approvals live with the stack, as stack tags in its backend, so a person
 * can decide from any machine: a holding shift writes what it waits for
 * (APPROVAL_TAGS.waiting), and `npm run shift -- <stack> --continue` or
 * `--abort` answers it (APPROVAL_TAGS.decision) for that wait's id. The
 * holder polls the decision while it keeps watching.
 */
import type { TrafficWeights } from "../../components/traffic";
import type { ReleaseStack } from "./stack";

export const APPROVAL_TAGS = {
  waiting: "bluegreen:approval-waiting",
  decision: "bluegreen:approval",
} as const;

export interface ApprovalWait {
  /** Names this wait: a decision for another wait is ignored. */
  readonly id: string;
  /** The step it holds before, e.g. "3/5 (50 %)". */
  readonly before: string;
  readonly weights: TrafficWeights;
  readonly since: string;
  readonly by: string;
}

export type ApprovalVerdict = "continue" | "abort";

export interface ApprovalDecision {
  readonly id: string;
  readonly decision: ApprovalVerdict;
  readonly by: string;
  readonly at: string;
}

export async function readWait(stack: ReleaseStack): Promise<ApprovalWait | undefined> {
  return parseTag<ApprovalWait>(await stack.getTag(APPROVAL_TAGS.waiting), (v) => typeof v.id === "string");
}

/** The decision taken for `wait`, if any. */
export async function decisionFor(stack: ReleaseStack, wait: ApprovalWait): Promise<ApprovalVerdict | undefined> {
  const decision = parseTag<ApprovalDecision>(
    await stack.getTag(APPROVAL_TAGS.decision),
    (v) => v.decision === "continue" || v.decision === "abort",
  );
  return decision?.id === wait.id ? decision.decision : undefined;
}

export async function startWaiting(stack: ReleaseStack, wait: ApprovalWait): Promise<void> {
  await stack.setTag(APPROVAL_TAGS.waiting, JSON.stringify(wait));
}

export async function stopWaiting(stack: ReleaseStack): Promise<void> {
  await stack.removeTag(APPROVAL_TAGS.waiting);
}

export async function decide(stack: ReleaseStack, decision: ApprovalDecision): Promise<void> {
  await stack.setTag(APPROVAL_TAGS.decision, JSON.stringify(decision));
}

function parseTag<T>(text: string | undefined, valid: (value: Record<string, unknown>) => boolean): T | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    return typeof value === "object" && value !== null && valid(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
