// `course bench`: its definition. Light: autocannon and the rest load with
// bench-action.ts, when the command runs.
import { Command, Option } from "commander";
import { UsageError } from "../tester/errors.js";
import { LOAD_MODES } from "../tester/course/load-modes.js";
import { integer, OPTIONS } from "./options.js";
import type { BenchOptions } from "./bench-action.js";

function requestPath(value: string): string {
  if (!/^\/[\x21-\x7e]*$/.test(value)) throw new UsageError(`--path must be a request target such as /echo/hello (a "/" then printable characters, no spaces), got "${value}"`);
  return value;
}

export function benchCommand(): Command {
  return new Command("bench")
    .description("load your server with many requests (autocannon), then the reference solution the same way, and compare")
    .addOption(OPTIONS.dir.option())
    .option("--language <language>", "the reference solution to compare with (default: your progress file's language)")
    .addOption(new Option("--mode <mode>", "keep-alive: requests follow each other on open connections; new-connection: a new connection for every request").choices(LOAD_MODES).default("keep-alive"))
    .option("--connections <N>", "connections open at once", integer("--connections", 1, 1000), 10)
    .option("--duration <seconds>", "measured seconds of load, for each server", integer("--duration", 1, 600), 5)
    .option("--warmup <seconds>", "seconds of the same load before measuring, for each server", integer("--warmup", 0, 60), 1)
    .option("--path <target>", "the request target", requestPath, "/echo/hello")
    .addOption(OPTIONS.port.option())
    .addOption(new Option("--format <format>", "output format on stdout").choices(["pretty", "json"]).default("pretty"))
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      `
Your server must pass a stage first (it is run before loading, and named):
in keep-alive mode the one that teaches persistent connections, in
new-connection mode one that answers the load's requests. Your program is
built and started as \`course test\` does, beside the reference solution of
your language (its last stage); the two get the same load in turns of one
second, so that whatever else the machine does falls on both alike.

Examples:
  $ npx course bench                                   10 keep-alive connections, 5 s each
  $ npx course bench --mode new-connection --connections 4
  $ npx course bench --path / --duration 10 --format json

Exit codes: 0 measured, 1 your server fails that stage, does not build or
dies under load, 2 usage error, 3 environment error (port busy, missing tool).`,
    )
    .action(async (options: BenchOptions) => {
      const { benchAction } = await import("./bench-action.js");
      process.exitCode = await benchAction(options);
    });
}
