/** The neutral part of maintenance mode (components/maintenance.ts) and the local router's map helpers, pure. */
import { describe, expect, it } from "vitest";
import { maintenanceSchema } from "../components/config/releaseModes";
import { gateSettingsSchema } from "../components/gate/settings";
import { parseMapAnswer, runtimeWord } from "../components/docker/haproxyMaintenance";
import { escapeHtml, maintenancePage, maintenanceResponse, maintenanceTargetIssues } from "../components/maintenance";

describe("maintenancePage", () => {
  it("escapes markup in the message, so it is shown and never interpreted", () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;",
    );
    const page = maintenancePage("<b>Back</b> soon");
    expect(page).toContain("<p>&lt;b&gt;Back&lt;/b&gt; soon</p>");
    expect(page).not.toContain("<b>");
  });

  it("is one line: line breaks become <br>, tabs and other control characters spaces", () => {
    const page = maintenancePage("Upgrading.\nBack at 14:00\tUTC.\r\n");
    // eslint-disable-next-line no-control-regex -- control characters are what the page must not contain
    expect(page).not.toMatch(/[\x00-\x1f]/);
    expect(page).toContain("<p>Upgrading.<br>Back at 14:00 UTC.</p>");
  });
});

describe("maintenanceResponse", () => {
  it("is 503 with the page and Retry-After while on, nothing while off", () => {
    const on = maintenanceSchema.parse({ enabled: true, message: "Soon", retryAfterSeconds: 60 });
    expect(maintenanceResponse(on)).toEqual({
      status: 503,
      contentType: "text/html; charset=utf-8",
      body: maintenancePage("Soon"),
      retryAfterSeconds: 60,
    });
    expect(maintenanceResponse(maintenanceSchema.parse({}))).toBeUndefined();
  });
});

describe("maintenanceTargetIssues", () => {
  const gate = gateSettingsSchema.parse({
    targets: { green: ["https://api.example.com/health", "https://green.example.com/health"] },
  });
  const production = (url: URL) => url.hostname === "api.example.com";

  it("names each gate target through the production route while on, by its index", () => {
    const issues = maintenanceTargetIssues(
      { maintenance: maintenanceSchema.parse({ enabled: true }), gate },
      production,
    );
    expect(issues.map((i) => i.key)).toEqual(["bluegreen:gate.targets.green.0"]);
    expect(issues[0].message).toContain("Use green's own endpoint");
  });

  it("refuses nothing while off", () => {
    expect(maintenanceTargetIssues({ maintenance: maintenanceSchema.parse({}), gate }, production)).toEqual([]);
  });
});

describe("the local router's maintenance map", () => {
  it("escapes what the runtime API would split on: spaces, ';' and backslashes", () => {
    expect(runtimeWord("a b;c\\d")).toBe("a\\ b\\;c\\\\d");
  });

  it("reads `show map` entries, values with spaces included", () => {
    const answer = "0x55a1 enabled 1\n0x55a2 page <p>Back soon</p>\n0x55a3 retry-after 300\n\n";
    expect(parseMapAnswer(answer)).toEqual({ enabled: "1", page: "<p>Back soon</p>", "retry-after": "300" });
  });
});
