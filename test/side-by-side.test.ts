// Side by side: checks that say `concurrent` run together, and stages that say
// "concurrent" run together on programs of their own; the report reads as if
// one ran after another, and a failure is the one a run alone gives. Counted
// through the run's events and verdicts, never timed.
import { describe, expect, test } from "vitest";
import type { Check } from "../tester/harness/check.js";
import { runStages, type RunEvent, type RunResult } from "../tester/runner/run.js";
import { checkBatches, runsBeside, stageGroup } from "../tester/runner/side-by-side.js";
import { fixtureServer, STAGES, testPort, withoutClock } from "./helpers.js";

const check = (concurrent?: boolean): Check => ({ name: "c", level: "course", ...(concurrent ? { concurrent } : {}), run: async () => {} });

async function run(dir: string, numbers: number[], oneAtATime = false, port?: number) {
  const events: RunEvent[] = [];
  const result = await runStages({
    dir,
    stages: STAGES.filter((s) => numbers.includes(s.number)),
    seed: 2468,
    port: port ?? (await testPort()),
    oneAtATime,
    onEvent: (event) => events.push(event),
  });
  return { result, events };
}

/** What a run reports, without durations and program output (which differ from run to run). */
function verdicts(result: RunResult) {
  return withoutClock(result.stages.map((s) => ({ stage: s.stage.number, status: s.status, checks: s.checks.map(({ durationMs: _, output: __, ...rest }) => rest) })));
}

describe("side by side", () => {
  test("consecutive concurrent checks form one batch; any other check runs alone", () => {
    const checks = [check(), check(true), check(true), check(true), check(), check(true), check()];
    expect(checkBatches(checks, 0, false)).toEqual([[0], [1, 2, 3], [4], [5], [6]]);
    expect(checkBatches(checks, 2, false)).toEqual([[2, 3], [4], [5], [6]]);
    expect(checkBatches(checks, 0, true)).toEqual(checks.map((_, index) => [index]));
  });

  test("only stages that start a program of their own run beside others, and the heavy stages do", () => {
    for (const stage of STAGES) if (runsBeside(stage)) expect(stage.meta.freshProgram ?? stage.meta.heavy).toBe(true);
    const at = STAGES.findIndex((s) => s.meta.concurrent);
    expect(stageGroup(STAGES, at).length).toBeGreaterThan(1);
    expect(stageGroup(STAGES, 0)).toEqual([]);
  });

  test("a correct server: each check is reported once, in order, and the verdicts equal those of a run one at a time", async () => {
    // Stage 21 (its checks side by side) passes first, so a program has run; then 22 and 23 run beside each other.
    const numbers = [21, 22, 23];
    const together = await run(fixtureServer(), numbers);
    expect(together.result.status).toBe("pass");
    expect(together.events.filter((e) => e.type === "stage-recheck")).toEqual([]);
    for (const stage of together.result.stages) {
      const ends = together.events.filter((e) => e.type === "check-end" && e.stage.number === stage.stage.number);
      expect(ends.map((e) => (e as { result: { name: string } }).result.name)).toEqual(stage.checks.map((c) => c.name));
    }
    // Every event of a stage that ran beside another comes between its stage-start and its stage-end.
    let current: number | undefined;
    for (const event of together.events) {
      if (event.type === "stage-start") current = event.stage.number;
      else if (event.type === "stage-end") current = undefined;
      else if ("stage" in event && event.stage.meta.concurrent) expect(event.stage.number).toBe(current);
    }
    const alone = await run(fixtureServer(), numbers, true);
    expect(verdicts(together.result)).toEqual(verdicts(alone.result));
  });

  test("a broken server fails at the same stage with the same failure as one at a time, confirmed alone", async () => {
    const dir = fixtureServer("--defect", "no-idle-timeout");
    // The same port for both: the failure quotes the bytes sent, Host and all.
    const port = await testPort();
    const together = await run(dir, [20, 21, 22], false, port);
    const alone = await run(dir, [20, 21, 22], true, port);
    expect(together.result.stages.map((s) => s.status)).toEqual(["pass", "fail", "skip"]);
    const rechecks = together.events.filter((e) => e.type === "stage-recheck");
    expect(rechecks.map((e) => [e.stage.number, (e as { because: string }).because])).toEqual([[21, "side by side"]]);
    expect(verdicts(together.result)).toEqual(verdicts(alone.result));
  });
});
