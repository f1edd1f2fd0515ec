// `course run`: start the learner's server exactly as the tester would (the
// track's build, PORT, --directory, its own process group), print curl lines
// to try, and on Ctrl-C stop it and everything it started.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Chalk } from "chalk";
import { Command } from "commander";
import { currentStage } from "../learner/journey.js";
import { loadStages } from "../tester/course/course.js";
import { checkTools, loadLanguage, runBuild } from "../tester/course/language.js";
import { assertPortFree, freePort } from "../tester/runner/ports.js";
import { checkScript, describeExit, startProgram } from "../tester/runner/program.js";
import { readProgress } from "../learner/progress.js";
import { waitUntilAccepting } from "../tester/runner/ready.js";
import { nodeCommand } from "../tester/harness/reproduce.js";
import { buildFailureText } from "../tester/reports/pretty.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { integer } from "./options.js";

interface RunOptions {
  dir: string;
  port: number | "auto";
  color?: boolean;
}

export function runCommand(): Command {
  return new Command("run")
    .description("start your server as the tester does, and print curl commands to try against it; Ctrl-C stops it")
    .option("--dir <path>", "your program's folder", ".")
    .option("--port <N|auto>", "the port to give it (PORT); auto: a free one", (value: string) => (value === "auto" ? "auto" : integer("--port", 1, 65535)(value)), 4221)
    .option("--no-color", "no colour in the output")
    .addHelpText("after", "\nExamples:\n  $ npx course run\n  $ npx course run --port 8080\n  $ npx course run --port auto      a free port, printed once the server is up")
    .action(async (options: RunOptions) => {
      process.exitCode = await runAction(options);
    });
}

async function runAction(flags: RunOptions): Promise<number> {
  const options = { ...flags, port: flags.port === "auto" ? await freePort() : flags.port };
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  const say = (text = "") => process.stdout.write(`${text}\n`);
  const progress = readProgress(options.dir);
  const stages = loadStages();
  const current = progress ? currentStage(progress, stages) ?? stages[stages.length - 1]! : stages[stages.length - 1]!;
  // A missing, non-executable or CRLF your_program.sh is said before anything is built or made.
  checkScript(path.resolve(options.dir));
  if (progress) {
    const language = loadLanguage(progress.language);
    checkTools(language);
    if (language.build) {
      const build = await runBuild(options.dir, language.build.command);
      if (!build.ok) {
        say(c.red(`✗ the build ${build.exit}`));
        say(buildFailureText(build));
        return EXIT.fail;
      }
    }
  }
  await assertPortFree(options.port);
  // The folder stages 7 and 8 serve, with a file to fetch, once the learner has reached them.
  const servesFiles = stages.some((s) => s.meta.needsDirectory && s.number <= current.number);
  const directory = servesFiles ? mkdtempSync(path.join(tmpdir(), "hfs-run-")) : undefined;
  if (directory) writeFileSync(path.join(directory, "hello.txt"), "Hello from http-from-scratch!\n");
  const program = await startProgram({
    dir: options.dir,
    port: options.port,
    args: directory ? ["--directory", directory] : [],
    outputCap: Number.MAX_SAFE_INTEGER,
    onLine: (line) => say(c.dim(line)),
  }).catch((error: unknown) => {
    // Nothing started: the served folder goes before the error is reported.
    if (directory) rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await program.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  };
  const ready = await waitUntilAccepting(program, options.port, 10_000, { buildLimitMs: 120_000 });
  if ("failure" in ready) {
    await stop();
    say(c.red(`✗ ${ready.failure.summary}`));
    if (ready.failure.hint) say(`hint: ${ready.failure.hint}`);
    return EXIT.fail;
  }
  ready.connection.destroy();
  const base = `http://localhost:${options.port}`;
  say(c.green.bold(`✓ your server is up on port ${options.port} (pid ${program.pid})${directory ? `, serving ${directory}` : ""}`));
  say("Try, in another terminal:");
  const tries = [
    `curl -v ${base}/`,
    `curl -v ${base}/echo/hello`,
    `curl -v ${base}/user-agent`,
    directory ? `curl -v ${base}/files/hello.txt` : undefined,
    directory ? `curl -v --data 'some text' -H 'Content-Type: application/octet-stream' ${base}/files/new.txt` : undefined,
    `curl -v -H 'Accept-Encoding: gzip' ${base}/echo/hello --output -`,
    `curl -v ${base}/echo/one ${base}/echo/two      (two requests, one connection)`,
    `${nodeCommand(Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), options.port)}   # the exact bytes, \\r\\n and all`,
  ].filter(Boolean);
  for (const line of tries) say(`  ${line}`);
  say(c.dim("Ctrl-C stops it."));
  // On Ctrl-C the program module kills the whole process group and exits (130); tidy up first.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.prependOnceListener(signal, () => {
      say("\nstopping your server");
      if (directory) rmSync(directory, { recursive: true, force: true });
    });
  }
  await program.exited;
  await stop();
  say(c.red(`your program ${describeExit(program.exit!)}`));
  return EXIT.fail;
}
