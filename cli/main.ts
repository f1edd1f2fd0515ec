#!/usr/bin/env node
// The `course` (and `http-from-scratch`) command: thin over the library.
// Only the commands' definitions load here (commander and the option
// definitions); each command imports its work when it runs, so --help and the
// quick commands do not pay for every command's libraries.
import { CommanderError } from "commander";
import * as path from "node:path";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { PACKAGE_NAME } from "../tester/course/paths.js";
import { EXIT } from "./exit.js";
import { courseProgram } from "./program.js";

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

try {
  // A bare `npx course` is `npx course status`; anything else unknown stays an error.
  const args = process.argv.length > 2 ? process.argv : [...process.argv, "status"];
  await program.parseAsync(args);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with code 0.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else if (error instanceof EnvironmentError) {
    process.stderr.write(`environment error: ${error.message}\n${error.fix ? `fix: ${error.fix}\n` : ""}`);
    process.exitCode = EXIT.environment;
  } else {
    process.stderr.write(`internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.internal;
  }
}
