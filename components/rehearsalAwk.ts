/**
 * The rehearsal's connection rules as a POSIX awk program, which the
 * prelude (rehearsalRuntime.ts) runs inside the migration's container: the
 * steps of rehearsalConnection (rehearsal.ts) over ENVIRON, with the same
 * refusal messages, from the one table here. Pure.
 */

/** What cannot be pointed at the copy, by form; the message names the variable and the form, never the value. */
export type RefusedForm =
  "scheme" | "not-a-connection-string" | "raw-at" | "percent" | "service" | "keyword-syntax" | "no-role" | "real-host";

/** The prelude's exit status when it refuses (EX_CONFIG). */
export const PRELUDE_REFUSED = 78;

export const REFUSAL_FIX =
  "Give the migration its connection as a postgresql:// URI or key=value string in DATABASE_URL, or as PGHOST/PGPORT/PGDATABASE/PGUSER";

export const REFUSALS: Record<RefusedForm, (variable: string) => string> = {
  scheme: (v) => `${v} is a URL of another scheme (only postgres:// and postgresql:// are rewritten)`,
  "not-a-connection-string": (v) => `${v} is neither a postgresql:// URI nor a key=value connection string`,
  "raw-at": (v) =>
    `${v} holds a raw '@' outside the one that ends its user and password (drivers split it differently: write it as %40)`,
  percent: (v) => `${v} holds a malformed or %00 percent-encoding in its user or a query parameter`,
  service: (v) =>
    `${v} names a connection service (pg_service.conf), whose host and database the rehearsal cannot rewrite`,
  "keyword-syntax": (v) => `${v} is a key=value connection string with a key without "=" or an unterminated quote`,
  "no-role": () =>
    "the migration's role is not named: DATABASE_URL has no user and PGUSER is not set, so the rehearsal cannot act as it on the copy",
  "real-host": (v) => `${v} still names the real database's host`,
};

/** A string as an awk string literal. */
function awkString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The refusal messages as awk: `m = v "..."` per form, from the same table as the TS ones. */
function awkRefusals(): string {
  const mark = "\u0000";
  return Object.entries(REFUSALS)
    .map(([form, reason]) => {
      const parts = reason(mark).split(mark);
      const message = parts.map(awkString).join(" v ");
      return `  if (form == ${awkString(form)}) m = ${message}`;
    })
    .join("\n");
}

/**
 * The awk half of {@link connectionPrelude}: {@link rehearsalConnection}
 * over ENVIRON, step for step, printed as `export`/`unset` lines for sh to
 * eval; a refusal goes to stderr as `rehearsal: refused (<form>): <the
 * message rehearsalConnection throws>` and exits 78. POSIX awk only (mawk,
 * busybox, gawk), run under LC_ALL=C so that every value is bytes.
 */
export const CONNECTION_AWK = String.raw`
function fail(form, v,   m) {
${awkRefusals()}
  printf "rehearsal: refused (%s): The rehearsal refuses to start: %s; the migration would not be pointed at the copy. %s.\n", form, m, FIX > "/dev/stderr"
  exit ${PRELUDE_REFUSED}
}
function broken(what) {
  printf "rehearsal: refused (target): %s\n", what > "/dev/stderr"
  exit ${PRELUDE_REFUSED}
}
function isspace(c) { return c != "" && index(SPACES, c) > 0 }
function add(list, item) { return list == "" ? item : list " " item }
function penc(s,   i, c, o) {
  o = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c ~ /^[A-Za-z0-9._~-]$/) o = o c
    else o = o sprintf("%%%02X", ORD[c])
  }
  return o
}
function pdec(s,   i, c, h, o) {
  o = ""
  DECOK = 1
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c != "%") { o = o c; continue }
    h = substr(s, i + 1, 2)
    if (h !~ /^[0-9A-Fa-f][0-9A-Fa-f]$/ || h == "00") { DECOK = 0; return "" }
    o = o sprintf("%c", (index(HEX, tolower(substr(h, 1, 1))) - 1) * 16 + index(HEX, tolower(substr(h, 2, 1))) - 1)
    i += 2
  }
  return o
}
function esc(s, set, by,   i, c, o) {
  o = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); o = o (index(set, c) ? by c : c) }
  return o
}
function optval(s) { return esc(s, SPACES "\\", "\\") }
function kwq(s) { return "'" esc(s, "\\'", "\\") "'" }
function shq(s) { return "'" esc(s, "'", "'\\'") "'" }
function roleopts(role, existing) { return "-c role=" optval(role) (existing == "" ? "" : " " existing) }
function isuri(s) { return substr(s, 1, 13) == "postgresql://" || substr(s, 1, 11) == "postgres://" }
function dropped(key) {
  if (HAVEHOST && (key == "host" || key == "hostaddr" || key == "port")) return 1
  if (HAVEDB && key == "dbname") return 1
  if (HAVELOGIN && (key == "user" || key == "password" || key == "options")) return 1
  return 0
}
function keptrole(v, hasuser, user, fallback) {
  if (hasuser && user != "") return user
  if (fallback == "") fail("no-role", v)
  return fallback
}
function uri(v, s, fallback,   d, rest, end, i, c, authority, tail, ats, at, hosts, userinfo, colon, dec, user, hasuser, q, path, n, items, kept, nkept, item, eq, key, options, out, role) {
  d = substr(s, 1, 13) == "postgresql://" ? "postgresql://" : "postgres://"
  rest = substr(s, length(d) + 1)
  end = 0
  for (i = 1; i <= length(rest); i++) {
    c = substr(rest, i, 1)
    if (c == "/" || c == "?") { end = i; break }
  }
  if (end) { authority = substr(rest, 1, end - 1); tail = substr(rest, end) }
  else { authority = rest; tail = "" }
  ats = 0
  for (i = 1; i <= length(s); i++) if (substr(s, i, 1) == "@") ats++
  if (ats > 1 || (ats == 1 && index(authority, "@") == 0)) fail("raw-at", v)
  at = index(authority, "@")
  hosts = at ? substr(authority, at + 1) : authority
  hasuser = 0; user = ""
  if (at) {
    userinfo = substr(authority, 1, at - 1)
    colon = index(userinfo, ":")
    dec = pdec(colon ? substr(userinfo, 1, colon - 1) : userinfo)
    if (DECOK) { user = dec; hasuser = 1 }
    else if (HAVELOGIN) fail("percent", v)
  }
  q = index(tail, "?")
  path = q ? substr(tail, 1, q - 1) : tail
  n = (q && q < length(tail)) ? split(substr(tail, q + 1), items, "&") : 0
  nkept = 0; options = ""
  for (i = 1; i <= n; i++) {
    item = items[i]
    eq = index(item, "=")
    if (!eq) { kept[++nkept] = item; continue }
    key = pdec(substr(item, 1, eq - 1))
    if (!DECOK) fail("percent", v)
    if (key == "service" && MOVES) fail("service", v)
    if (!dropped(key)) { kept[++nkept] = item; continue }
    if (key == "user" || key == "options") {
      dec = pdec(substr(item, eq + 1))
      if (!DECOK) fail("percent", v)
      if (key == "user") { user = dec; hasuser = 1 }
      else options = dec
    }
  }
  out = d
  if (HAVELOGIN || HAVEHOST) {
    if (HAVELOGIN) out = out penc(LOGINUSER) ":" penc(LOGINPASSWORD) "@"
    else if (at) out = out substr(authority, 1, at)
    if (HAVEHOST) { out = out TARGETHOST; if (HAVEPORT) out = out ":" TARGETPORT }
    else out = out hosts
  } else out = out authority
  role = ""
  if (HAVELOGIN) {
    role = keptrole(v, hasuser, user, fallback)
    kept[++nkept] = "options=" penc(roleopts(role, options))
  }
  if (HAVEDB) out = out "/" penc(TARGETDB)
  else out = out path
  for (i = 1; i <= nkept; i++) out = out (i == 1 ? "?" : "&") kept[i]
  ROLE = role
  return out
}
function keywords(v, s, fallback,   i, n, start, key, dec, c, quoted, nk, keys, raws, user, hasuser, options, service, out, role) {
  i = 1; n = length(s); nk = 0; hasuser = 0; user = ""; options = ""; service = 0
  while (1) {
    while (i <= n && isspace(substr(s, i, 1))) i++
    if (i > n) break
    start = i
    while (i <= n && substr(s, i, 1) != "=" && !isspace(substr(s, i, 1))) i++
    key = substr(s, start, i - start)
    while (i <= n && isspace(substr(s, i, 1))) i++
    if (substr(s, i, 1) != "=") fail("keyword-syntax", v)
    i++
    while (i <= n && isspace(substr(s, i, 1))) i++
    dec = ""
    quoted = substr(s, i, 1) == "'"
    if (quoted) i++
    while (1) {
      if (i > n) { if (quoted) fail("keyword-syntax", v); break }
      c = substr(s, i, 1)
      if (quoted && c == "'") { i++; break }
      if (!quoted && isspace(c)) break
      i++
      if (c != "\\") dec = dec c
      else if (i <= n) { dec = dec substr(s, i, 1); i++ }
    }
    keys[++nk] = key; raws[nk] = substr(s, start, i - start)
    if (key == "user") { user = dec; hasuser = 1 }
    if (key == "options") options = dec
    if (key == "service") service = 1
  }
  if (service && MOVES) fail("service", v)
  out = ""
  for (i = 1; i <= nk; i++) if (!dropped(keys[i])) out = add(out, raws[i])
  if (HAVEHOST) out = add(out, "host=" kwq(TARGETHOST))
  if (HAVEHOST && HAVEPORT) out = add(out, "port=" kwq(TARGETPORT))
  if (HAVEDB) out = add(out, "dbname=" kwq(TARGETDB))
  role = ""
  if (HAVELOGIN) {
    role = keptrole(v, hasuser, user, fallback)
    out = add(out, "user=" kwq(LOGINUSER))
    out = add(out, "password=" kwq(LOGINPASSWORD))
    out = add(out, "options=" kwq(roleopts(role, options)))
  }
  ROLE = role
  return out
}
function rewrite(v, s, fallback) {
  if (isuri(s)) return uri(v, s, fallback)
  if (s ~ /^[A-Za-z][A-Za-z0-9+.-]*:([A-Za-z][A-Za-z0-9+.-]*:)?\/\//) fail("scheme", v)
  if (index(s, "=") == 0) fail("not-a-connection-string", v)
  return keywords(v, s, fallback)
}
function sortnames(a, n,   i, j, k) {
  for (i = 2; i <= n; i++) {
    k = a[i]
    for (j = i - 1; j >= 1 && a[j] > k; j--) a[j + 1] = a[j]
    a[j + 1] = k
  }
}
function realhost(val,   j) {
  val = tolower(val)
  for (j = 1; j <= NREAL; j++) if (REAL[j] != "" && index(val, REAL[j]) > 0) return 1
  return 0
}
BEGIN {
  FIX = ${awkString(REFUSAL_FIX)}
  SPACES = " \t\n\v\f\r"
  HEX = "0123456789abcdef"
  for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i
  P = "BLUEGREEN_REHEARSAL_"
  HAVEHOST = (P "HOST") in ENVIRON; TARGETHOST = ENVIRON[P "HOST"]
  HAVEPORT = (P "PORT") in ENVIRON; TARGETPORT = ENVIRON[P "PORT"]
  HAVEDB = (P "DATABASE") in ENVIRON; TARGETDB = ENVIRON[P "DATABASE"]
  HAVELOGIN = (P "USER") in ENVIRON; LOGINUSER = ENVIRON[P "USER"]; LOGINPASSWORD = ENVIRON[P "PASSWORD"]
  if (HAVEHOST && TARGETHOST !~ /^[A-Za-z0-9.-]+$/) broken(P "HOST is not a host name")
  if (HAVEPORT && (!HAVEHOST || TARGETPORT !~ /^[0-9]+$/)) broken(P "PORT is not a port number after " P "HOST")
  if (HAVELOGIN && !((P "PASSWORD") in ENVIRON)) broken(P "USER comes without " P "PASSWORD")
  MOVES = HAVEHOST || HAVEDB
  if (MOVES && ("PGSERVICE" in ENVIRON)) fail("service", "PGSERVICE")
  PGUSERV = ("PGUSER" in ENVIRON) ? ENVIRON["PGUSER"] : ""
  nn = 0
  for (k in ENVIRON) if (index(k, P) != 1 && k != "DATABASE_URL") names[++nn] = k
  sortnames(names, nn)
  if ("DATABASE_URL" in ENVIRON) {
    for (i = nn; i >= 1; i--) names[i + 1] = names[i]
    names[1] = "DATABASE_URL"
    nn++
  }
  first = ""
  for (i = 1; i <= nn; i++) {
    k = names[i]
    val = ENVIRON[k]
    if (val == "" || (k != "DATABASE_URL" && !(k ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && isuri(val)))) continue
    NEW[k] = rewrite(k, val, PGUSERV)
    if (first == "") first = ROLE
  }
  if (HAVEHOST) {
    NEW["PGHOST"] = TARGETHOST
    if (HAVEPORT) NEW["PGPORT"] = TARGETPORT
    if ("PGHOSTADDR" in ENVIRON) UNSET["PGHOSTADDR"] = 1
  }
  if (HAVEDB) NEW["PGDATABASE"] = TARGETDB
  if (HAVELOGIN) {
    role = PGUSERV != "" ? PGUSERV : first
    if (role == "") fail("no-role", "PGUSER")
    NEW["PGUSER"] = LOGINUSER
    NEW["PGPASSWORD"] = LOGINPASSWORD
    NEW["PGOPTIONS"] = roleopts(role, ("PGOPTIONS" in ENVIRON) ? ENVIRON["PGOPTIONS"] : "")
  }
  NREAL = split(tolower(ENVIRON[P "REAL_HOSTS"]), REAL, " ")
  nb = 0
  for (k in ENVIRON) if (index(k, P) != 1 && !(k in UNSET) && realhost((k in NEW) ? NEW[k] : ENVIRON[k])) bad[++nb] = k
  for (k in NEW) if (!(k in ENVIRON) && realhost(NEW[k])) bad[++nb] = k
  if (nb > 0) {
    sortnames(bad, nb)
    list = bad[1]
    for (i = 2; i <= nb; i++) list = list ", " bad[i]
    fail("real-host", list)
  }
  for (k in NEW) print "export " k "=" shq(NEW[k])
  for (k in UNSET) print "unset " k
  print "unset " P "HOST " P "PORT " P "DATABASE " P "USER " P "PASSWORD " P "REAL_HOSTS"
}
`;
