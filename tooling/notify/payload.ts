/**
 * What a webhook receives, per `format`, and how a webhook is named in
 * warnings. A webhook URL is its own credential (Slack's path is the token),
 * so only its scheme and host ever appear in a line or a payload. Pure.
 */
import type { NotifyEvent, NotifyEventType } from "./events";

export type WebhookFormat = "json" | "slack";

/** `https://hooks.slack.com/services/T0/B0/secret` → `https://hooks.slack.com`: scheme and host (and port) only. */
export function redactUrl(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? "<webhook>" : origin;
  } catch {
    return "<invalid webhook URL>";
  }
}

/**
 * Replaces any configured webhook URL in `text` by its redacted form. Events
 * carry free text (a gate's message, an engine error) that the notifier does
 * not write; a URL pasted into one must not reach a receiver.
 */
export function withoutUrls(text: string, urls: readonly string[]): string {
  // Longest first, so a URL that extends another is replaced whole.
  return [...urls].sort((a, b) => b.length - a.length).reduce((out, url) => out.split(url).join(redactUrl(url)), text);
}

/** The request body for `format`, with any of `urls` (the configured webhooks) redacted from the event's text. */
export function payloadFor(event: NotifyEvent, format: WebhookFormat, urls: readonly string[]): string {
  const clean: NotifyEvent = JSON.parse(JSON.stringify(event), (_key, value: unknown) =>
    typeof value === "string" ? withoutUrls(value, urls) : value,
  );
  return JSON.stringify(format === "json" ? clean : { text: slackText(clean) });
}

const ICONS: Record<NotifyEventType, string> = {
  "step-started": ":arrow_forward:",
  "step-done": ":white_check_mark:",
  breach: ":rotating_light:",
  "inconclusive-stop": ":grey_question:",
  "rollback-started": ":leftwards_arrow_with_hook:",
  "rolled-back": ":leftwards_arrow_with_hook:",
  "rollback-failed": ":fire:",
  "approval-waiting": ":raised_hand:",
  approved: ":+1:",
  aborted: ":octagonal_sign:",
  interrupted: ":warning:",
  completed: ":tada:",
};

/** One Slack mrkdwn line: `<icon> *<stack>* <command> <event>: <summary>`. */
export function slackText(event: NotifyEvent): string {
  return `${ICONS[event.type]} *${escapeSlack(event.stack)}* ${event.command} ${event.type}: ${escapeSlack(event.summary)}`;
}

/** Slack reads `<...>` as links and mentions; its docs ask for these three to be escaped. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
