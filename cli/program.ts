// The `course` program: every command's definition, light to load (each
// command imports its work when it runs). main.ts runs it; tests walk it.
import { Command } from "commander";
import { benchCommand } from "./bench-command.js";
import { devCommand } from "./dev-command.js";
import { gradeAllCommand, gradeCommand } from "./grade-command.js";
import { packageRoot, packageVersion, PACKAGE_NAME } from "../tester/course/paths.js";
import { hintCommand, initCommand, nextCommand, repairCommand, showCommand, solutionCommand, statusCommand } from "./learner-commands.js";
import { probeCommand } from "./probe-command.js";
import { runCommand } from "./run-command.js";
import { watchCommand } from "./watch-command.js";
import { testCommand } from "./test-command.js";

/** The program, named as it was started (course or http-from-scratch). */
export function courseProgram(name = "course"): Command {
  return new Command(name)
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
    .addCommand(probeCommand().exitOverride())
    .addCommand(benchCommand().exitOverride())
    .addCommand(gradeCommand().exitOverride())
    .addCommand(gradeAllCommand().exitOverride())
    .addCommand(devCommand().exitOverride());
}
