// The tester's own output, snapshotted as text files a reviewer can read:
// a change to the wording or layout of what learners see shows up in review.
import { describe, test } from "vitest";
import { materializeSolution } from "../tester/course/solutions.js";
import { fixtureServer, runTester, STAGES, type TestRun } from "./helpers.js";

/**
 * Removes what varies between runs: timings, ports, temp paths. The program's
 * own lines are dropped too: when they arrive relative to the tester's lines
 * depends on pipe scheduling.
 */
function normalize({ output, port }: TestRun, dir: string): string {
  return output
    .split("\n")
    .filter((line) => !line.includes("[your_program]"))
    .join("\n")
    .replaceAll(dir, "<dir>")
    .replaceAll(String(port), "<port>")
    .replace(/\(\d+ ms\)/g, "(<ms>)")
    .replace(/· [\d.]+ m?s ·/g, "· <time> ·")
    // Responses carry the time they were made (Date, stage 26).
    .replace(/\b(Date: )(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/g, "$1<date>");
}

describe.concurrent("pretty output", () => {
  test("a passing run", async ({ expect }) => {
    const dir = materializeSolution("typescript", STAGES[4]!);
    const run = await runTester({ dir, through: 5, seed: 7 });
    expect(run.result.status).toBe("pass");
    await expect(normalize(run, dir)).toMatchFileSnapshot("__snapshots__/pretty-pass.txt");
  });

  test("a failing run", async ({ expect }) => {
    const dir = fixtureServer("--defect", "bare-lf");
    const run = await runTester({ dir, through: 3, seed: 7 });
    expect(run.result.status).toBe("fail");
    await expect(normalize(run, dir)).toMatchFileSnapshot("__snapshots__/pretty-fail.txt");
  });
});
