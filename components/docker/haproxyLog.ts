/**
 * The router's log of users' requests, defined once: the generated config
 * writes it, the release watch reads it (tooling/watch/routerLog.ts). One
 * line per request at its end, into a ring in the router's memory read
 * through the runtime API (`show events <ring>`): no file, no syslog, memory
 * bounded by the ring's size (the oldest lines go first). Pure and free of
 * imports, like haproxyConfig.ts.
 */

/** A line is its fields in this order, space-separated, after the tag. */
export const USER_REQUEST_LOG = {
  ring: "user-requests",
  /** 4 MiB: about 90,000 lines of 45 bytes, so a round of 60 s holds 1,500 requests a second. */
  sizeBytes: 4 * 1024 * 1024,
  /** Longer lines are cut, and the watch drops them as unreadable. */
  maxLineBytes: 256,
  /** Names the format, so a line of another format is never misread. */
  tag: "bg1",
  fields: [
    // HAProxy's number for the request, unique within the process: finds the last line already read.
    ["id", "%rt"],
    ["acceptedAt", "%Ts.%ms"],
    ["backend", "%b"],
    // The color that answered (after any retry on the other one), or <NOSRV>.
    ["server", "%s"],
    // -1 when no answer came.
    ["status", "%ST"],
    // The request's own time, from its first byte to the end of the answer, without the idle time before it.
    ["activeMs", "%Ta"],
    // Who ended it and when: "--" a normal end, "SC" refused by the server, "sH" timed out waiting for it...
    ["termination", "%ts"],
  ],
} as const;

export type UserRequestField = (typeof USER_REQUEST_LOG.fields)[number][0];

/** The ring section and the frontend lines that log into it. */
export function userRequestLog(): { ring: string[]; frontend: string[] } {
  const { ring, sizeBytes, maxLineBytes, tag, fields } = USER_REQUEST_LOG;
  return {
    ring: [`ring ${ring}`, "    format raw", `    maxlen ${maxLineBytes}`, `    size ${sizeBytes}`, ""],
    frontend: [
      `    log ring@${ring} format raw local0 info`,
      `    log-format "${[tag, ...fields.map(([, variable]) => variable)].join(" ")}"`,
      // A connection that never sent a request is no user's request.
      "    option dontlognull",
    ],
  };
}
