/** Config values set by path, the way the Pulumi CLI stores them. */

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * What `pulumi config set --path` stores for `text`: `coerce` in
 * sdk/go/common/resource/config/object.go (v3.248.0). "true"/"false" become
 * booleans; base-10 digits with an optional sign that fit int64 or uint64,
 * and do not start with 0 (unless just "0"), become integers; everything
 * else, decimals included, stays text.
 */
export function pathValue(text: string): string | number | boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text.length > 1 && text.startsWith("0")) return text;
  if (!/^[+-]?\d+$/.test(text)) return text;
  const value = BigInt(text);
  const fits = (value >= INT64.min && value <= INT64.max) || (/^\d/.test(text) && value <= UINT64_MAX);
  return fits ? Number(value) : text;
}

/**
 * Applies path values to a raw config (full keys, objects as JSON text) the
 * way `pulumi config set --path` does: nested keys typed by `pathValue`, a
 * top-level key kept as text (as `pulumi config set` without a path).
 */
export function applyConfigPaths(raw: Record<string, string>, values: Record<string, string>): Record<string, string> {
  const next = { ...raw };
  for (const [path, text] of Object.entries(values)) {
    const [key, ...fields] = path.split(".");
    if (fields.length === 0) {
      next[key] = text;
      continue;
    }
    const root = next[key] === undefined ? {} : (JSON.parse(next[key]) as Record<string, unknown>);
    let node = root;
    for (const field of fields.slice(0, -1)) node = (node[field] ??= {}) as Record<string, unknown>;
    node[fields[fields.length - 1]] = pathValue(text);
    next[key] = JSON.stringify(root);
  }
  return next;
}
