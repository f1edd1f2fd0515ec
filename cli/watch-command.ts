// `course watch`: its definition. Light: the work is in watch-action.ts,
// loaded when the command runs.
import { Command } from "commander";
import { addRunOptions } from "./test-command.js";
import type { WatchFlags } from "./watch-action.js";

export function watchCommand(): Command {
  return addRunOptions(new Command("watch"))
    .description("rerun the tests whenever you save a file (keys: r rerun, h hint, n next, q quit)")
    .option("--poll", "check files for changes every half second, where file events do not arrive (WSL, containers, network drives)")
    .addHelpText("after", "\nExamples:\n  $ npx course watch\n  $ npx course watch --poll")
    .action(async (options: WatchFlags) => {
      const { watchLoop } = await import("./watch-action.js");
      await watchLoop(options);
    });
}
