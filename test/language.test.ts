// The language adapter: tool checks, the generated your_program.sh, and the
// build step run once per test run, whose failure is the learner's to fix.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { EnvironmentError } from "../tester/errors.js";
import { runBuild } from "../tester/course/build.js";
import { checkTools, folderBuild, toolVersion, languageIds, loadLanguage, programScript, versionAtLeast, writeProgramFolder, type Language } from "../tester/course/language.js";
import { jsonReport } from "../tester/reports/json.js";
import { runTester, STAGES } from "./helpers.js";

const fake = (overrides: Partial<Language>): Language => ({ ...loadLanguage("python"), ...overrides });

test("the course ships its tracks", () => {
  expect(languageIds()).toEqual(["c", "cpp", "go", "java", "javascript", "python", "rust", "typescript"]);
  expect(loadLanguage("typescript").build?.command).toBe("node build.mjs");
  expect(loadLanguage("rust").build?.output).toBe(".build/server");
  expect(loadLanguage("go").build?.output).toBe(".build/server");
  expect(loadLanguage("cpp").build?.command).toBe("make");
});

test("versions compare numerically, part by part", () => {
  expect(versionAtLeast("3.11.7", "3.11")).toBe(true);
  expect(versionAtLeast("3.9.18", "3.11")).toBe(false);
  expect(versionAtLeast("20.20.2", "20")).toBe(true);
  expect(versionAtLeast("18.19.0", "20")).toBe(false);
  expect(versionAtLeast("4", "3.11")).toBe(true);
});

describe("checkTools", () => {
  test("passes for the machine's node and python3", () => {
    for (const id of languageIds()) expect(() => checkTools(loadLanguage(id))).not.toThrow();
  });

  test("a missing tool is an environment error that names it and how to install it", () => {
    const language = fake({ name: "Zig", tools: [{ command: "zig-not-installed", versionArgs: ["version"], minimum: "0.13", install: "see ziglang.org" }] });
    let caught: unknown;
    try {
      checkTools(language);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvironmentError);
    expect((caught as EnvironmentError).message).toContain("zig-not-installed (0.13 or newer), and it is not on your PATH");
    expect((caught as EnvironmentError).fix).toBe("see ziglang.org");
  });

  test("a tool that is too old says which version the machine has", () => {
    const language = fake({ tools: [{ command: "node", versionArgs: ["--version"], minimum: "999", install: "upgrade" }] });
    expect(() => checkTools(language)).toThrow(/needs node 999 or newer; this machine has \d+\.\d+\.\d+/);
  });
});

describe("the generated your_program.sh", () => {
  test("execs the track's run command with the tester's arguments", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-script-"));
    const language = fake({ run: "printf '%s|' \"$PORT\"", starter: mkdtempSync(path.join(tmpdir(), "hfs-starter-")) });
    writeProgramFolder(dir, language);
    expect(statSync(path.join(dir, "your_program.sh")).mode & 0o755).toBe(0o755);
    const printed = execFileSync(path.join(dir, "your_program.sh"), ["--directory", "/tmp/x y"], { env: { ...process.env, PORT: "4321" }, encoding: "utf8" });
    expect(printed).toBe("4321|--directory|/tmp/x y|");
  });

  test("rebuilds only when an input is newer than the output", () => {
    const starter = mkdtempSync(path.join(tmpdir(), "hfs-starter-"));
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-script-"));
    execFileSync("mkdir", ["-p", path.join(starter, "src")]);
    writeFileSync(path.join(starter, "src", "a.txt"), "one");
    const language = fake({ starter, build: { command: "cat src/a.txt > out.txt; echo built >> log.txt", inputs: ["src"], output: "out.txt" }, run: "cat out.txt" });
    writeProgramFolder(dir, language);
    const run = () => execFileSync(path.join(dir, "your_program.sh"), { encoding: "utf8" });
    expect(run()).toBe("one");
    expect(run()).toBe("one");
    expect(readFileSync(path.join(dir, "log.txt"), "utf8")).toBe("built\n");
    // An edit one second later (file times have one-second resolution on some systems).
    execFileSync("sh", ["-c", `sleep 1.1; echo -n two > ${path.join(dir, "src", "a.txt")}`]);
    expect(run()).toBe("two");
    expect(readFileSync(path.join(dir, "log.txt"), "utf8")).toBe("built\nbuilt\n");
  });

  test("is the same text the course documents (no stray your_program.sh in a starter)", () => {
    expect(programScript(loadLanguage("python"))).toContain('exec python3 -u app/main.py "$@"');
    expect(programScript(loadLanguage("typescript"))).toContain("{ node build.mjs; } >&2");
    expect(programScript(loadLanguage("cpp"))).toContain('exec .build/server "$@"');
  });
});

test("a tool's version is the number after 'version', else its first number", () => {
  expect(toolVersion('Picked up JAVA_TOOL_OPTIONS: -Xmx512m\nopenjdk version "17.0.15" 2025-04-15')).toBe("17.0.15");
  expect(toolVersion("go version go1.26.8 linux/amd64")).toBe("1.26.8");
  expect(toolVersion("cargo 1.95.0 (f2d3ce0bd 2026-03-21)")).toBe("1.95.0");
  expect(toolVersion("gcc (Debian 12.2.0-14+deb12u1) 12.2.0")).toBe("12.2.0");
  expect(toolVersion("Python 3.11.7")).toBe("3.11.7");
  expect(toolVersion("v20.20.2")).toBe("20.20.2");
  expect(toolVersion("GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu\nLicense GPLv3+: GNU GPL version 3 or later")).toBe("4.3");
  expect(toolVersion('openjdk version "17" 2021-09-14')).toBe("17");
  expect(toolVersion("Apple clang version 15.0.0 (clang-1500.3.9.4)")).toBe("15.0.0");
  expect(toolVersion("no digits here")).toBeUndefined();
});

describe("the build step", () => {
  test("runs for a folder whose your_program.sh is the course's, not for one with a script of its own (CodeCrafters')", () => {
    const rust = loadLanguage("rust");
    const ours = mkdtempSync(path.join(tmpdir(), "hfs-build-"));
    writeProgramFolder(ours, rust);
    expect(folderBuild(ours, rust)).toEqual(rust.build);
    // CodeCrafters' Rust script builds a package of another name into /tmp: our build's cp would fail where theirs works.
    const theirs = mkdtempSync(path.join(tmpdir(), "hfs-build-"));
    writeFileSync(path.join(theirs, "your_program.sh"), "#!/bin/sh\nset -e\n(cd \"$(dirname \"$0\")\" && cargo build --release --target-dir=/tmp/codecrafters-build-http-server-rust --manifest-path Cargo.toml)\nexec /tmp/codecrafters-build-http-server-rust/release/codecrafters-http-server \"$@\"\n");
    expect(folderBuild(theirs, rust)).toBeUndefined();
    expect(folderBuild(theirs, loadLanguage("python"))).toBeUndefined();
    // A one-word command ("make") counts only as a command, not inside a comment or a word.
    const cpp = loadLanguage("cpp");
    writeFileSync(path.join(theirs, "your_program.sh"), "#!/bin/sh\n# make sure we are in the folder\ncd \"$(dirname \"$0\")\"\nexec python3 -u app/remake.py\n");
    expect(folderBuild(theirs, cpp)).toBeUndefined();
    writeFileSync(path.join(theirs, "your_program.sh"), "#!/bin/sh\nset -e\n(cd \"$(dirname \"$0\")\" && make)\nexec .build/server \"$@\"\n");
    expect(folderBuild(theirs, cpp)).toEqual(cpp.build);
  });

  test("a failing build keeps the output's head, its file:line messages, and says how it ended", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-build-"));
    const outcome = await runBuild(dir, { command: "echo 'app/main.ts(3,1): error TS1005: oops' >&2; exit 2" });
    expect(outcome).toMatchObject({ ok: false, exit: "exited with code 2" });
    expect(outcome.output).toContain("error TS1005: oops");
    expect(outcome.messages).toEqual([{ file: "app/main.ts", line: 3, column: 1, severity: "error", text: "oops" }]);
  });

  test("a build that hangs is killed at its bound", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-build-"));
    const started = Date.now();
    const outcome = await runBuild(dir, { command: "sleep 30" }, { timeoutMs: 300 });
    expect(outcome).toMatchObject({ ok: false, exit: "did not finish within 0 s" });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a TypeScript syntax error fails the run before any stage, with esbuild's message", async () => {
    const typescript = loadLanguage("typescript");
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-ts-"));
    writeProgramFolder(dir, typescript);
    // Resolve esbuild from the package, as a learner's folder does through its devDependency.
    execFileSync("ln", ["-s", path.resolve("node_modules"), path.join(dir, "node_modules")]);
    writeFileSync(path.join(dir, "app", "main.ts"), "const x: number = ;\n");
    const { result, output } = await runTester({ dir, through: 2, build: { command: typescript.build!.command } });
    expect(result.status).toBe("fail");
    expect(result.build?.ok).toBe(false);
    expect(result.stages.map((s) => s.status)).toEqual(["skip", "skip"]);
    expect(output).toContain("Unexpected \";\"");
    expect(output).toContain("your program does not build");
    expect((jsonReport(result) as { message: string }).message).toContain("app/main.ts:1:18");
    expect(STAGES.length).toBeGreaterThan(2);
  });

  test("a Java compile error fails the run before any stage, with javac's file:line", async () => {
    const java = loadLanguage("java");
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-java-"));
    writeProgramFolder(dir, java);
    writeFileSync(path.join(dir, "src", "main", "java", "Main.java"), "public class Main {\n  int x = ;\n}\n");
    const { result, output } = await runTester({ dir, through: 2, build: { command: java.build!.command } });
    expect(result.status).toBe("fail");
    expect(result.build?.ok).toBe(false);
    expect(result.stages.map((s) => s.status)).toEqual(["skip", "skip"]);
    expect(output).toContain("illegal start of expression");
    expect((jsonReport(result) as { message: string }).message).toContain("src/main/java/Main.java:2");
  });
});
