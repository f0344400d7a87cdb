/** Config values set by path, the way the Pulumi CLI stores them. */

/**
 * Applies path values to a raw config (full keys, objects as JSON text) the
 * way `pulumi config set --path` does, with whole numbers and booleans typed.
 */
export function applyConfigPaths(raw: Record<string, string>, values: Record<string, string>): Record<string, string> {
  const next = { ...raw };
  for (const [path, text] of Object.entries(values)) {
    const [key, ...fields] = path.split(".");
    const typed = /^-?\d+$/.test(text) ? Number(text) : text === "true" ? true : text === "false" ? false : text;
    if (fields.length === 0) {
      next[key] = text;
      continue;
    }
    const root = next[key] === undefined ? {} : (JSON.parse(next[key]) as Record<string, unknown>);
    let node = root;
    for (const field of fields.slice(0, -1)) node = (node[field] ??= {}) as Record<string, unknown>;
    node[fields[fields.length - 1]] = typed;
    next[key] = JSON.stringify(root);
  }
  return next;
}
