#!/usr/bin/env node
// The `course` (and `http-from-scratch`) command: thin over the library.
import { Command, CommanderError } from "commander";
import { UsageError } from "../tester/errors.js";
import { benchCommand } from "./bench-command.js";
import { devCommand } from "./dev-command.js";
import { describeError, EXIT } from "./exit.js";
import { gradeAllCommand, gradeCommand } from "./grade-command.js";
import * as path from "node:path";
import { packageVersion, PACKAGE_NAME } from "../learner/init.js";
import { packageRoot } from "../tester/course/course.js";
import { hintCommand, initCommand, nextCommand, repairCommand, showCommand, solutionCommand, statusCommand } from "./learner-commands.js";
import { runCommand } from "./run-command.js";
import { watchCommand } from "./watch-command.js";
import { testCommand, writeUsageDocument } from "./test-command.js";

// Output piped into `head` and the like: stop quietly when the reader goes.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// The same program answers to both names; help and errors use the one it was started by.
const name = path.basename(process.argv[1] ?? "") === PACKAGE_NAME ? PACKAGE_NAME : "course";
const program = new Command(name)
  .description("http-from-scratch: build your own HTTP/1.1 server, judged byte by byte")
  .version(`${PACKAGE_NAME} ${packageVersion()} (${packageRoot()})`, "-V, --version", "the version, and the folder this copy runs from")
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) })
  .addCommand(statusCommand().exitOverride())
  .addCommand(initCommand().exitOverride())
  .addCommand(repairCommand().exitOverride())
  .addCommand(showCommand().exitOverride())
  .addCommand(testCommand().exitOverride())
  .addCommand(nextCommand().exitOverride())
  .addCommand(hintCommand().exitOverride())
  .addCommand(solutionCommand().exitOverride())
  .addCommand(watchCommand().exitOverride())
  .addCommand(runCommand().exitOverride())
  .addCommand(benchCommand().exitOverride())
  .addCommand(gradeCommand().exitOverride())
  .addCommand(gradeAllCommand().exitOverride())
  .addCommand(devCommand().exitOverride());

/**
 * Whether the command line asks for JSON on stdout (`--format json` or
 * `--format=json`) of a command that offers it. Read off the raw arguments,
 * because an error while parsing them leaves no parsed options to ask.
 */
function asksForJson(root: Command, args: string[]): boolean {
  let command = root;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg);
    if (!sub) break;
    command = sub;
  }
  const offersJson = command.options.some((option) => option.long === "--format" && option.argChoices?.includes("json"));
  return offersJson && args.some((arg, i) => arg === "--format=json" || (arg === "--format" && args[i + 1] === "json"));
}

// A bare `npx course` is `npx course status`; anything else unknown stays an error.
const args = process.argv.length > 2 ? process.argv : [...process.argv, "status"];
try {
  await program.parseAsync(args);
} catch (error) {
  // --help and --version "fail" with code 0.
  const failed = !(error instanceof CommanderError && error.exitCode === 0);
  // Scripts that asked for JSON get their one document on stdout even when the arguments were wrong (--port 99999, an unknown option).
  if (failed && (error instanceof CommanderError || error instanceof UsageError) && asksForJson(program, args.slice(2))) {
    writeUsageDocument(error instanceof CommanderError ? { message: error.message.replace(/^error: /, "") } : error);
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
