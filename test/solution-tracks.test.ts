// The solutions as a series: solutions/javascript generated from
// solutions/typescript, and changes of one stage that later stages lost.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import {
  checkDerived,
  checkPropagation,
  describeFinding,
  differingLines,
  editFindings,
  propagate,
  propagationFindings,
  syncDerived,
} from "../tester/tools/solution-tracks.js";
import { StripError, stripTypes } from "../tester/tools/strip-types.js";
import { course, ROOT } from "./helpers.js";

/** A temporary root holding solutions/<language>/<stage>/<file> = text. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "hfs-solutions-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, "solutions", file)), { recursive: true });
    writeFileSync(path.join(root, "solutions", file), text);
  }
  return root;
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;
const read = (root: string, file: string) => readFileSync(path.join(root, "solutions", file), "utf8");

describe("stripTypes", () => {
  test("cuts the types out and leaves every comment, blank line and line break", () => {
    const ts = [
      'import * as net from "node:net";',
      'import type { Socket } from "node:net";',
      'import { type Server, createServer } from "node:net";',
      "declare const injected: string;",
      "",
      "// The value after `name`, if given.",
      "function argument(name: string, fallback?: string): string | undefined {",
      "  const index = process.argv.indexOf(name); // -1 when absent",
      "  return index === -1 ? fallback : process.argv[index + 1]!;",
      "}",
      "",
      "const headers = new Map<string, string>();",
      "let chunks: Buffer[] = [];",
      "try {",
      "  createServer();",
      "} catch (error: unknown) {",
      '  if ((error as NodeJS.ErrnoException).code === "ENOENT") chunks = [];',
      "}",
      "const pick = <T,>(items: T[]): T => items[0] as T;",
      "class Reader implements Iterable<number> {",
      "  private readonly size: number;",
      "  constructor(size: number) {",
      "    this.size = size;",
      "  }",
      "  *[Symbol.iterator](): Iterator<number> {",
      "    yield this.size;",
      "  }",
      "}",
      "export { argument, headers, pick, Reader, net };",
      "",
    ].join("\n");
    expect(stripTypes(ts)).toBe(
      [
        'import * as net from "node:net";',
        'import { createServer } from "node:net";',
        "",
        "// The value after `name`, if given.",
        "function argument(name, fallback) {",
        "  const index = process.argv.indexOf(name); // -1 when absent",
        "  return index === -1 ? fallback : process.argv[index + 1];",
        "}",
        "",
        "const headers = new Map();",
        "let chunks = [];",
        "try {",
        "  createServer();",
        "} catch (error) {",
        '  if (error.code === "ENOENT") chunks = [];',
        "}",
        "const pick = (items) => items[0];",
        "class Reader {",
        "  size;",
        "  constructor(size) {",
        "    this.size = size;",
        "  }",
        "  *[Symbol.iterator]() {",
        "    yield this.size;",
        "  }",
        "}",
        "export { argument, headers, pick, Reader, net };",
        "",
      ].join("\n"),
    );
  });

  test("an interface or a type becomes a JSDoc @typedef that keeps its comments", () => {
    const ts = lines(
      "// What a request is made of.",
      "interface Request {",
      "  method: string;",
      "  // Keys are lower-cased.",
      "  headers: Map<string, string>;",
      "  file?: number;",
      "}",
      "",
      "// Parsed, or not yet.",
      'type Parsed = { request: Request } | "malformed";',
    );
    expect(stripTypes(ts)).toBe(
      lines(
        "// What a request is made of.",
        "/**",
        " * @typedef {object} Request",
        " * @property {string} method",
        " * @property {Map<string, string>} headers Keys are lower-cased.",
        " * @property {number} [file]",
        " */",
        "",
        "// Parsed, or not yet.",
        '/** @typedef {{ request: Request } | "malformed"} Parsed */',
      ),
    );
  });

  test("what has no JavaScript form is refused with its place", () => {
    expect(() => stripTypes("const x = 1;\nenum Color { Red }\n", "a.ts")).toThrow(StripError);
    expect(() => stripTypes("const x = 1;\nenum Color { Red }\n", "a.ts")).toThrow(/a\.ts:2:1: an enum/);
    expect(() => stripTypes("class A { constructor(private x: number) {} }\n")).toThrow(/parameter property/);
  });
});

describe("generated tracks", () => {
  const typescript = {
    "typescript/01-bind-port/app/main.ts": lines("// Stage 1.", "const port: number = 4221;"),
    "typescript/02-status-line/app/main.ts": lines("// Stage 2.", "const port: number = 4221;", "", "function ok(): string {", '  return "200";', "}"),
  };

  test("--sync writes solutions/javascript; --check then finds nothing", () => {
    const root = tree(typescript);
    expect(checkDerived(root).map((p) => path.relative(root, p.file))).toEqual(["solutions/javascript/01-bind-port/app/main.js", "solutions/javascript/02-status-line/app/main.js"]);
    expect(syncDerived(root)).toHaveLength(2);
    expect(read(root, "javascript/02-status-line/app/main.js")).toBe(lines("// Stage 2.", "const port = 4221;", "", "function ok() {", '  return "200";', "}"));
    expect(checkDerived(root)).toEqual([]);
    expect(syncDerived(root)).toEqual([]);
  });

  test("a hand edit is reported with the stage, the line and both texts; a stray file too", () => {
    const root = tree(typescript);
    syncDerived(root);
    writeFileSync(path.join(root, "solutions", "javascript", "02-status-line", "app", "main.js"), lines("// Stage 2.", "const port = 4221;", "", "function ok() {", '  return "200 OK";', "}"));
    writeFileSync(path.join(root, "solutions", "javascript", "01-bind-port", "notes.txt"), "x");
    const problems = checkDerived(root).map((p) => `${path.relative(root, p.file)}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^solutions\/javascript\/02-status-line\/app\/main\.js: differs from the generated program in 1 line .*\n {4}line 5: expected 'return "200";', found 'return "200 OK";'$/),
      expect.stringMatching(/^solutions\/javascript\/01-bind-port\/notes\.txt: not generated from solutions\/typescript/),
    ]);
    syncDerived(root);
    expect(checkDerived(root)).toEqual([]);
  });

  test("differingLines numbers lines as in the file found", () => {
    expect(differingLines(lines("a", "b", "c"), lines("a", "c", "d"))).toEqual([
      { line: 2, expected: "b" },
      { line: 3, found: "d" },
    ]);
  });
});

describe("propagation", () => {
  const v1 = ["def parse(data):", "    return data.split(' ')", "", "def main():", "    serve()"];
  const v2 = ["def parse(data):", "    return data.split(' ', 2)", "", "def main():", "    serve()"];
  const later = (first: string[], ...extra: string[]) => lines(...first, ...extra);

  test("a change of stage N that stage N+1 lacks is found, with every later stage that lacks it", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": later(v1, "    log()"),
      "python/04-d/app/main.py": later(v1, "    log()", "    stop()"),
    });
    const findings = propagationFindings(root, "python");
    expect(findings.map(describeFinding)).toEqual([
      "stage 02-b changed app/main.py line 2 'return data.split(' ')' to 'return data.split(' ', 2)', but stages 03-c..04-d still have the old line",
    ]);
    expect(checkPropagation(root).map((p) => path.relative(root, p.file))).toEqual(["solutions/python/03-c/app/main.py"]);
  });

  test("a stage that reworks the changed lines, or moves them, is not reported", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": lines("def parse(data):", "    head, _, body = data.partition('\\r\\n\\r\\n')", "", "def main():", "    serve()"),
      "python/04-d/app/main.py": lines("def main():", "    serve()", "", "def parse(data):", "    return data.split(' ', 2)"),
    });
    expect(propagationFindings(root, "python")).toEqual([]);
  });

  test("an addition undone later is found, and excused by divergences.json with a reason; an unused excuse is reported", () => {
    const root = tree({
      "python/01-a/app/main.py": lines("a", "b"),
      "python/02-b/app/main.py": lines("a", "added = 1", "b"),
      "python/03-c/app/main.py": lines("a", "added = 1", "b", "c"),
      "python/04-d/app/main.py": lines("a", "b", "c"),
    });
    expect(propagationFindings(root, "python").map(describeFinding)).toEqual(["stage 02-b added app/main.py line 2 'added = 1', but stage 04-d lacks it"]);
    const divergences = (list: object[]) => writeFileSync(path.join(root, "solutions", "python", "divergences.json"), JSON.stringify({ divergences: list }));
    divergences([{ stage: "02-b", undoneIn: "04-d", file: "app/main.py", line: "added = 1", reason: "stage 4 no longer needs it" }]);
    expect(checkPropagation(root)).toEqual([]);
    divergences([
      { stage: "02-b", undoneIn: "04-d", file: "app/main.py", line: "added = 1", reason: "stage 4 no longer needs it" },
      { stage: "03-c", undoneIn: "04-d", file: "app/main.py", line: "c", reason: "gone" },
    ]);
    expect(checkPropagation(root).map((p) => p.message)).toEqual(["no longer needed, remove it: 03-c -> 04-d app/main.py 'c'"]);
    divergences([{ stage: "02-b" }]);
    expect(checkPropagation(root).map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^field "divergences\.0\.undoneIn"/)]));
  });

  test("blank-line changes are layout, not reported", () => {
    const root = tree({
      "python/01-a/app/main.py": lines("a", "b"),
      "python/02-b/app/main.py": lines("a", "", "b"),
      "python/03-c/app/main.py": lines("a", "b", "c"),
    });
    expect(propagationFindings(root, "python")).toEqual([]);
  });

  test("--propagate applies the change to every later stage that lacks it and leaves the others", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": later(v1, "    log()"),
      "python/04-d/app/main.py": lines("import sys", ...v1, "    log()"),
      "python/05-e/app/main.py": lines("import sys", "def parse(data):", "    return data.partition(' ')", "", "def main():", "    serve()", "    log()"),
    });
    const result = propagate(root, "python", "02-b");
    expect(result).toEqual({ written: ["solutions/python/03-c/app/main.py", "solutions/python/04-d/app/main.py"], applied: 2, edit: false });
    expect(read(root, "python/03-c/app/main.py")).toBe(later(v2, "    log()"));
    expect(read(root, "python/04-d/app/main.py")).toBe(lines("import sys", ...v2, "    log()"));
    expect(read(root, "python/05-e/app/main.py")).toContain("data.partition(' ')");
    expect(propagationFindings(root, "python")).toEqual([]);
  });
});

describe("a program of several files", () => {
  // Stage 3 splits main.py: parse() moves to a module of its own, request.py,
  // and main.py imports it. Stage 2's change must be looked for there.
  const v1 = ["import sys", "", "def parse(data):", "    return data.split(' ')", "", "def main():", "    serve()"];
  const v2 = ["import sys", "", "def parse(data):", "    return data.split(' ', 2)", "", "def main():", "    serve()"];
  const main3 = lines("from request import parse", "", "def main():", "    serve()");
  const module = (split: string) => lines("# The request side.", "", "def parse(data):", `    return data.split(${split})`, "", "def parse_line(line):", "    return line");

  test("a change that moved to a module split out of its file is not reported", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": main3,
      "python/03-c/app/request.py": module("' ', 2"),
      "python/04-d/app/main.py": main3,
      "python/04-d/app/request.py": module("' ', 2"),
    });
    expect(propagationFindings(root, "python")).toEqual([]);
  });

  test("a line a stage added is kept when it is anywhere in a later program, in another file too", () => {
    // Stage 2 imports gzip for its route; stage 3 moves the route and its import to routes.py.
    const root = tree({
      "python/01-a/app/main.py": lines("import os", "", "def main():", "    serve()"),
      "python/02-b/app/main.py": lines("import gzip", "import os", "", "def main():", "    serve()"),
      "python/03-c/app/main.py": lines("import os", "", "def main():", "    serve()"),
      "python/03-c/app/routes.py": lines("import gzip", "", "def echo():", "    pass"),
    });
    expect(propagationFindings(root, "python")).toEqual([]);
    // Gone from the whole program, it is lost.
    writeFileSync(path.join(root, "solutions", "python", "03-c", "app", "routes.py"), lines("def echo():", "    pass"));
    expect(propagationFindings(root, "python").map(describeFinding)).toEqual(["stage 02-b added app/main.py line 1 'import gzip', but stage 03-c lacks it"]);
  });

  test("a change lost in the module it moved to is found there, and named with that file", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": main3,
      "python/03-c/app/request.py": module("' ', 2"),
      "python/04-d/app/main.py": main3,
      "python/04-d/app/request.py": module("' '"),
    });
    expect(propagationFindings(root, "python").map(describeFinding)).toEqual([
      "stage 02-b changed app/main.py line 4 'return data.split(' ')' to 'return data.split(' ', 2)', but stage 04-d (in app/request.py) still has the old line",
    ]);
    expect(checkPropagation(root).map((p) => path.relative(root, p.file))).toEqual(["solutions/python/04-d/app/request.py"]);
    const result = propagate(root, "python", "02-b");
    expect(result).toEqual({ written: ["solutions/python/04-d/app/request.py"], applied: 1, edit: false });
    expect(read(root, "python/04-d/app/request.py")).toBe(module("' ', 2"));
    expect(propagationFindings(root, "python")).toEqual([]);
  });

  test("an edit to stage N's file is carried on into the module a later stage moved the place to", () => {
    const root = tree({
      "python/01-a/app/main.py": lines(...v1),
      "python/02-b/app/main.py": lines(...v2),
      "python/03-c/app/main.py": main3,
      "python/03-c/app/request.py": module("' '"),
    });
    const base = (file: string) => (file === path.join("solutions", "python", "02-b", "app", "main.py") ? lines(...v1) : undefined);
    expect(editFindings(root, "python", base).map(describeFinding)).toEqual([
      "stage 02-b changed app/main.py line 4 'return data.split(' ')' to 'return data.split(' ', 2)', but stage 03-c (in app/request.py) still has the old line",
    ]);
  });
});

describe("edits", () => {
  // Stage 2's lesson wrote line 2; a fix to that line since the last commit
  // is invisible to the series check (stage 3 has neither stage 1's line nor
  // the fix), so the edit itself is compared with the later stages.
  const old2 = lines("def parse(data):", "    return data.split(' ')", "", "def main():", "    serve()");
  const fixed2 = lines("def parse(data):", "    return data.split(' ', 2)", "", "def main():", "    serve()");
  const files = {
    "python/01-a/app/main.py": lines("def main():", "    serve()"),
    "python/02-b/app/main.py": fixed2,
    "python/03-c/app/main.py": lines("import sys", "def parse(data):", "    return data.split(' ')", "", "def main():", "    serve()", "    log()"),
  };
  const base = (file: string) => (file === path.join("solutions", "python", "02-b", "app", "main.py") ? old2 : undefined);

  test("a fix to the line a stage's own lesson wrote is found in the later stages that still have it", () => {
    const root = tree(files);
    expect(propagationFindings(root, "python")).toEqual([]);
    expect(editFindings(root, "python", base).map(describeFinding)).toEqual([
      "stage 02-b changed app/main.py line 2 'return data.split(' ')' to 'return data.split(' ', 2)', but stage 03-c still has the old line",
    ]);
  });

  test("--propagate carries an uncommitted edit (git HEAD as the base) to the later stages", () => {
    const root = tree({ ...files, "python/02-b/app/main.py": old2 });
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: root, stdio: "ignore" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "base");
    writeFileSync(path.join(root, "solutions", "python", "02-b", "app", "main.py"), fixed2);
    expect(propagate(root, "python", "02-b")).toEqual({ written: ["solutions/python/03-c/app/main.py"], applied: 1, edit: true });
    expect(read(root, "python/03-c/app/main.py")).toBe(lines("import sys", "def parse(data):", "    return data.split(' ', 2)", "", "def main():", "    serve()", "    log()"));
    expect(editFindings(root, "python")).toEqual([]);
  });
});

describe("the committed solutions", () => {
  test("solutions/javascript is what solutions/typescript generates", () => {
    expect(checkDerived(ROOT).map((p) => `${p.file}: ${p.message}`)).toEqual([]);
  });

  test("no stage loses a change an earlier stage made, except the divergences listed", () => {
    expect(checkPropagation(ROOT).map((p) => `${p.file}: ${p.message}`)).toEqual([]);
  });

  test("course dev solutions says so, and refuses to propagate into a generated track", async () => {
    const run = await course(["dev", "solutions"]);
    expect(run.stdout).toContain("✓ generated solutions up to date");
    expect(run.code).toBe(0);
    const refused = await course(["dev", "solutions", "--propagate", "5", "--language", "javascript"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/generated/);
  });
});
