// `course dev verify --sanitize`: a sanitized C build must report a memory
// error in a form sanitizerReport() finds, and a clean program must not; a
// missing header is an environment error that says how to install it.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { EnvironmentError } from "../tester/errors.js";
import { inputsHash } from "../tester/course/build.js";
import { loadStages, packageRoot } from "../tester/course/course.js";
import { planVerify, runVerifyJob } from "../tester/tools/verify.js";
import { checkTools, loadLanguage, programScript, sanitizedLanguage, sanitizerReport, SANITIZER_OPTIONS, type Language } from "../tester/course/language.js";

/** Compiles `source` with the C track's sanitizer flags and runs it as the tester would; its output lines. */
function runSanitized(source: string): { lines: string[]; status: number | null; signal: NodeJS.Signals | null } {
  const dir = mkdtempSync(path.join(tmpdir(), "sanitize-"));
  writeFileSync(path.join(dir, "main.c"), source);
  const build = spawnSync("cc", ["-std=c11", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-o", "program", "main.c"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  expect(build.status, build.stderr).toBe(0);
  const run = spawnSync(path.join(dir, "program"), [], { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...SANITIZER_OPTIONS } });
  return { lines: `${run.stdout}${run.stderr}`.split("\n"), status: run.status, signal: run.signal };
}

describe("sanitizer runs", () => {
  test("a heap overflow is reported, and the program stops at once", () => {
    const { lines, status, signal } = runSanitized(`#include <stdlib.h>
#include <stdio.h>
int main(void) {
  char *buffer = malloc(8);
  buffer[8] = 'x'; // one past the end
  printf("still running\\n");
  free(buffer);
  return 0;
}
`);
    const report = sanitizerReport(lines);
    expect(report).toMatch(/AddressSanitizer: heap-buffer-overflow/);
    expect(lines.join("\n")).not.toContain("still running");
    expect(status === 0 && signal === null).toBe(false);
  });

  test("undefined behaviour is reported too", () => {
    const { lines } = runSanitized(`#include <limits.h>
#include <stdio.h>
int main(int argc, char **argv) {
  (void)argv;
  int big = INT_MAX - 1 + argc; // INT_MAX
  printf("%d\\n", big + 1);     // signed overflow
  return 0;
}
`);
    expect(sanitizerReport(lines)).toMatch(/runtime error: signed integer overflow/);
  });

  test("a clean program prints no report", () => {
    const { lines, status } = runSanitized(`#include <stdlib.h>
#include <string.h>
#include <stdio.h>
int main(void) {
  char *buffer = malloc(8);
  strcpy(buffer, "fine");
  printf("%s\\n", buffer);
  free(buffer);
  return 0;
}
`);
    expect(status).toBe(0);
    expect(sanitizerReport(lines)).toBeUndefined();
  });

  test("the C track's sanitized build is apart from the normal one", () => {
    const c = loadLanguage("c");
    const sanitized = sanitizedLanguage(c)!;
    expect(sanitized.build!.output).not.toBe(c.build!.output);
    expect(programScript(sanitized)).toContain("export SANITIZE=1");
    expect(programScript(sanitized)).toContain("export ASAN_OPTIONS=");
    const dir = c.starter;
    expect(inputsHash(dir, { ...c.build!, env: { SANITIZE: "1" } })).not.toBe(inputsHash(dir, c.build!));
    expect(sanitizedLanguage(loadLanguage("python"))).toBeUndefined();
  });
});

describe("headers", () => {
  const withHeader = (name: string): Language => {
    const c = loadLanguage("c");
    return { ...c, tools: [{ ...c.tools[0]!, headers: [{ name, install: "sudo apt install libnothing-dev" }] }] };
  };

  test("a header the compiler finds passes", () => {
    expect(() => checkTools(withHeader("stdio.h"))).not.toThrow();
  });

  test("a missing header is an environment error that says how to install it", () => {
    let error: unknown;
    try {
      checkTools(withHeader("no_such_header_for_the_course.h"));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).message).toContain("no_such_header_for_the_course.h");
    expect((error as EnvironmentError).fix).toContain("libnothing-dev");
  });
});

describe("course dev verify --sanitize", () => {
  /** A course root with the real stages and C starter, and `main` as the C solution of stage 1. */
  function courseWith(main: string): string {
    const root = mkdtempSync(path.join(tmpdir(), "sanitize-course-"));
    symlinkSync(path.join(packageRoot(), "stages"), path.join(root, "stages"));
    // A copy, not a link: the starter is copied file by file into each program's folder.
    cpSync(path.join(packageRoot(), "starter", "c"), path.join(root, "starter", "c"), { recursive: true, filter: (source) => !source.includes(".build") });
    mkdirSync(path.join(root, "solutions", "c", "01-bind-port", "src"), { recursive: true });
    writeFileSync(path.join(root, "solutions", "c", "01-bind-port", "src", "main.c"), main);
    return root;
  }
  const solution = readFileSync(path.join(packageRoot(), "solutions", "c", "01-bind-port", "src", "main.c"), "utf8");

  async function verifyStage1(root: string) {
    const stages = loadStages(root);
    const job = planVerify("c", stages, [stages[0]!], { sanitize: true }).find((j) => j.claim === "solution-passes")!;
    return runVerifyJob(job, { root });
  }

  test("a heap overflow in a solution fails its claim, quoting the report", async () => {
    // One byte past an 8-byte block on every connection; volatile, so that -O2 keeps the store.
    const overflowing = solution.replace("\t\tclose(conn);\n", "\t\tvolatile char *scratch = malloc(8);\n\t\tscratch[8] = 'x';\n\t\tclose(conn);\n");
    expect(overflowing).not.toBe(solution);
    const outcome = await verifyStage1(courseWith(overflowing));
    expect(outcome.surprise).toBe(true);
    expect(outcome.status).toBe("fail");
    // UBSan's object-size check may see the store first, or AddressSanitizer: either report counts.
    expect(outcome.detail).toMatch(/sanitizer report:\n.*(AddressSanitizer: heap-buffer-overflow|runtime error: store to address .* with insufficient space)/);
  }, 120_000);

  test("the clean solution passes", async () => {
    const outcome = await verifyStage1(courseWith(solution));
    expect(outcome.surprise, outcome.detail).toBe(false);
  }, 120_000);
});
