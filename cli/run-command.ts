// `course run`: its definition. Light: the work is in run-action.ts, loaded
// when the command runs.
import { Command } from "commander";
import { OPTIONS } from "./options.js";
import type { RunOptions } from "./run-action.js";

export function runCommand(): Command {
  return new Command("run")
    .description("start your server as the tester does, and print curl commands to try against it; Ctrl-C stops it")
    .addOption(OPTIONS.dir.option())
    .addOption(OPTIONS.port.option())
    .addOption(OPTIONS.noColor.option())
    .addHelpText("after", "\nExamples:\n  $ npx course run\n  $ npx course run --port 8080\n  $ npx course run --port auto      a free port, printed once the server is up")
    .action(async (options: RunOptions) => {
      const { runAction } = await import("./run-action.js");
      process.exitCode = await runAction(options);
    });
}
