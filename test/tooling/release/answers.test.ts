/**
 * The answers to a running shift (`--continue`, `--abort`, from another
 * session over the same stack: approvals are stack tags), Ctrl-C in each
 * phase, and a locked stack. In-memory stack, logical clock.
 */
import { describe, expect, it } from "vitest";
import { runAbort, runContinue } from "../../../tooling/release/abort";
import { APPROVAL_TAGS } from "../../../tooling/release/approval";
import { Interrupts } from "../../../tooling/release/interrupts";
import { runShift } from "../../../tooling/release/shift";
import { FakeClock, FakeStack } from "./fakeStack";

const STEPS = {
  target: "green" as const,
  steps: [25, 50, 100],
  approvals: [50],
  pauseMs: 60_000,
  split: false,
};
const untimed = (lines: string[]) => lines.map((line) => line.replace(/^\[[^\]]+\] /, ""));

describe("approvals, decided from another machine", () => {
  it("holds before the approved step, still watching, until `--continue`; then goes on", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const elsewhere = new FakeClock();
    let approved: Awaited<ReturnType<typeof runContinue>> | undefined;
    const session = clock.session(stack, (request) => {
      // While the shift waits, a person on another machine approves.
      if (request.until !== undefined && approved === undefined) {
        void runContinue(elsewhere.session(stack)).then((outcome) => (approved = outcome));
      }
      return undefined;
    });
    const outcome = await runShift(session, STEPS);

    expect(outcome.end).toBe("done");
    expect(approved?.end).toBe("done");
    expect(approved?.summary).toMatch(
      /^approved: the shift waiting since .* \(started by ops@laptop, at blue 75% \/ green 25%\) goes on to 50 %$/,
    );
    expect(clock.holds.map((h) => [h.label, h.until !== undefined])).toEqual([
      ["hold 1m00s before step 2/3", true],
      ["hold 1m00s before step 3/3", false],
    ]);
    expect(untimed(clock.lines)).toContain(
      "hold 1m00s before step 2/3: waiting for approval before blue 50% / green 50%, watching green. " +
        "Approve with `npm run shift -- staging --continue`, or `--abort` to send everything back to blue",
    );
    expect(clock.events.map((e) => e.type)).toContain("approval-waiting");
    expect(clock.events.map((e) => e.type)).toContain("approved");
    expect(stack.tags.has(APPROVAL_TAGS.waiting)).toBe(false);
    expect(stack.deployed).toEqual({ blue: 0, green: 100 });
  });

  it("`--abort` from elsewhere stops the waiting shift, which moves nothing more, and sends everything to stable", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const elsewhere = new FakeClock();
    let aborted: Promise<unknown> | undefined;
    const session = clock.session(stack, (request) => {
      if (request.until !== undefined && aborted === undefined) aborted = runAbort(elsewhere.session(stack));
      return undefined;
    });
    const outcome = await runShift(session, STEPS);
    await aborted;

    expect(outcome.end).toBe("interrupted");
    expect(outcome.summary).toContain("aborted while holding at blue 75% / green 25%");
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
    // The shift ran one step; the abort ran the rollback; nothing after.
    expect(stack.calls.filter((c) => c.startsWith("up"))).toEqual(["up", "up -policies"]);
  });

  it("`--continue` with no shift waiting says so and changes nothing", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const outcome = await runContinue(clock.session(stack));
    expect(outcome.end).toBe("failed");
    expect(outcome.summary).toContain("no shift of stack staging waits for an approval");
    expect(stack.calls).toEqual([]);
  });
});

describe("runAbort on production (gate.maxStep 25)", () => {
  it("GIVEN 50/50 THEN sends 100 % to the stable color in one update past maxStep, without the pack", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 50, green: 50 } });
    const outcome = await runAbort(clock.session(stack));
    expect(outcome).toEqual({
      end: "done",
      summary: "aborted: blue 100% / green 0%",
      weights: { blue: 100, green: 0 },
    });
    expect(stack.deployed).toEqual({ blue: 100, green: 0 });
    expect(untimed(clock.lines)).toEqual([
      "abort: blue 50% / green 50% -> blue 100% / green 0%: all traffic back to stable blue (1.4.2) at once",
      "putting blue 100% / green 0% back: stack config, then the data plane directly, then pulumi up to record it",
      "stack config: blue 100% / green 0% (+0 ms)",
      "data plane: no direct move: the stack has no `trafficRoute` output, it was deployed by an earlier version of this program. pulumi up moves traffic",
      "recording blue 100% / green 0%: pulumi up (no step limit, policy pack not run)",
      "put back: blue 100% / green 0%, recorded (+65.0 s)",
    ]);
  });

  it("is a no-op when the stable color already has everything", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("production", clock, { deployed: { blue: 100, green: 0 } });
    expect(await runAbort(clock.session(stack))).toMatchObject({
      end: "done",
      summary: "nothing to abort: blue (1.4.2) already has 100 %",
    });
    expect(stack.calls).toEqual([]);
    expect(clock.lines).toEqual([]);
  });
});

describe("Ctrl-C", () => {
  it("during a step: the update is cancelled and the previous weights are put back; a second Ctrl-C then is ignored", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      duringUp: (up) => {
        if (up === 2) session.interrupts.onSignal(); // Ctrl-C during step 2
        if (up === 3) session.interrupts.onSignal(); // and again while step 1's weights are put back
      },
    });
    const session = clock.session(stack);
    const outcome = await runShift(session, { ...STEPS, approvals: [] });

    expect(outcome).toEqual({
      end: "interrupted",
      summary: "step 2/3 (blue 50% / green 50%) was interrupted. Traffic was set back to blue 75% / green 25%.",
      weights: { blue: 75, green: 25 },
    });
    expect(stack.deployed).toEqual({ blue: 75, green: 25 });
    expect(untimed(clock.lines)).toEqual(
      expect.arrayContaining([
        "Ctrl-C: cancelling the running `pulumi up` gracefully; the previous weights will be put back.",
        "step 2/3 interrupted (Ctrl-C)",
        "Ctrl-C ignored: the previous weights are being put back, and stopping now could leave traffic split. It ends on its own.",
        "put back: blue 75% / green 25%, recorded (+65.0 s)",
      ]),
    );
  });

  it("while holding: stops without moving traffic and says where it is", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, { deployed: { blue: 90, green: 10 } });
    const session = clock.session(stack, () => {
      session.interrupts.onSignal();
      return { kind: "interrupted" };
    });
    const outcome = await runShift(session, { ...STEPS, approvals: [] });
    expect(outcome.end).toBe("interrupted");
    expect(outcome.summary).toBe(
      "interrupted while holding: traffic stays at blue 75% / green 25%. Run the same command again to resume from there.",
    );
    expect(stack.calls.filter((c) => c.startsWith("up"))).toEqual(["up"]);
    expect(untimed(clock.lines)).toContain("Ctrl-C: stopping; traffic stays where it is.");
  });

  it("decides by phase: cancels once, ignores repeats and anything during a restore", () => {
    const said: string[] = [];
    const interrupts = new Interrupts((line) => said.push(line));
    interrupts.enter("restore");
    interrupts.onSignal();
    expect(interrupts.interrupted).toBe(false);
    interrupts.enter("hold");
    interrupts.onSignal();
    interrupts.onSignal();
    expect(interrupts.interrupted).toBe(true);
    expect(said).toEqual([
      "Ctrl-C ignored: the previous weights are being put back, and stopping now could leave traffic split. It ends on its own.",
      "Ctrl-C: stopping; traffic stays where it is.",
      "Ctrl-C again: already stopping, gracefully; wait for it to end.",
    ]);
  });
});

describe("a locked stack", () => {
  it("is explained, and nothing is changed: the step's config is put back without an update", async () => {
    const clock = new FakeClock();
    const stack = new FakeStack("staging", clock, {
      deployed: { blue: 90, green: 10 },
      locked: (up) => up === 1,
    });
    const outcome = await runShift(clock.session(stack), { ...STEPS, approvals: [] });
    expect(outcome.end).toBe("locked");
    expect(outcome.summary).toContain("stack staging is locked by another update");
    expect(stack.traffic()).toMatchObject({ blue: 90, green: 10 });
    expect(stack.deployed).toEqual({ blue: 90, green: 10 });
  });
});
