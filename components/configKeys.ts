/** Config keys as users write them, shared by every module that reports config problems. */

export const CONFIG_NAMESPACE = "bluegreen";

/** A config problem: the full key (`bluegreen:traffic.green`) and what to do. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/** `["traffic", "green"]` → `bluegreen:traffic.green`. */
export function fullKey(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return rest.length === 0 ? `${CONFIG_NAMESPACE}:${head}` : `${CONFIG_NAMESPACE}:${head}.${rest.join(".")}`;
}
