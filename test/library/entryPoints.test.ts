/**
 * One behaviour whichever way the components are used: the table of
 * testkit/entryPointCases.ts through the program's stack config parse and
 * through each library component, the same problem named as each user wrote
 * it (the provider tests run the same table through Construct).
 */
import { describe, expect, it } from "vitest";
import { ConfigError, ConfigIssue } from "../../components/config/issues";
import { configError } from "../configErrors";
import { AwsBlueGreen, DockerBlueGreen, KubernetesBlueGreen } from "../../components/library";
import { argsOf, COMPONENT_OF, ENTRY_POINT_CASES, EntryPlatform, stackConfigOf } from "../../testkit/entryPointCases";
import { runProgram } from "../../tooling/engine/offlineProgram";

const PLATFORMS: readonly EntryPlatform[] = ["aws", "kubernetes", "docker"];

/** A shipped stack to run under: its `aws:region`, never its `bluegreen:` keys, reaches the components. */
const STACK = "staging";

/** Builds the platform's component named "shop" in a program run; returns what it registered. */
function construct(platform: EntryPlatform, args: Record<string, unknown>) {
  return runProgram(STACK, {
    program: () => {
      const component =
        platform === "aws"
          ? new AwsBlueGreen("shop", args as never)
          : platform === "kubernetes"
            ? new KubernetesBlueGreen("shop", args as never)
            : new DockerBlueGreen("shop", args as never);
      return { url: component.url, weights: component.weights };
    },
  });
}

async function componentError(platform: EntryPlatform, args: Record<string, unknown>): Promise<ConfigError> {
  const error = await construct(platform, args).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

const issue = (key: string, message: RegExp): ConfigIssue => ({ key, message: expect.stringMatching(message) });

describe.each(PLATFORMS)("the valid settings on %s", (platform) => {
  it("parse as a stack file and build the component, its release named from the component", async () => {
    expect(configError(stackConfigOf(platform, argsOf(platform)), "cases")).toBeUndefined();
    const run = await construct(platform, argsOf(platform));
    expect(run.outputs.weights).toEqual({ blue: 90, green: 10 });
    expect(run.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["shop", "shop-release-guard", "shop-blue-gate", "shop-green-gate"]),
    );
  });
});

describe.each(ENTRY_POINT_CASES)("$name", ({ change, path, message }) => {
  it.each(PLATFORMS)("a %s stack file: the full key, in its file", (platform) => {
    const error = configError(stackConfigOf(platform, argsOf(platform, change)), "cases");
    expect(error?.issues).toContainEqual(issue(`bluegreen:${path}`, message));
    expect(error?.message).toMatch(/^Pulumi\.cases\.yaml has \d+ configuration problems?; nothing was deployed:/);
    expect(error?.message).toContain(`  - bluegreen:${path}: `);
    expect(error?.message).toMatch(/Fix each key in Pulumi\.cases\.yaml .*and run again\.$/);
  });

  it.each(PLATFORMS)("the %s component: the Args path, of that component", async (platform) => {
    const error = await componentError(platform, argsOf(platform, change));
    const component = `${COMPONENT_OF[platform]} "shop"`;
    expect(error.issues).toContainEqual(issue(path, message));
    expect(error.message).toMatch(new RegExp(`^${component} has \\d+ configuration problems?; nothing was deployed:`));
    expect(error.message).toContain(`  - ${path}: `);
    expect(error.message).toMatch(new RegExp(`Fix each argument of ${component} and run again\\.$`));
    // Args have no config namespace: no message sends the user to a stack file key.
    expect(error.message).not.toMatch(/bluegreen:|Pulumi\.\w+\.yaml/);
  });
});
