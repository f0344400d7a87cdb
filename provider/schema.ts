/**
 * What the component-provider analyzer cannot say by itself: it builds the
 * package schema from the Args interfaces but has no notion of a secret, so
 * Python, Go, C# and YAML programs would show probe credentials in plain
 * text. Marks the Args paths that are secrets in the schema. Pure.
 */

interface SchemaProperty {
  $ref?: string;
  secret?: boolean;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
}

interface PackageSchema {
  name: string;
  resources: Record<string, { inputProperties?: Record<string, SchemaProperty> }>;
  types: Record<string, { properties?: Record<string, SchemaProperty> }>;
}

/**
 * `schemaJson` with `secret: true` on every input property named by a dotted
 * Args path (`gateHeaders`, `gate.headers`) of every resource that has it.
 * A path a resource lacks is skipped: each component takes the keys it uses.
 */
export function markSecretInputs(schemaJson: string, argsPaths: readonly string[]): string {
  const schema = JSON.parse(schemaJson) as PackageSchema;
  for (const resource of Object.values(schema.resources)) {
    for (const argsPath of argsPaths) {
      const property = propertyAt(schema, resource.inputProperties, argsPath.split("."));
      if (property) property.secret = true;
    }
  }
  return JSON.stringify(schema);
}

function propertyAt(
  schema: PackageSchema,
  properties: Record<string, SchemaProperty> | undefined,
  [head, ...rest]: string[],
): SchemaProperty | undefined {
  const property = properties?.[head];
  if (!property || rest.length === 0) return property;
  const ref = property.$ref?.replace(/^#\/types\//, "");
  return ref ? propertyAt(schema, schema.types[ref]?.properties, rest) : undefined;
}
