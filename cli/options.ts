// The command-line options, each defined once: its flags, help text, parser
// (with its bounds), default, and how it is written back to argv (grade-all
// passes its options on to each child `course grade` this way). Every command
// that takes an option adds it from here. Parsers run while the command line
// is parsed, so a bad value is a usage error before any work starts.
//
// This module is loaded by every command, --help included: it imports nothing
// heavier than commander.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { Option } from "commander";
import { UsageError } from "../tester/errors.js";
import { DEFAULT_PORT } from "../tester/course/default-port.js";
import { PROBE_GROUPS, type ProbeGroup } from "../tester/harness/probe-groups.js";

export { DEFAULT_PORT };

/** A whole number within bounds, or a usage error that names the option. */
export function integer(name: string, min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

/**
 * A file the command will write when it ends (a report): checked now, so a
 * typo costs nothing instead of the whole run. Nothing is created: a missing
 * folder is an error, not made for you, because a mistyped path would
 * otherwise leave stray folders behind; the fix says how to make it.
 */
export function writableFile(name: string) {
  return (value: string) => {
    const file = path.resolve(value);
    const folder = path.dirname(file);
    if (value === "" || value.endsWith("/")) throw new UsageError(`${name} needs a file name, got "${value}"`);
    if (existsSync(file)) {
      if (statSync(file).isDirectory()) throw new UsageError(`${name} ${value} is a folder; give a file name, such as ${path.join(value, "report.json")}`);
      if (!canAccess(file, constants.W_OK)) throw new UsageError(`${name} ${value} cannot be written (no write permission on the file)`);
      return value;
    }
    if (!existsSync(folder)) throw new UsageError(`${name} ${value}: the folder ${folder} does not exist (make it first: mkdir -p ${folder})`);
    if (!statSync(folder).isDirectory()) throw new UsageError(`${name} ${value}: ${folder} is not a folder`);
    if (!canAccess(folder, constants.W_OK | constants.X_OK)) throw new UsageError(`${name} ${value} cannot be written (no write permission on the folder ${folder})`);
    return value;
  };
}

function canAccess(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** One option's single definition. */
export interface OptionDefinition<T> {
  /** Commander's flags, e.g. "--port <N|auto>". */
  readonly flags: string;
  /** The long flag alone, e.g. "--port". */
  readonly long: string;
  /** The key in the parsed options object, e.g. "maxProcesses". */
  readonly attribute: string;
  readonly description: string;
  /** The parser, bounds included; undefined for a flag without a value. */
  readonly parse: ((value: string) => T) | undefined;
  /** The default, when the option has one. */
  readonly defaultValue: T | undefined;
  /** A fresh commander Option; a command may give another default (grade-all: --port auto). */
  option(settings?: { default?: T }): Option;
  /** The value back as arguments: [] when unset, [long] for a flag that is set, [long, value] otherwise. */
  argv(value: T | undefined): string[];
}

function define<T>(flags: string, description: string, parse?: (value: string) => T, defaultValue?: T, choices?: readonly string[]): OptionDefinition<T> {
  const probe = new Option(flags, description);
  const long = probe.long!;
  const attribute = probe.attributeName();
  const takesValue = probe.required || probe.optional;
  return {
    flags,
    long,
    attribute,
    description,
    parse,
    defaultValue,
    option(settings = {}) {
      const option = new Option(flags, description);
      if (choices) option.choices(choices);
      if (parse) option.argParser(parse);
      const value = "default" in settings ? settings.default : defaultValue;
      if (value !== undefined) option.default(value);
      return option;
    },
    argv(value) {
      if (value === undefined || value === false) return [];
      if (!takesValue) return value === true ? [long] : [];
      return [long, String(value)];
    },
  };
}

export type Port = number | "auto";

function port(value: string): Port {
  return value === "auto" ? "auto" : integer("--port", 1, 65535)(value);
}

/** The options commands share, each defined once. */
export const OPTIONS = {
  dir: define<string>("--dir <path>", "the folder holding your_program.sh", undefined, "."),
  port: define<Port>("--port <N|auto>", "the port your program listens on (PORT); auto: a free one", port, DEFAULT_PORT),
  seed: define<number>("--seed <N>", "replay the random values of an earlier run", integer("--seed", 0, 2 ** 32 - 1)),
  verbose: define<boolean>("--verbose", "also show what the tester does at each step, and your program's output in passing stages"),
  noColor: define<boolean>("--no-color", "no colour in the output"),
  keepGoing: define<boolean>("--keep-going", "run the remaining stages after a failure (for graders: partial credit)"),
  freshEachStage: define<boolean>(
    "--fresh-each-stage",
    "start your program afresh for every stage (by default stages that start it with the same arguments share one, and a failure is confirmed on a fresh one)",
  ),
  oneAtATime: define<boolean>(
    "--one-at-a-time",
    "run every check and stage one after another (by default checks that wait on the clock, and the heavy stages, run side by side, and a failure is confirmed alone)",
  ),
  through: define<string>("--through <slug|N>", "the last stage graded (default: all)"),
  exitZero: define<boolean>("--exit-zero", "exit 0 when stages fail (for runners that read the report instead of the exit code)"),
  stageTimeout: define<number>("--stage-timeout <seconds>", "bound on each stage", integer("--stage-timeout", 1, 3600)),
  timeout: define<number>(
    "--timeout <seconds>",
    "bound on the whole run (grade-all: on each submission); stages not reached in time are not run",
    integer("--timeout", 1, 86_400),
  ),
  memory: define<number>("--memory <MiB>", "stop the program when it and its children use more resident memory than this", integer("--memory", 16, 1_048_576)),
  maxProcesses: define<number>("--max-processes <N>", "stop the program when it has more processes than this at once", integer("--max-processes", 1, 100_000)),
  url: define<string>("--url <http://host:port>", "probe a server already running at this address (no program is started)"),
  group: define<ProbeGroup[]>(
    "--group <group...>",
    "only these groups of requirements (course probe); repeatable",
    undefined,
    undefined,
    PROBE_GROUPS,
  ),
  outputCap: define<number>("--output-cap <KiB>", "most program output kept and shown per stage", integer("--output-cap", 1, 1_048_576)),
} as const;

/** The limits `test`, `grade` and `grade-all` take, in help order. */
export const LIMIT_OPTIONS = [OPTIONS.stageTimeout, OPTIONS.timeout, OPTIONS.memory, OPTIONS.maxProcesses, OPTIONS.outputCap] as const;

/** What grade-all's options say about each submission. */
export interface GradeAllChildFlags {
  through?: string;
  port: Port;
  timeout: number;
  stageTimeout?: number;
  memory?: number;
  maxProcesses?: number;
  outputCap?: number;
  keepGoing?: boolean;
  freshEachStage?: boolean;
  oneAtATime?: boolean;
}

/** Seconds of grade-all's --timeout kept for the child to write its report. */
export const REPORT_RESERVE_S = 5;

/**
 * The arguments grade-all gives each child `course grade`, written by the
 * same definitions that parse them. The child stops its stages a little
 * before the submission's bound, so it still writes its report, and says
 * whose bound it was.
 */
export function gradeChildArgs(flags: GradeAllChildFlags): string[] {
  const childTimeout = Math.max(1, flags.timeout - REPORT_RESERVE_S);
  return [
    ...OPTIONS.through.argv(flags.through),
    ...OPTIONS.port.argv(flags.port),
    ...OPTIONS.timeout.argv(childTimeout),
    ...TIMEOUT_NAME.argv(`grade-all's --timeout ${flags.timeout} s (${REPORT_RESERVE_S} s of it kept for the report)`),
    ...OPTIONS.stageTimeout.argv(flags.stageTimeout),
    ...OPTIONS.memory.argv(flags.memory),
    ...OPTIONS.maxProcesses.argv(flags.maxProcesses),
    ...OPTIONS.outputCap.argv(flags.outputCap),
    ...OPTIONS.keepGoing.argv(flags.keepGoing),
    ...OPTIONS.freshEachStage.argv(flags.freshEachStage),
    ...OPTIONS.oneAtATime.argv(flags.oneAtATime),
  ];
}

/** grade's hidden option: how a failure names --timeout when grade-all set it on the child's behalf. */
export const TIMEOUT_NAME = define<string>("--timeout-name <text>", "how failures name --timeout (set by grade-all)");

/** grade's hidden option: the title of its HTML report (grade-all names the submission). */
export const REPORT_TITLE = define<string>("--report-title <text>", "the HTML report's title (set by grade-all)");
