/**
 * Kubernetes names and labels of the objects the platform creates. Pure, so
 * the config, the rules and the manifests share one definition; names
 * that must stay stable across updates (a Job per migration version) are
 * derived here only.
 */
import { createHash } from "node:crypto";
import { KUBERNETES_LABELS } from "../contracts/markers";
import { childName } from "../naming";
import { Color } from "../contracts/colors";

/** Longest object name that can also be a label value (Job names become the pods' `job-name` label). */
const MAX_NAME = 63;

/** A Secret reference as written in `bluegreen:<color>.secrets`: `secret-name/key`. */
export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Deployment and Service name of one color: `api-blue`. */
export function workloadName(app: string, color: Color): string {
  return childName(app, color);
}

/**
 * The migration Job's name: `<app>-migrate-<version>`, so a new migration
 * version is a new Job. When the version does not map to a name one to one
 * (upper case, '.', '_') or the name would pass 63 characters, a hash of the
 * exact version is appended so that two versions never share a Job.
 */
export function migrationJobName(app: string, version: string): string {
  const slug = version
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  const readable = `${app}-migrate-${slug}`;
  if (slug === version && readable.length <= MAX_NAME) return readable;
  const hash = createHash("sha256").update(version).digest("hex").slice(0, 8);
  return `${readable.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** `text` as a valid label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends ("1.5.0+b7" → "1.5.0_b7"). */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(0, MAX_NAME)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** What a color's Service selects: app and color, never the version, so a new version keeps its Service. */
export function selectorLabels(app: string, color: Color): Record<string, string> {
  return { [KUBERNETES_LABELS.name]: app, [KUBERNETES_LABELS.color]: color };
}

/** Labels every object of the app carries. */
export function appLabels(app: string): Record<string, string> {
  return { [KUBERNETES_LABELS.name]: app, [KUBERNETES_LABELS.managedBy]: "pulumi" };
}

export function colorLabels(app: string, color: Color, version: string): Record<string, string> {
  return { ...appLabels(app), [KUBERNETES_LABELS.color]: color, [KUBERNETES_LABELS.version]: labelValue(version) };
}

/** Migration pods carry no color label, so no color's Service ever sends them traffic. */
export function migrationLabels(app: string, migrationVersion: string): Record<string, string> {
  return { ...appLabels(app), [KUBERNETES_LABELS.migration]: labelValue(migrationVersion) };
}

/** Parses `secret-name/key`; undefined when the text is not such a reference. */
export function parseSecretRef(text: string): SecretRef | undefined {
  const [name, key, ...rest] = text.split("/");
  const valid =
    rest.length === 0 && key !== undefined && name.length <= 253 && SECRET_NAME.test(name) && SECRET_KEY.test(key);
  return valid ? { name, key } : undefined;
}
