/**
 * testkit/projectRoots: engine projects reuse the paths this process freed
 * (so ts-node's per-path cache serves the next project), never a path that is
 * still in use, and always start empty; releasing one stops what its CLI left
 * running (a real process with that HOME), and nothing else.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { claimProjectRoot } from "../../testkit/projectRoots";

const PREFIX = "bluegreen-roots-test";

describe("claimProjectRoot", () => {
  it("gives projects alive at once different empty directories, and a freed path to the next project", () => {
    const first = claimProjectRoot(PREFIX);
    const second = claimProjectRoot(PREFIX);
    expect(second.root).not.toBe(first.root);
    for (const { root } of [first, second]) expect(fs.readdirSync(root)).toEqual([]);
    fs.writeFileSync(path.join(first.root, "state.json"), "{}");

    first.release();
    expect(fs.existsSync(first.root)).toBe(false);
    const third = claimProjectRoot(PREFIX);
    expect(third.root).toBe(first.root);
    expect(fs.readdirSync(third.root)).toEqual([]);

    // Released twice (a test's afterAll after a failed one): the path is not freed a second time.
    first.release();
    const fourth = claimProjectRoot(PREFIX);
    expect([first.root, second.root]).not.toContain(fourth.root);
    for (const project of [second, third, fourth]) project.release();
  });

  it("empties a path an earlier process with the same id left behind", () => {
    const probe = claimProjectRoot(PREFIX);
    probe.release();
    fs.mkdirSync(path.join(probe.root, "project"), { recursive: true });
    fs.writeFileSync(path.join(probe.root, "project", "Pulumi.yaml"), "name: stale\n");

    const claimed = claimProjectRoot(PREFIX);
    expect(claimed.root).toBe(probe.root);
    expect(fs.readdirSync(claimed.root)).toEqual([]);
    claimed.release();
  });
});

describe("releasing a project", () => {
  it("kills the processes left with the project's HOME, and leaves the others running", async () => {
    const project = claimProjectRoot(PREFIX);
    const start = (home: string) =>
      spawn("sleep", ["600"], { env: { ...process.env, HOME: home }, stdio: "ignore", detached: true });
    const leftover = start(project.root);
    const other = start(`${project.root}-other`);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      leftover.once("exit", (_, signal) => resolve(signal)),
    );
    try {
      project.release();
      expect(await exited).toBe("SIGKILL");
      // Killed alongside, it would be a zombie (Z) or gone by now: SIGKILL is delivered at once.
      const otherState = fs.readFileSync(`/proc/${other.pid}/stat`, "utf8").split(") ")[1][0];
      expect(otherState).toMatch(/^[RS]$/);
    } finally {
      leftover.kill("SIGKILL");
      other.kill("SIGKILL");
    }
  });
});
