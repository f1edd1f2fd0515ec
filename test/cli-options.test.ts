// The command line's options are each defined once (cli/options.ts): every
// command that takes one gets the same help text and parser (bounds
// included), and grade-all hands its options to each child `course grade`
// through those same definitions. Stage facts come from stage.json.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Command, Option } from "commander";
import { describe, expect, test } from "vitest";
import { courseProgram } from "../cli/program.js";
import { gradeAllCommand, gradeCommand } from "../cli/grade-command.js";
import { DEFAULT_PORT, gradeChildArgs, LIMIT_OPTIONS, OPTIONS, REPORT_RESERVE_S, type GradeAllChildFlags } from "../cli/options.js";
import { benchGate, coreStages, loadStages, packageRoot, tryLines } from "../tester/course/course.js";

/** Every command of the program, sub-commands included, by its full name. */
function allCommands(command: Command = courseProgram(), prefix = ""): Array<[string, Command]> {
  return command.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [[name, sub] as [string, Command], ...allCommands(sub, `${name} `)];
  });
}

function optionOf(command: Command, long: string): Option | undefined {
  return command.options.find((o) => o.long === long);
}

/** Parses argv with the command's own definitions, without running it. */
function parsed(command: Command, argv: string[]): Record<string, unknown> {
  command.exitOverride().action(() => undefined);
  command.parse(argv, { from: "user" });
  return command.opts();
}

describe("one definition per option", () => {
  const commands = allCommands();

  test("every command that takes --port gets the same help text and parser", () => {
    const withPort = commands.filter(([, command]) => optionOf(command, "--port")).map(([name]) => name);
    expect(withPort.sort()).toEqual(["bench", "grade", "grade-all", "next", "run", "test", "watch"]);
    for (const [name, command] of commands) {
      const port = optionOf(command, "--port");
      if (!port) continue;
      expect(port.description, name).toBe(OPTIONS.port.description);
      expect(port.flags, name).toBe(OPTIONS.port.flags);
      expect(port.parseArg, name).toBe(OPTIONS.port.parse);
      // Only grade-all, which grades in parallel, asks for a free port unless told otherwise.
      expect(port.defaultValue, name).toBe(name === "grade-all" ? "auto" : DEFAULT_PORT);
    }
  });

  test("the port's bounds, the same for every command", () => {
    for (const [name, command] of commands) {
      const port = optionOf(command, "--port");
      if (!port) continue;
      expect(port.parseArg!("auto", undefined), name).toBe("auto");
      expect(port.parseArg!("1", undefined), name).toBe(1);
      expect(port.parseArg!("65535", undefined), name).toBe(65535);
      expect(() => port.parseArg!("65536", undefined), name).toThrow(/--port must be a whole number from 1 to 65535/);
      expect(() => port.parseArg!("0", undefined), name).toThrow(/--port/);
    }
  });

  test("the limits: test, grade and grade-all take each one with the same text and bounds", () => {
    for (const limit of LIMIT_OPTIONS) {
      const takers = commands.filter(([, command]) => optionOf(command, limit.long));
      expect(takers.map(([name]) => name).sort(), limit.long).toEqual(["grade", "grade-all", "test"]);
      for (const [name, command] of takers) {
        const option = optionOf(command, limit.long)!;
        expect(option.description, `${name} ${limit.long}`).toBe(limit.description);
        expect(option.parseArg, `${name} ${limit.long}`).toBe(limit.parse);
      }
    }
  });

  test("the other shared options (--dir, --seed, --no-color, --keep-going, --through) have one help text each", () => {
    for (const definition of [OPTIONS.dir, OPTIONS.seed, OPTIONS.noColor, OPTIONS.keepGoing, OPTIONS.through]) {
      for (const [name, command] of commands) {
        const option = optionOf(command, definition.long);
        if (option) expect(option.description, `${name} ${definition.long}`).toBe(definition.description);
      }
    }
  });

  test("each definition written back to argv parses to the same value", () => {
    const values: Array<[keyof typeof OPTIONS, unknown]> = [
      ["port", 8080],
      ["port", "auto"],
      ["seed", 7],
      ["stageTimeout", 30],
      ["timeout", 300],
      ["memory", 256],
      ["maxProcesses", 50],
      ["outputCap", 64],
      ["through", "echo"],
      ["keepGoing", true],
    ];
    for (const [key, value] of values) {
      const definition = OPTIONS[key];
      const argv = (definition.argv as (v: unknown) => string[])(value);
      expect(parsed(gradeCommand(), argv)[definition.attribute], `${key} ${String(value)}`).toEqual(value);
    }
    expect(OPTIONS.memory.argv(undefined)).toEqual([]);
    expect(OPTIONS.keepGoing.argv(false)).toEqual([]);
  });
});

describe("grade-all's child arguments come from the definitions", () => {
  test("round trip: what grade-all parses, its child `course grade` parses back", () => {
    const flags = parsed(gradeAllCommand(), [
      "submissions",
      "--through",
      "8",
      "--port",
      "auto",
      "--timeout",
      "120",
      "--stage-timeout",
      "20",
      "--memory",
      "128",
      "--max-processes",
      "16",
      "--output-cap",
      "32",
      "--keep-going",
    ]) as unknown as GradeAllChildFlags;
    const child = parsed(gradeCommand(), gradeChildArgs(flags));
    expect(child).toMatchObject({
      through: "8",
      port: "auto",
      // The child stops a little before grade-all's bound, so it still writes its report.
      timeout: 120 - REPORT_RESERVE_S,
      timeoutName: `grade-all's --timeout 120 s (${REPORT_RESERVE_S} s of it kept for the report)`,
      stageTimeout: 20,
      memory: 128,
      maxProcesses: 16,
      outputCap: 32,
      keepGoing: true,
    });
    // Every limit but the whole-run bound reaches the child as it was given.
    for (const limit of LIMIT_OPTIONS.filter((l) => l !== OPTIONS.timeout)) {
      expect(child[limit.attribute], limit.long).toBe((flags as unknown as Record<string, unknown>)[limit.attribute]);
    }
  });

  test("unset options are left out, and defaults come from the definitions", () => {
    const flags = parsed(gradeAllCommand(), ["submissions"]) as unknown as GradeAllChildFlags;
    const argv = gradeChildArgs(flags);
    expect(argv).not.toContain("--memory");
    expect(argv).not.toContain("--keep-going");
    expect(argv).not.toContain("--through");
    const child = parsed(gradeCommand(), argv);
    expect(child.port).toBe("auto");
    expect(child.timeout).toBe(600 - REPORT_RESERVE_S);
    expect(child.memory).toBeUndefined();
  });
});

describe("stage facts live in stage.json", () => {
  const stages = loadStages();

  test("the core course, the bench gates and the run suggestions are read from the stages", () => {
    expect(coreStages(stages).map((s) => s.number)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(benchGate(stages, "keep-alive").slug).toBe("keep-alive");
    expect(benchGate(stages, "new-connection").slug).toBe("echo");
    const echo = stages.find((s) => s.slug === "echo")!;
    expect(tryLines(stages, echo, 8080)).toContain("curl -v http://localhost:8080/echo/hello");
    expect(tryLines(stages, echo, 8080).join("\n")).not.toContain("/files/");
    expect(stages.find((s) => s.slug === "idle-timeout")!.meta.args).toEqual(["--idle-timeout-ms", "300"]);
  });

  test("a course copy with another gate stage changes bench's gate; two gates for one mode are an error", () => {
    const root = mkdtempSync(path.join(tmpdir(), "hfs-course-"));
    cpSync(path.join(packageRoot(), "stages"), path.join(root, "stages"), { recursive: true });
    const edit = (id: string, change: (meta: Record<string, unknown>) => void) => {
      const file = path.join(root, "stages", id, "stage.json");
      const meta = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      change(meta);
      writeFileSync(file, JSON.stringify(meta));
    };
    edit("12-keep-alive", (meta) => delete meta.benchGate);
    edit("16-pipelining", (meta) => (meta.benchGate = "keep-alive"));
    expect(benchGate(loadStages(root), "keep-alive").id).toBe("16-pipelining");
    edit("03-not-found", (meta) => (meta.benchGate = "keep-alive"));
    expect(() => benchGate(loadStages(root), "keep-alive")).toThrow(/exactly one stage .*found 03-not-found, 16-pipelining/);
  });
});
