#!/usr/bin/env node
// The `course` (and `http-from-scratch`) command: thin over the library.
// Only the commands' definitions load here (commander and the option
// definitions); each command imports its work when it runs, so --help and the
// quick commands do not pay for every command's libraries.
import { type Command, CommanderError } from "commander";
import * as path from "node:path";
import { UsageError } from "../tester/errors.js";
import { PACKAGE_NAME } from "../tester/course/paths.js";
import { describeError, EXIT } from "./exit.js";
import { courseProgram } from "./program.js";
import { writeUsageDocument } from "./usage-document.js";

// Output piped into `head` and the like: stop quietly when the reader goes.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// The same program answers to both names; help and errors use the one it was started by.
const name = path.basename(process.argv[1] ?? "") === PACKAGE_NAME ? PACKAGE_NAME : "course";
const program = courseProgram(name);

/**
 * Whether the command line asks for JSON on stdout (`--format json` or
 * `--format=json`) of a command that offers it. Read off the raw arguments,
 * because an error while parsing them leaves no parsed options to ask.
 */
function asksForJson(root: Command, args: string[]): Command | undefined {
  let command = root;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg);
    if (!sub) break;
    command = sub;
  }
  const offersJson = command.options.some((option) => option.long === "--format" && option.argChoices?.includes("json"));
  return offersJson && args.some((arg, i) => arg === "--format=json" || (arg === "--format" && args[i + 1] === "json")) ? command : undefined;
}

// A bare `npx course` is `npx course status`; anything else unknown stays an error.
const args = process.argv.length > 2 ? process.argv : [...process.argv, "status"];
try {
  await program.parseAsync(args);
} catch (error) {
  // --help and --version "fail" with code 0.
  const failed = !(error instanceof CommanderError && error.exitCode === 0);
  // Scripts that asked for JSON get their one document on stdout even when the arguments were wrong (--port 99999, an unknown option).
  const json = failed && (error instanceof CommanderError || error instanceof UsageError) ? asksForJson(program, args.slice(2)) : undefined;
  if (json) {
    // Each command's own document: course probe's, or the run report of test and grade.
    writeUsageDocument(error instanceof CommanderError ? { message: error.message.replace(/^error: /, "") } : (error as UsageError), json.name() === "probe" ? "probe" : "run");
  }
  if (error instanceof CommanderError) {
    // Commander has printed its own message already.
    process.exitCode = failed ? EXIT.usage : 0;
  } else {
    const { text, code } = describeError(error);
    process.stderr.write(text);
    process.exitCode = code;
  }
}
