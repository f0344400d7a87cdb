/** markSecretInputs: the secrets the component-provider analyzer cannot express, added to its schema. */
import { describe, expect, it } from "vitest";
import { markSecretInputs } from "../../provider/schema";

const schema = {
  name: "bluegreen",
  resources: {
    "bluegreen:index:A": {
      inputProperties: {
        gateHeaders: { type: "object", additionalProperties: { type: "string" } },
        gate: { $ref: "#/types/bluegreen:index:GateArgs" },
        app: { type: "string" },
      },
    },
    "bluegreen:index:B": { inputProperties: { app: { type: "string" } } },
  },
  types: { "bluegreen:index:GateArgs": { properties: { headers: { type: "object" }, maxStep: { type: "number" } } } },
};

describe("markSecretInputs", () => {
  const marked = JSON.parse(markSecretInputs(JSON.stringify(schema), ["gateHeaders", "gate.headers", "notify"]));

  it("GIVEN a top-level Args path THEN that input is secret and its neighbours are not", () => {
    expect(marked.resources["bluegreen:index:A"].inputProperties.gateHeaders.secret).toBe(true);
    expect(marked.resources["bluegreen:index:A"].inputProperties.app.secret).toBeUndefined();
  });

  it("GIVEN a nested Args path THEN the property of the referenced type is secret", () => {
    expect(marked.types["bluegreen:index:GateArgs"].properties.headers.secret).toBe(true);
    expect(marked.types["bluegreen:index:GateArgs"].properties.maxStep.secret).toBeUndefined();
  });

  it("GIVEN paths a resource does not take THEN it is left as it was", () => {
    expect(marked.resources["bluegreen:index:B"]).toEqual(schema.resources["bluegreen:index:B"]);
  });
});
