import { describe, expect, it } from "vitest";
import { releaseEvent } from "../../../tooling/notify/events";
import { payloadFor, redactUrl, slackText, withoutUrls } from "../../../tooling/notify/payload";
import { statusResult } from "../../../tooling/notify/post";
import { NOW, SAMPLES } from "./samples";

const SLACK = "https://hooks.slack.com/services/T000/B000/s3cr3t";

describe("webhook payloads", () => {
  it("json: the event itself", () => {
    const event = releaseEvent(SAMPLES.completed, NOW);
    expect(JSON.parse(payloadFor(event, "json", [SLACK]))).toEqual(event);
  });

  it("slack: one mrkdwn line with the stack, the command, the event and the summary, <>& escaped", () => {
    const event = releaseEvent(SAMPLES.breach, NOW);
    expect(JSON.parse(payloadFor(event, "slack", [SLACK]))).toEqual({
      text:
        ":rotating_light: *staging* watch breach: green 1.5.0 breached at blue 75% / green 25%: " +
        "error rate 12.3 % &gt; 5.0 % (bluegreen:watch.maxErrorRate); p95 latency 2450 ms &gt; 2000 ms (bluegreen:watch.maxP95LatencyMs)",
    });
    const odd = releaseEvent({ ...SAMPLES.aborted, type: "aborted", reason: "<!channel> R&D" }, NOW);
    expect(slackText(odd)).toBe(
      ":octagonal_sign: *staging* shift aborted: aborted, traffic at blue 100% / green 0%: &lt;!channel&gt; R&amp;D",
    );
  });

  it("never carries a webhook URL, even one pasted into an event's text", () => {
    const event = releaseEvent(
      { ...SAMPLES["rollback-failed"], type: "rollback-failed", error: `POST ${SLACK}?x=1 failed` },
      NOW,
    );
    for (const format of ["json", "slack"] as const) {
      const body = payloadFor(event, format, [SLACK]);
      expect(body).not.toContain("s3cr3t");
      expect(body).toContain("POST https://hooks.slack.com?x=1 failed");
    }
  });
});

describe("redaction", () => {
  it.each([
    [SLACK, "https://hooks.slack.com"],
    ["https://user:pw@hooks.example.com:8443/a/b?token=t#f", "https://hooks.example.com:8443"],
    ["http://127.0.0.1:9000/hook", "http://127.0.0.1:9000"],
    ["not a url", "<invalid webhook URL>"],
  ])("%s -> %s", (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it("replaces the longest matching URL first", () => {
    const short = "https://h.example/a";
    const long = "https://h.example/a/b";
    expect(withoutUrls(`${long} and ${short}`, [short, long])).toBe("https://h.example and https://h.example");
  });
});

describe("answers", () => {
  it.each([
    [200, "delivered", undefined],
    [204, "delivered", undefined],
    [500, "failed", true],
    [503, "failed", true],
    [429, "failed", true],
    [408, "failed", true],
    [404, "failed", false],
    [400, "failed", false],
    [302, "failed", false],
  ] as const)("HTTP %i: %s (retry %s)", (status, outcome, retry) => {
    const result = statusResult(status);
    expect(result.outcome).toBe(outcome);
    expect("retry" in result ? result.retry : undefined).toBe(retry);
  });
});
