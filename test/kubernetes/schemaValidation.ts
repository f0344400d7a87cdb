/**
 * Validates Kubernetes objects against the official OpenAPI schemas compiled
 * into npm `kubernetes-models` and `@kubernetes-models/gateway-api` (the
 * validators their Model classes use), and like the API server's strict field
 * validation (kubectl's default) rejects fields no schema defines, so a typo
 * fails.
 *
 * The compiled validators accept unknown fields (Kubernetes schemas carry no
 * `additionalProperties: false`), but they read every field they define, maps
 * such as labels included. So the object is validated through a proxy that
 * records each read, and a field that was never read is unknown.
 *
 * Both packages are ESM-only (subpath exports, `"import"` condition only), so
 * they are loaded with dynamic `import()`; they declare node >= 22 but run on
 * this project's Node 20.
 */

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}
type SchemaModule = { validate: ((data: unknown) => boolean) & { errors?: SchemaError[] | null } };

/** `apiVersion/kind` → the compiled schema of that object. */
const SCHEMAS: Record<string, () => Promise<SchemaModule>> = {
  "v1/Namespace": () => import("kubernetes-models/_schemas/IoK8sApiCoreV1Namespace") as Promise<SchemaModule>,
  "v1/Service": () => import("kubernetes-models/_schemas/IoK8sApiCoreV1Service") as Promise<SchemaModule>,
  "apps/v1/Deployment": () => import("kubernetes-models/_schemas/IoK8sApiAppsV1Deployment") as Promise<SchemaModule>,
  "batch/v1/Job": () => import("kubernetes-models/_schemas/IoK8sApiBatchV1Job") as Promise<SchemaModule>,
  "gateway.networking.k8s.io/v1/HTTPRoute": () =>
    import("@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1HTTPRoute") as Promise<SchemaModule>,
};

export const VALIDATED_KINDS = Object.keys(SCHEMAS);

/**
 * Every schema violation and unknown field of `object`, as `<JSON pointer>: <problem>`;
 * empty when the API server would accept it.
 */
export async function manifestProblems(object: unknown): Promise<string[]> {
  // As sent to the API server: undefined fields are dropped.
  const manifest = JSON.parse(JSON.stringify(object)) as { apiVersion?: string; kind?: string };
  const load = SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!load)
    throw new Error(`no schema for ${manifest.apiVersion}/${manifest.kind}; known: ${VALIDATED_KINDS.join(", ")}`);
  const { validate } = await load();
  const reads = new Map<object, Set<PropertyKey>>();
  const valid = validate(recordReads(manifest, reads));
  const schemaProblems = valid
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.keyword} ${JSON.stringify(e.params)}`);
  return [...schemaProblems, ...unknownFields(manifest, "", reads)];
}

function recordReads(value: unknown, reads: Map<object, Set<PropertyKey>>): unknown {
  if (value === null || typeof value !== "object") return value;
  const seen = reads.get(value) ?? new Set<PropertyKey>();
  reads.set(value, seen);
  return new Proxy(value, {
    get(target, key) {
      seen.add(key);
      return recordReads(Reflect.get(target, key), reads);
    },
    has(target, key) {
      seen.add(key);
      return Reflect.has(target, key);
    },
    // `for (key in map)` asks for each key's descriptor: every key of a map counts as read.
    getOwnPropertyDescriptor(target, key) {
      seen.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

function unknownFields(value: unknown, path: string, reads: Map<object, Set<PropertyKey>>): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => unknownFields(item, `${path}/${index}`, reads));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) =>
    reads.get(value)?.has(key) ? unknownFields(child, `${path}/${key}`, reads) : [`${path}/${key}: unknown field`],
  );
}
