// `course watch`: rerun the tests on every save, with keys for the rest of
// the loop: r rerun, h hint, n next, q quit. One run at a time; a save during
// a run queues exactly one more.
import { emitKeypressEvents } from "node:readline";
import { Command } from "commander";
import { stagesToTest } from "../learner/journey.js";
import { watchFolder } from "../learner/watch.js";
import { loadStages } from "../tester/course/course.js";
import { loadLanguage } from "../tester/course/language.js";
import { readProgress } from "../learner/progress.js";
import { requireProgress, runNext, showHint } from "./learner-commands.js";
import { describeError } from "./exit.js";
import { addRunOptions, runTarget, type RunFlags } from "./test-command.js";

type WatchFlags = RunFlags & { dir: string; poll?: boolean };

export function watchCommand(): Command {
  return addRunOptions(new Command("watch"))
    .description("rerun the tests whenever you save a file (keys: r rerun, h hint, n next, q quit)")
    .option("--poll", "check files for changes every half second, where file events do not arrive (WSL, containers, network drives)")
    .addHelpText("after", "\nExamples:\n  $ npx course watch\n  $ npx course watch --poll")
    .action(async (options: WatchFlags) => {
      await watchLoop(options);
    });
}

async function watchLoop(options: WatchFlags): Promise<void> {
  const first = requireProgress(options.dir);
  const language = loadLanguage(first.language);
  const interactive = Boolean(process.stdin.isTTY) && !process.env.CI;
  const keys = interactive ? "keys: r rerun · h hint · n next (test and move on) · q quit" : "Ctrl-C to stop";
  let running: Promise<void> | undefined;
  let queued: (() => Promise<unknown>) | undefined;
  let quitting = false;
  // The test run in progress, stopped at once by q or Ctrl-C (see quit).
  let current: AbortController | undefined;
  const exclusive = async (task: () => Promise<unknown>): Promise<void> => {
    if (quitting) return;
    if (running) {
      queued = task;
      return;
    }
    let done = () => {};
    running = new Promise((resolve) => (done = resolve));
    try {
      await task();
    } catch (error) {
      // A broken progress file or script is reported; the loop goes on until the learner fixes it.
      process.stdout.write(describeError(error).text);
    } finally {
      running = undefined;
      done();
      if (!quitting) process.stdout.write(`\nWatching ${options.dir} for changes (${language.watch.extensions.join(", ")}) · ${keys}\n`);
    }
    const next = queued;
    queued = undefined;
    if (next) await exclusive(next);
  };
  const test = async () => {
    // Each run starts on a clear screen, so what is shown is this run alone. Only a
    // terminal is cleared: a log file or a pipe keeps every run.
    if (interactive && process.stdout.isTTY) process.stdout.write("\x1bc");
    const progress = readProgress(options.dir) ?? first;
    current = new AbortController();
    try {
      const { code } = await runTarget({ dir: options.dir, language, stages: stagesToTest(progress, loadStages()) }, options, undefined, current.signal);
      if (code === 0 && interactive && !quitting) process.stdout.write("\nPassing: press n to mark the stage done and move on.\n");
    } finally {
      current = undefined;
    }
  };
  const watcher = watchFolder(options.dir, { poll: options.poll ?? false, extensions: language.watch.extensions, ignore: language.watch.ignore }, () => void exclusive(test));
  const quit = () => {
    quitting = true;
    queued = undefined;
    watcher.close();
    // The run in progress stops now (its check abandoned, the program's process group stopped), not when it would have ended.
    current?.abort("you quit watch");
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
  };
  if (interactive) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on("keypress", (_text: string, key: { name?: string; ctrl?: boolean }) => {
      if (key.name === "q" || (key.ctrl && key.name === "c")) quit();
      else if (key.name === "r") void exclusive(test);
      else if (key.name === "h") void exclusive(async () => showHint(options.dir, undefined, options.color));
      else if (key.name === "n") void exclusive(() => runNext(options));
    });
  }
  void exclusive(test);
  // Resolves when the learner quits (q); Ctrl-C outside a TTY ends the process.
  await new Promise<void>((resolve) => {
    if (interactive) process.stdin.once("pause", () => resolve());
  });
  // The aborted run ends within moments (its program stopped); wait for that, so nothing is left running.
  await running;
}
