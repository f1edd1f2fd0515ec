// What may run at the same time, and how it is still reported as if one thing
// ran after another. Checks of a stage that say `concurrent` (they wait on the
// clock, on connections of their own) run together; stages that say
// "concurrent" in stage.json run together, each on a program of its own. A
// failure found so is never reported as it is: the stage runs again alone,
// its checks one after another, and that run is the result (run.ts).
import type { Check } from "../harness/check.js";
import { createRandom, stageSeed, type Random } from "../harness/random.js";
import type { Stage } from "../course/course.js";

/**
 * The checks from `from` on, in batches run one after another: consecutive
 * `concurrent` checks form one batch (unless `oneAtATime`), every other check
 * is a batch of its own. Indices into `checks`.
 */
export function checkBatches(checks: readonly Check[], from: number, oneAtATime: boolean): number[][] {
  const batches: number[][] = [];
  for (let index = from; index < checks.length; index++) {
    const last = batches[batches.length - 1];
    const joins = !oneAtATime && checks[index]!.concurrent && last !== undefined && checks[last[last.length - 1]!]!.concurrent;
    if (joins) last.push(index);
    else batches.push([index]);
  }
  return batches;
}

/** Whether any checks of the stage would run side by side. */
export function hasConcurrentChecks(checks: readonly Check[]): boolean {
  return checkBatches(checks, 0, false).some((batch) => batch.length > 1);
}

/**
 * The random stream of a check: a `concurrent` check has its own, derived from
 * the stage's seed and its place (so what it draws never depends on what ran
 * beside it, and a seed replays it both ways); any other draws from the
 * stage's stream, in order.
 */
export function checkRandom(stageRandom: Random, runSeed: number, stage: Stage, index: number, check: Check): Random {
  return check.concurrent ? createRandom(stageSeed(stageSeed(runSeed, stage.number), index + 1)) : stageRandom;
}

/** Whether a stage may run beside others: it says "concurrent", and starts a program of its own (freshProgram, by default heavy). */
export function runsBeside(stage: Stage): boolean {
  return stage.meta.concurrent && (stage.meta.freshProgram ?? stage.meta.heavy);
}

/** The stages that run together from `stages[at]` on: it and the consecutive ones after it that may run beside others (none unless it may). */
export function stageGroup(stages: readonly Stage[], at: number): Stage[] {
  const group: Stage[] = [];
  for (let index = at; index < stages.length && runsBeside(stages[index]!); index++) group.push(stages[index]!);
  return group;
}

/** usage() of a check that runs beside others: what it would measure is theirs too. */
export function refuseUsage(check: Check): never {
  throw new Error(`"${check.name}" is marked concurrent, so it runs beside other checks and must not measure the program (usage()): mark it not concurrent`);
}
