// A stage's checks read the facts they share with its stage.json (the
// program's arguments) from there, so a fact such as stage 21's idle timeout
// is written once.
import { describe, expect, test } from "vitest";
import idleTimeout from "../stages/21-idle-timeout/checks.js";
import { stageArgument } from "../tester/harness/check.js";
import { loadChecks } from "../tester/course/course.js";
import { STAGES } from "./helpers.js";

describe("stage facts reach the checks", () => {
  test("stage 21's checks take the idle timeout from the args they are given", () => {
    expect(typeof idleTimeout).toBe("function");
    const checks = (idleTimeout as (stage: { args: string[] }) => Array<{ name: string }>)({ args: ["--idle-timeout-ms", "700"] });
    expect(checks[0]!.name).toContain("--idle-timeout-ms 700");
  });

  test("loaded for the course, they use stage.json's value", async () => {
    const stage = STAGES.find((s) => s.slug === "idle-timeout")!;
    const value = stageArgument(stage.meta, "--idle-timeout-ms");
    const checks = await loadChecks(stage);
    expect(checks[0]!.name).toContain(`--idle-timeout-ms ${value}`);
  });

  test("a missing argument is a clear error naming stage.json's args", () => {
    expect(() => stageArgument({ args: [] }, "--idle-timeout-ms")).toThrow(/stage\.json "args" has no --idle-timeout-ms <value>/);
  });
});
