import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HAPROXY_MAX_WEIGHT } from "../../components/contracts/limits";
import {
  HaproxySpec,
  ServerWeights,
  haproxySpecProblems,
  haproxyWeights,
  renderHaproxyConfig,
  renderRuntimeApiClients,
  weightApplyOrder,
  weightProblems,
} from "../../components/docker/haproxyConfig";
import {
  INITIAL_MAINTENANCE_MAP,
  MAINTENANCE_BODY_LIMIT,
  MAINTENANCE_SCRIPT,
  MAINTENANCE_SERVICE,
  maintenanceScriptFile,
} from "../../components/docker/haproxyMaintenance";
import { USER_REQUEST_LOG } from "../../components/docker/haproxyLog";
import { HAPROXY_BIN } from "../../testkit/haproxy";

const spec: HaproxySpec = {
  app: "api",
  bind: { address: "127.0.0.1", port: 8080 },
  admin: {
    address: "127.0.0.1",
    port: 9999,
    socket: "/run/haproxy/admin.sock",
    clientsFile: "/etc/haproxy/clients.lst",
  },
  healthPath: "/healthz",
  servers: {
    blue: { address: "127.0.0.1", port: 8081, weight: 90 },
    green: { address: "api-green", port: 8082, weight: 10 },
  },
};

const USER_LOG_LINES = [
  "    log ring@user-requests format raw local0 info",
  '    log-format "bg1 %rt %Ts.%ms %b %s %ST %Ta %ts"',
  "    option dontlognull",
];

function sectionOf(config: string, header: string): string[] {
  const lines = config.split("\n");
  const start = lines.indexOf(header);
  const end = lines.indexOf("", start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe("renderHaproxyConfig", () => {
  it("GIVEN a valid spec WHEN rendered THEN one backend named after the app holds a blue and a green server with their weights", () => {
    const backend = sectionOf(renderHaproxyConfig(spec), "backend api");
    expect(backend.filter((l) => l.trim().startsWith("server "))).toEqual([
      "    server blue 127.0.0.1:8081 weight 90",
      "    server green api-green:8082 weight 10",
    ]);
    expect(backend).toContain("    balance roundrobin");
    expect(backend).toContain("    option httpchk GET /healthz");
    expect(backend).toContain("    http-check expect status 200");
    expect(backend).toContain("    default-server check inter 1s fastinter 250ms downinter 500ms rise 2 fall 2");
  });

  it("GIVEN a valid spec WHEN rendered THEN the runtime API is a unix socket, reached on the admin port by listed clients only", () => {
    const config = renderHaproxyConfig(spec);
    expect(sectionOf(config, "global").filter((l) => l.includes("stats socket"))).toEqual([
      "    stats socket /run/haproxy/admin.sock level admin mode 600",
    ]);
    expect(sectionOf(config, "listen runtime-api")).toEqual([
      "    mode tcp",
      "    bind 127.0.0.1:9999",
      "    timeout connect 2s",
      "    timeout client 10s",
      "    timeout server 10s",
      "    tcp-request connection reject unless { src -f /etc/haproxy/clients.lst }",
      "    server runtime unix@/run/haproxy/admin.sock",
    ]);
    // Before the HTTP defaults, so it inherits none of them.
    expect(config.indexOf("listen runtime-api")).toBeLessThan(config.indexOf("defaults"));
    expect(sectionOf(config, "frontend http-in")).toEqual([
      "    bind 127.0.0.1:8080",
      ...USER_LOG_LINES,
      "    default_backend api",
    ]);
  });

  it("GIVEN a valid spec WHEN rendered THEN every user request is logged, one line at its end, into a ring in memory the watch reads", () => {
    const config = renderHaproxyConfig(spec);
    expect(sectionOf(config, "ring user-requests")).toEqual([
      "    format raw",
      "    maxlen 256",
      `    size ${4 * 1024 * 1024}`,
    ]);
    expect(USER_REQUEST_LOG.fields.map(([name]) => name)).toEqual([
      "id",
      "acceptedAt",
      "backend",
      "server",
      "status",
      "activeMs",
      "termination",
    ]);
    expect(sectionOf(config, "frontend http-in")).toEqual(expect.arrayContaining(USER_LOG_LINES));
    // Nothing else logs: the runtime API's own connections would fill the ring.
    expect(config.match(/^\s+log /gm)).toEqual(["    log "]);
  });

  it("GIVEN client addresses WHEN the client list is rendered THEN one per line; anything but IPv4 addresses and CIDRs is refused", () => {
    expect(renderRuntimeApiClients(["172.18.0.1", "10.0.0.0/8"])).toBe("172.18.0.1\n10.0.0.0/8\n");
    expect(renderRuntimeApiClients([])).toBe("");
    expect(() => renderRuntimeApiClients(["172.18.0.256", "any", "10.0.0.0/33", "::1"])).toThrow(
      'runtime API clients must be IPv4 addresses or CIDRs (such as 172.18.0.1 or 172.18.0.0/16); got "172.18.0.256", "any", "10.0.0.0/33", "::1"',
    );
  });

  it("GIVEN a valid spec WHEN rendered THEN failed or closed connections are retried on another server", () => {
    const defaults = sectionOf(renderHaproxyConfig(spec), "defaults");
    expect(defaults).toEqual(
      expect.arrayContaining([
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response",
        "    option http-keep-alive",
      ]),
    );
  });

  it("GIVEN the rendered config WHEN Debian's haproxy checks it (haproxy -c) THEN it is valid", () => {
    const dir = mkdtempSync(join(tmpdir(), "bluegreen-haproxy-check-"));
    try {
      const path = join(dir, "haproxy.cfg");
      const admin = { ...spec.admin, socket: join(dir, "admin.sock"), clientsFile: join(dir, "clients.lst") };
      writeFileSync(admin.clientsFile, renderRuntimeApiClients(["172.18.0.1"]));
      writeFileSync(
        path,
        renderHaproxyConfig({
          ...spec,
          admin,
          servers: { ...spec.servers, green: { ...spec.servers.green, address: "127.0.0.1", weight: 0 } },
        }),
      );
      expect(execFileSync(HAPROXY_BIN, ["-c", "-f", path], { encoding: "utf8" })).toContain(
        "Configuration file is valid",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GIVEN maintenance WHEN rendered THEN the service is loaded at start and the frontend's first rules hand it the page while the map says so", () => {
    const map = "/etc/haproxy/maintenance.map";
    const config = renderHaproxyConfig({
      ...spec,
      maintenanceMap: map,
    });
    expect(sectionOf(config, "global")).toContain("    lua-load /etc/haproxy/maintenance.lua");
    const on = `if { str(enabled),map(${map},0) -m str 1 }`;
    expect(sectionOf(config, "frontend http-in")).toEqual([
      "    bind 127.0.0.1:8080",
      `    http-request set-var(txn.bluegreen_page) str(page),map(${map}) ${on}`,
      `    http-request set-var(txn.bluegreen_retry_after) str(retry-after),map(${map}) ${on}`,
      `    http-request use-service lua.${MAINTENANCE_SERVICE} ${on}`,
      ...USER_LOG_LINES,
      "    default_backend api",
    ]);
    // No `http-request return`: it stops reading the request and closes, resetting a client still sending its body.
    expect(config).not.toContain("http-request return");
  });

  it("GIVEN a maintenance map WHEN its service is placed THEN beside it, .map becoming .lua", () => {
    expect(maintenanceScriptFile("/usr/local/etc/haproxy/maintenance.map")).toBe(
      "/usr/local/etc/haproxy/maintenance.lua",
    );
    expect(maintenanceScriptFile("/etc/haproxy/switch")).toBe("/etc/haproxy/switch.lua");
  });

  it("GIVEN the maintenance service WHEN read THEN it reads the body up to the limit before answering, and answers at once past it", () => {
    expect(MAINTENANCE_BODY_LIMIT).toBe(16 * 1024 * 1024);
    expect(MAINTENANCE_SCRIPT).toContain(`local LIMIT = ${MAINTENANCE_BODY_LIMIT}\n`);
    expect(MAINTENANCE_SCRIPT).toContain(`core.register_service("${MAINTENANCE_SERVICE}", "http", function(applet)`);
    expect(MAINTENANCE_SCRIPT).toContain('applet:get_var("txn.bluegreen_page")');
    expect(MAINTENANCE_SCRIPT).toContain('applet:get_var("txn.bluegreen_retry_after")');
    expect(MAINTENANCE_SCRIPT.indexOf("applet:receive(")).toBeLessThan(
      MAINTENANCE_SCRIPT.indexOf("applet:start_response()"),
    );
  });

  it("GIVEN maintenance WHEN Debian's haproxy checks the config with the map and the service (haproxy -c) THEN it is valid", () => {
    const dir = mkdtempSync(join(tmpdir(), "bluegreen-haproxy-check-"));
    try {
      const path = join(dir, "haproxy.cfg");
      const admin = { ...spec.admin, socket: join(dir, "admin.sock"), clientsFile: join(dir, "clients.lst") };
      const maintenanceMap = join(dir, "maintenance.map");
      writeFileSync(admin.clientsFile, renderRuntimeApiClients(["172.18.0.1"]));
      writeFileSync(maintenanceMap, INITIAL_MAINTENANCE_MAP);
      writeFileSync(maintenanceScriptFile(maintenanceMap), MAINTENANCE_SCRIPT);
      writeFileSync(
        path,
        renderHaproxyConfig({
          ...spec,
          admin,
          maintenanceMap,
          servers: { ...spec.servers, green: { ...spec.servers.green, address: "127.0.0.1" } },
        }),
      );
      expect(execFileSync(HAPROXY_BIN, ["-c", "-f", path], { encoding: "utf8" })).toContain(
        "Configuration file is valid",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GIVEN invalid ports, weights, path and names WHEN rendered THEN one error names every bad value with its limit", () => {
    const bad: HaproxySpec = {
      app: "my api",
      bind: { address: "localhost", port: 0 },
      admin: { address: "127.0.0.1", port: 70000, socket: "admin.sock", clientsFile: "/etc/haproxy/clients list" },
      healthPath: "healthz",
      servers: {
        blue: { address: "10.0.0.1", port: 8081, weight: 257 },
        green: { address: "bad host", port: 8082, weight: -1 },
      },
    };
    expect(() => renderHaproxyConfig(bad)).toThrow(
      'invalid HAProxy spec for app "my api": ' +
        "app is \"my api\"; must be a non-empty HAProxy name of letters, digits, '-', '_', '.' or ':'; " +
        'bind.address is "localhost"; must be an IPv4 address such as 127.0.0.1; ' +
        "bind.port is 0; must be an integer 1..65535; " +
        "admin.port is 70000; must be an integer 1..65535; " +
        "admin.socket is \"admin.sock\"; must be an absolute path of letters, digits, '.', '_', '-' and '/'; " +
        "admin.clientsFile is \"/etc/haproxy/clients list\"; must be an absolute path of letters, digits, '.', '_', '-' and '/'; " +
        'servers.green.address is "bad host"; must be an IPv4 address or a host name; ' +
        "servers.blue.weight is 257; must be an integer 0..256 (convert traffic weights with haproxyWeights()); " +
        "servers.green.weight is -1; must be an integer 0..256 (convert traffic weights with haproxyWeights()); " +
        'healthPath is "healthz"; must start with "/" and contain no spaces, quotes or \'#\'',
    );
  });

  it("GIVEN both weights 0 or admin on the bind port WHEN validated THEN each is reported with the reason", () => {
    const zero = {
      ...spec,
      servers: { blue: { ...spec.servers.blue, weight: 0 }, green: { ...spec.servers.green, weight: 0 } },
    };
    expect(haproxySpecProblems(zero)).toEqual([
      {
        property: "servers",
        reason:
          "gives blue and green both weight 0; the router would answer 503 to every request, so give at least one color a weight > 0",
      },
    ]);
    expect(haproxySpecProblems({ ...spec, admin: { ...spec.admin, ...spec.bind } })).toEqual([
      { property: "admin.port", reason: "is 8080, the same as bind.port; the runtime API needs its own port" },
    ]);
  });

  it("GIVEN a health path with a space (it would split the config word) WHEN validated THEN it is rejected", () => {
    expect(haproxySpecProblems({ ...spec, healthPath: "/health z" }).map((p) => p.property)).toEqual(["healthPath"]);
  });

  it("GIVEN a DNS resolver WHEN rendered THEN servers re-resolve through it and may start unresolved", () => {
    const config = renderHaproxyConfig({ ...spec, dnsResolver: { address: "127.0.0.11", port: 53 } });
    expect(sectionOf(config, "resolvers dns")).toEqual(["    nameserver dns1 127.0.0.11:53", "    hold valid 1s"]);
    expect(config).toContain(
      "    default-server check inter 1s fastinter 250ms downinter 500ms rise 2 fall 2 resolvers dns resolve-prefer ipv4 init-addr last,libc,none\n",
    );
    expect(renderHaproxyConfig(spec)).not.toContain("resolvers");
    expect(
      haproxySpecProblems({ ...spec, dnsResolver: { address: "dns.local", port: 0 } }).map((p) => p.property),
    ).toEqual(["dnsResolver.address", "dnsResolver.port"]);
  });
});

describe("weightProblems", () => {
  it("GIVEN valid HAProxy weights WHEN checked THEN no problems", () => {
    expect(weightProblems("weights", { blue: 256, green: 0 })).toEqual([]);
  });

  it("GIVEN fractional, missing and 0/0 weights WHEN checked THEN each is reported under its property", () => {
    expect(weightProblems("weights", { blue: 1.5 }).map((p) => p.property)).toEqual(["weights.blue", "weights.green"]);
    expect(weightProblems("weights", { blue: 0, green: 0 }).map((p) => p.property)).toEqual(["weights"]);
  });
});

describe("haproxyWeights (traffic 0..999 -> HAProxy 0..256)", () => {
  it("GIVEN both weights <= 256 WHEN converted THEN they are kept as is", () => {
    expect(haproxyWeights({ blue: 90, green: 10 })).toEqual({ blue: 90, green: 10 });
    expect(haproxyWeights({ blue: 0, green: 256 })).toEqual({ blue: 0, green: 256 });
  });

  it("GIVEN a weight above 256 with a common factor WHEN converted THEN the ratio is kept exactly", () => {
    expect(haproxyWeights({ blue: 999, green: 333 })).toEqual({ blue: 3, green: 1 });
    expect(haproxyWeights({ blue: 500, green: 500 })).toEqual({ blue: 1, green: 1 });
    expect(haproxyWeights({ blue: 0, green: 999 })).toEqual({ blue: 0, green: 1 });
  });

  it("GIVEN a ratio that cannot be kept exactly WHEN converted THEN it is scaled to 256 and rounded, never a non-zero weight to 0", () => {
    expect(haproxyWeights({ blue: 700, green: 299 })).toEqual({ blue: 256, green: 109 });
    expect(haproxyWeights({ blue: 999, green: 1 })).toEqual({ blue: 256, green: 1 });
  });

  it("GIVEN every traffic pair 0..999 WHEN converted THEN weights are in range, zero stays zero, and the share moves by at most 0.3 pp", () => {
    let worst = 0;
    const broken: string[] = [];
    for (let blue = 0; blue <= 999; blue++) {
      for (let green = 0; green <= 999; green++) {
        if (blue + green === 0) continue;
        const h = haproxyWeights({ blue, green });
        const ok =
          Math.max(h.blue, h.green) <= HAPROXY_MAX_WEIGHT &&
          (h.blue === 0) === (blue === 0) &&
          (h.green === 0) === (green === 0);
        if (!ok) broken.push(`${blue}/${green} -> ${h.blue}/${h.green}`);
        worst = Math.max(worst, Math.abs(blue / (blue + green) - h.blue / (h.blue + h.green)));
      }
    }
    expect(broken).toEqual([]);
    expect(worst * 100).toBeLessThanOrEqual(0.3);
  });

  it("GIVEN a traffic weight outside 0..999 WHEN converted THEN it throws with the value and the range", () => {
    expect(() => haproxyWeights({ blue: 1000, green: 0 })).toThrow(
      "traffic weight blue is 1000; must be an integer 0..999",
    );
    expect(() => haproxyWeights({ blue: 1, green: 2.5 })).toThrow(
      "traffic weight green is 2.5; must be an integer 0..999",
    );
  });
});

describe("weightApplyOrder", () => {
  it("GIVEN a full cut-over either way WHEN ordered THEN the color gaining weight is set first", () => {
    expect(weightApplyOrder({ blue: 100, green: 0 }, { blue: 0, green: 100 })).toEqual(["green", "blue"]);
    expect(weightApplyOrder({ blue: 0, green: 100 }, { blue: 100, green: 0 })).toEqual(["blue", "green"]);
  });

  it("GIVEN a color whose weight does not change WHEN ordered THEN it is not set", () => {
    expect(weightApplyOrder({ blue: 50, green: 50 }, { blue: 0, green: 50 })).toEqual(["blue"]);
    expect(weightApplyOrder({ blue: 50, green: 50 }, { blue: 50, green: 50 })).toEqual([]);
  });

  it("GIVEN any live weights and any non-0/0 target WHEN applied in this order THEN no intermediate state is 0/0", () => {
    const values = [0, 1, 2, 50, 256];
    const zeroSeen: string[] = [];
    for (const cb of values)
      for (const cg of values)
        for (const tb of values)
          for (const tg of values) {
            if (tb + tg === 0) continue;
            const target: ServerWeights = { blue: tb, green: tg };
            const live = { blue: cb, green: cg };
            for (const color of weightApplyOrder({ blue: cb, green: cg }, target)) {
              live[color] = target[color];
              if (live.blue + live.green === 0) zeroSeen.push(`${cb}/${cg} -> ${tb}/${tg}`);
            }
            expect(live).toEqual(target);
          }
    expect(zeroSeen).toEqual([]);
  });
});
