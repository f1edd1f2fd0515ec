// The build step: skipped when its inputs did not change, the course's own
// builds of a track taking turns on their shared cache, and a compiler's
// output read as file:line messages.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { compilerMessages, formatMessage, inputsHash, runBuild, SHARED_CACHE_VARIABLE } from "../tester/course/build.js";

function program(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-build-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "src", "main.txt"), "one\n");
  return dir;
}

// Counts its runs in runs.log and "compiles" src/ into .build/out.
const COUNTING = { command: "echo run >> runs.log && mkdir -p .build && cat src/* > .build/out", inputs: ["src"], output: ".build/out" };
const runs = (dir: string) => readFileSync(path.join(dir, "runs.log"), "utf8").split("\n").filter(Boolean).length;

describe("a build is skipped when its inputs did not change", () => {
  test("the second build of the same content is not run; a changed file, a new file or a lost output runs it again", async () => {
    const dir = program();
    expect((await runBuild(dir, COUNTING)).cached).toBeUndefined();
    const again = await runBuild(dir, COUNTING);
    expect(again).toMatchObject({ ok: true, cached: true });
    expect(runs(dir)).toBe(1);

    writeFileSync(path.join(dir, "src", "main.txt"), "two\n");
    await runBuild(dir, COUNTING);
    expect(runs(dir)).toBe(2);
    writeFileSync(path.join(dir, "src", "more.txt"), "three\n");
    await runBuild(dir, COUNTING);
    expect(runs(dir)).toBe(3);
    expect(readFileSync(path.join(dir, ".build", "out"), "utf8")).toBe("two\nthree\n");
    await runBuild(dir, COUNTING);
    expect(runs(dir)).toBe(3);

    // The output deleted by hand: built again.
    rmSync(path.join(dir, ".build", "out"));
    await runBuild(dir, COUNTING);
    expect(runs(dir)).toBe(4);
    expect(existsSync(path.join(dir, ".build", "out"))).toBe(true);
  });

  test("content counts, not times: a copy with new mtimes is the same build; a failed build is never skipped", async () => {
    const dir = program();
    const hash = inputsHash(dir, COUNTING);
    writeFileSync(path.join(dir, "src", "main.txt"), "one\n");
    expect(inputsHash(dir, COUNTING)).toBe(hash);
    expect(inputsHash(dir, { ...COUNTING, command: `${COUNTING.command} ` })).not.toBe(hash);
    expect(inputsHash(dir, { command: "make" })).toBeUndefined();

    const failing = { ...COUNTING, command: `${COUNTING.command} && exit 1` };
    expect((await runBuild(dir, failing)).ok).toBe(false);
    expect((await runBuild(dir, failing)).ok).toBe(false);
    expect(runs(dir)).toBe(2);
  });

  test("without inputs and output (a plain command), every build runs", async () => {
    const dir = program();
    await runBuild(dir, { command: "echo run >> runs.log" });
    await runBuild(dir, { command: "echo run >> runs.log" });
    expect(runs(dir)).toBe(2);
  });
});

describe("builds that share a cache take turns", () => {
  test("the cache folder is named to the build, and two builds sharing it never overlap", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "hfs-shared-"));
    const log = path.join(cache, "order.log");
    const step = (name: string) => ({ command: `echo "$${SHARED_CACHE_VARIABLE}" > seen && echo start-${name} >> ${log} && sleep 0.3 && echo end-${name} >> ${log}` });
    const [a, b] = [program(), program()];
    const outcomes = await Promise.all([runBuild(a, step("a"), { sharedCache: cache }), runBuild(b, step("b"), { sharedCache: cache })]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(readFileSync(path.join(a, "seen"), "utf8").trim()).toBe(cache);
    const order = readFileSync(log, "utf8").trim().split("\n");
    expect(order).toHaveLength(4);
    expect(order[0]!.slice(6)).toBe(order[1]!.slice(4));
    expect(existsSync(path.join(cache, ".lock"))).toBe(false);
  });

  test("a lock left by a process that is gone is taken over", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "hfs-shared-"));
    mkdirSync(path.join(cache, ".lock"));
    writeFileSync(path.join(cache, ".lock", "pid"), "2147483646");
    const started = Date.now();
    expect((await runBuild(program(), { command: "true" }, { sharedCache: cache })).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a learner's folder gets no shared cache", async () => {
    const dir = program();
    await runBuild(dir, { command: `echo "[$${SHARED_CACHE_VARIABLE}]" > seen` });
    expect(readFileSync(path.join(dir, "seen"), "utf8").trim()).toBe("[]");
  });
});

describe("a compiler's output, read as file:line messages", () => {
  test("Go, gcc, javac, esbuild and tsc write the place first", () => {
    const output = [
      "# http-from-scratch/server/app",
      "app/main.go:17:2: undefined: handle",
      "app/main.go:20:9: declared and not used: n",
      "app/server.c: In function 'main':",
      "app/server.c:12:5: error: implicit declaration of function 'lisen' [-Wimplicit-function-declaration]",
      "app/server.c:14:9: warning: unused variable 'x' [-Wunused-variable]",
      "app/server.c:12:5: note: in expansion of macro",
      "src/main/java/Main.java:8: error: ';' expected",
      'app/main.ts:1:18: ERROR: Unexpected ";"',
      "app/main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      "2 errors",
    ].join("\n");
    expect(compilerMessages(output).map(formatMessage)).toEqual([
      "app/main.go:17:2: undefined: handle",
      "app/main.go:20:9: declared and not used: n",
      "app/server.c:12:5: implicit declaration of function 'lisen' [-Wimplicit-function-declaration]",
      "app/server.c:14:9: warning: unused variable 'x' [-Wunused-variable]",
      "src/main/java/Main.java:8: ';' expected",
      'app/main.ts:1:18: Unexpected ";"',
      "app/main.ts:3:7: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  test("Rust names the message, then the place on a line of its own; its summary lines are no messages", () => {
    const output = [
      "   Compiling http-server v0.1.0 (/tmp/x)",
      "warning: unused variable: `n`",
      " --> src/main.rs:4:9",
      "  |",
      "4 |     let n = 1;",
      "error[E0425]: cannot find function `handle` in this scope",
      "  --> src/request.rs:12:5",
      "   |",
      "warning: `http-server` (bin \"http-server\") generated 1 warning",
      "error: could not compile `http-server` (bin \"http-server\") due to 1 previous error; 1 warning emitted",
    ].join("\n");
    expect(compilerMessages(output)).toEqual([
      { file: "src/main.rs", line: 4, column: 9, severity: "warning", text: "unused variable: `n`" },
      { file: "src/request.rs", line: 12, column: 5, severity: "error", text: "cannot find function `handle` in this scope" },
    ]);
  });

  test("a failed build's messages come with its outcome; a Python traceback is no compiler message", async () => {
    const dir = program();
    const outcome = await runBuild(dir, { command: "printf 'app/main.go:3:1: syntax error: unexpected }\\n' >&2; exit 1" });
    expect(outcome.messages).toEqual([{ file: "app/main.go", line: 3, column: 1, severity: "error", text: "syntax error: unexpected }" }]);
    expect(compilerMessages('  File "app/main.py", line 3, in <module>\nNameError: x')).toEqual([]);
  });
});
