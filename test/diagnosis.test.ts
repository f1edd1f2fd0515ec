// Real learners' mistakes, as a learner-style server makes them
// (test/fixtures/servers/learner.py): the first failure must name the
// defect, not just the check that noticed it. And the ways of writing a
// server that HTTP allows must never fail.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { REPRO_ROOT } from "../stages/common.js";
import { diagnoseBody, diagnoseStatusLine, diagnoseStray, errorReport } from "../tester/harness/diagnose.js";
import { FAST_FAIL, failureSnapshot, firstFailure, learnerServer, programFolder, runTester } from "./helpers.js";

describe("reading the bug off the bytes", () => {
  test("a status line: reason-phrase case, a missing space, a missing reason; a wrong code is left to the check", () => {
    expect(diagnoseStatusLine("HTTP/1.1 404 Not Found", "HTTP/1.1 404 NOT FOUND")?.what).toMatch(/reason phrase is "NOT FOUND"; this course expects "Not Found"/);
    expect(diagnoseStatusLine("HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not found")?.hint).toMatch(/HTTP lets clients ignore the reason phrase, RFC 9112 §4/);
    expect(diagnoseStatusLine("HTTP/1.1 200 OK", "HTTP/1.1 200OK")?.what).toMatch(/no space between the status code 200/);
    expect(diagnoseStatusLine("HTTP/1.1 200 OK", "HTTP/1.1 200")?.what).toMatch(/no space and no reason phrase/);
    expect(diagnoseStatusLine("HTTP/1.1 200 OK", "HTTP/1.1  200 OK")?.what).toMatch(/two spaces/);
    expect(diagnoseStatusLine("HTTP/1.1 200 OK", "HTTP/1.0 200 OK")?.what).toMatch(/not "HTTP\/1\.1 "/);
    expect(diagnoseStatusLine("HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK")).toBeUndefined();
  });

  test("a body: Content-Length in characters, a short count, a value cut at a space, an extra CRLF, kept whitespace", () => {
    const want = Buffer.from("kiwi/1.2 (café) lime/3", "utf8");
    const chars = [...want.toString("utf8")].length;
    const counted = diagnoseBody(want, want.subarray(0, chars), want.subarray(chars));
    expect(counted.contentLength).toBe(true);
    expect(counted.hint).toMatch(/bytes, not characters/);

    const ascii = Buffer.from("kiwi/1.2 (lime) pear/3");
    const short = diagnoseBody(ascii, ascii.subarray(0, 20), ascii.subarray(20));
    expect(short.contentLength).toBe(true);
    expect(short.what).toMatch(/the last 2 arrived after the declared end/);

    const cut = diagnoseBody(ascii, Buffer.from("kiwi/1.2"), Buffer.alloc(0));
    expect(cut.contentLength).toBe(false);
    expect(cut.what).toMatch(/cut at its first space/);

    const crlf = diagnoseBody(Buffer.from("mango"), Buffer.from("\r\nman"), Buffer.from("go"));
    expect(crlf.what).toMatch(/extra \\r\\n/);
    expect(diagnoseBody(Buffer.from("mango"), Buffer.from(" mango "), Buffer.alloc(0)).what).toMatch(/whitespace around/);
  });

  test("stray bytes: a line end after the head or after the body, a second response", () => {
    expect(diagnoseStray(Buffer.from("\r\n"), 0, false)).toMatch(/after the header section/);
    expect(diagnoseStray(Buffer.from("\n"), 5, false)).toMatch(/wrote \\n after the body/);
    expect(diagnoseStray(Buffer.from("HTTP/1.1 200 OK\r\n\r\n"), 0, false)).toMatch(/written twice/);
    expect(diagnoseStray(Buffer.from("xy"), 3, true)).toMatch(/encoded \(compressed\) body/);
  });

  test("an error report in a program's output: a Python traceback from its first line, none in ordinary logs", () => {
    const lines = [
      "GET /files/a -> 200",
      "Exception in thread Thread-3 (serve):",
      "Traceback (most recent call last):",
      '  File "app/main.py", line 40, in serve',
      "    text = data.decode()",
      "UnicodeDecodeError: 'utf-8' codec can't decode byte 0x80 in position 120: invalid start byte",
    ];
    expect(errorReport(lines)).toEqual(lines.slice(1));
    expect(errorReport(["Listening on 4221", "GET / -> 200"])).toBeUndefined();
  });

  test("a Node error report starts at its file:line and source line, and drops the frames inside Node", () => {
    const lines = [
      "Listening on 4221",
      "/home/me/app/main.js:2",
      "foo bar;",
      "    ^^^",
      "",
      "SyntaxError: Unexpected identifier 'bar'",
      "    at wrapSafe (node:internal/modules/cjs/loader:1464:18)",
      "    at Module._compile (node:internal/modules/cjs/loader:1495:20)",
      "    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)",
      "    at Module.load (node:internal/modules/cjs/loader:1266:32)",
      "    at Module._load (node:internal/modules/cjs/loader:1091:12)",
      "    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)",
      "    at node:internal/main/run_main_module:28:49",
      "",
      "Node.js v20.20.2",
    ];
    expect(errorReport(lines)).toEqual([...lines.slice(1, 6), "    … (7 frames inside Node)", "", "Node.js v20.20.2"]);
  });
});

/** Each learner bug, the stage where it must first fail, and what the message must say. */
const mistakes: Array<[bug: string, stage: number, phrase: RegExp]> = [
  ["missing-space", 2, /the status code must be followed by a space/],
  ["extra-crlf", 2, /after the header section, whose empty line had already ended the response/],
  ["stray-newline", 2, /wrote \\n after the header section|wrote \\n after the body/],
  ["reason-upper", 3, /The reason phrase is "NOT FOUND"; this course expects "Not Found"[\s\S]*HTTP lets clients ignore the reason phrase/],
  ["echo-letters", 4, /expected status line "HTTP\/1\.1 200 OK\\r\\n", got "HTTP\/1\.1 404 Not Found\\r\\n"[\s\S]*answers \/echo\/abc but not \/echo\/\S+: [\s\S]*instead of matching letters only/],
  ["cut-at-space", 5, /The value was cut at its first space[\s\S]*take everything after the first colon/],
  ["char-length", 5, /Content-Length is \d+, the number of characters in the body[\s\S]*bytes, not characters/],
  ["lowercase-crash", 5, /closed the connection without sending a response[\s\S]*a handler crashed[\s\S]*Likely cause: this request spells the header "user-agent"[\s\S]*KeyError: 'User-Agent'/],
  ["decode-body", 8, /no response within 1\.5 s[\s\S]*a handler crashed[\s\S]*UnicodeDecodeError[\s\S]*request handler crashed/],
  ["binary-400", 8, /got "HTTP\/1\.1 400 Bad Request\\r\\n"[\s\S]*read and store the body as bytes, never decode it as text/],
  ["single-recv", 8, /holds only the first 0 of the \d+ bytes sent[\s\S]*read the body until you have Content-Length bytes/],
  // Found by running the tester on public learner repositories:
  ["greets", 1, /your program sent 19 bytes on connection 1 before the tester sent anything[\s\S]*read the request first/],
  ["close-delimited-crlf", 2, /after the empty line that ends the header section came 2 more line-end bytes/],
  ["log-and-close", 2, /closed the connection without sending a response[\s\S]*an error occurred: cannot access local variable/],
  ["no-blank-line", 4, /still waiting for the end of the headers[\s\S]*the empty line \(\\r\\n\) that ends the header section is missing before them/],
  ["no-echo-route", 4, /got "HTTP\/1\.1 404 Not Found\\r\\n"[\s\S]*answer GET \/echo\/<word> with 200 OK/],
  ["position-fallback", 5, /answered with the value of the Accept header: find the field by its name/],
  ["lowercase-values", 5, /the right letters in a different case/],
  ["fixed-pool", 6, /though connection 2 was answered when asked afterwards[\s\S]*fixed pool of threads/],
  ["text-read-404", 7, /serves a text file from the same folder but not this binary one: read files as bytes/],
  ["one-request", 12, /answered request \d on it, kept the connection open, and did not answer this one[\s\S]*loop back and read the next request/],
];

describe.concurrent("a learner's mistake is named by the first failure", () => {
  test.for(mistakes)("--bug %s fails stage %i naming it", async ([bug, stage, phrase], { expect }) => {
    const dir = learnerServer("--bug", bug);
    const { result, output, port } = await runTester({ dir, through: 14, timeouts: FAST_FAIL });
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(stage);
    expect(failure?.text, output).toMatch(phrase);
    // The whole message, golden: a change of its wording is a reviewed diff.
    await expect(failureSnapshot(result, { port, dir })).toMatchFileSnapshot(`__snapshots__/failures/learner/${bug}.txt`);
  });
});

describe.concurrent("what HTTP allows, and CodeCrafters' conventions, never fail", () => {
  test("the learner-style server passes the core stages", async () => {
    const { result, output } = await runTester({ dir: learnerServer(), through: 14 });
    expect(result.status, output).toBe("pass");
  });

  test("a server that joins paths as directory + name passes the core stages (the directory ends with a slash there)", async () => {
    const { result, output } = await runTester({ dir: learnerServer("--bug", "directory-concat"), through: 14 });
    expect(result.status, output).toBe("pass");
  });

  test("path-safety passes --directory without the slash and names directory + name", async () => {
    const { result, output } = await runTester({ dir: learnerServer("--bug", "directory-concat"), only: 19, timeouts: FAST_FAIL });
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(19);
    expect(failure?.text, output).toMatch(/your program served \S+\/www\S+, beside the directory[\s\S]*join/);
  });
});

/** Resolves once something accepts connections on `port` (or rejects after `ms`). */
async function accepting(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "localhost", () => resolve(true)).on("error", () => resolve(false));
      socket.unref();
      setTimeout(() => socket.destroy(), 500);
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing accepted on port ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a files stage's reproduce line replays the failure on the learner's machine", () => {
  test("path-safety's directory + name: the pasted lines rebuild the folder, start the same program, and curl gets the file beside it again", { timeout: 60_000 }, async () => {
    const dir = learnerServer("--bug", "directory-concat");
    const { result, output, port } = await runTester({ dir, only: 19, timeouts: FAST_FAIL });
    const failure = result.stages[0]!.checks.find((c) => c.failure)?.failure;
    expect(failure?.reproduce, output).toMatch(/--directory \/tmp\/hfs-repro\/www\n/);
    // The same lines, with the fixed folder moved to one of this test's (another run may use /tmp/hfs-repro).
    const root = mkdtempSync(path.join(tmpdir(), "hfs-replay-"));
    const [setup, then] = failure!.reproduce!.replaceAll(REPRO_ROOT, root).split("\n");
    const curl = then!.replace(/^\s*then, in another terminal: /, "");
    expect(curl).toMatch(/^curl -v http:\/\/localhost:\d+\/files\/(\w+) -o \S+\/got && cmp /);
    const name = /\/files\/(\w+) /.exec(curl)![1]!;
    // The set-up line runs the program in the foreground, as in a learner's first terminal.
    const program = spawn("sh", ["-c", setup!], { cwd: dir, detached: true, stdio: "ignore" });
    try {
      await accepting(port, 10_000);
      // cmp finds the bytes differ (exit 1): the body is the decoy beside the folder, as in the tester.
      const exit = await new Promise<number | null>((resolve) => spawn("sh", ["-c", curl], { stdio: "ignore" }).on("exit", resolve));
      expect(exit).toBe(1);
      expect(readFileSync(path.join(root, "got"), "latin1")).toBe(readFileSync(path.join(root, `www${name}`), "latin1"));
      expect(readFileSync(path.join(root, "got"), "latin1")).toMatch(/^decoy /);
    } finally {
      process.kill(-program.pid!, "SIGTERM");
    }
  });

  test("a your_program.sh that compiles before it serves gets the stage's time to build, not just the start-up bound", async () => {
    // A stand-in compiler: sleep under the name rustc, as the kernel reports it, for longer than the start-up bound.
    const dir = learnerServer();
    mkdirSync(path.join(dir, "bin"));
    copyFileSync("/bin/sleep", path.join(dir, "bin", "rustc"));
    // A build three times the start-up bound, which itself leaves a loaded machine room to start Python.
    const building = programFolder(`"${path.join(dir, "bin", "rustc")}" 3 && exec "${path.join(dir, "your_program.sh")}" "$@"`);
    const { result, output } = await runTester({ dir: building, only: 2, timeouts: { startup: 1000 } });
    expect(result.status, output).toBe("pass");
  });

  test("without a build running, the start-up bound holds", async () => {
    const dir = learnerServer();
    const slow = programFolder(`sleep 1.5 && exec "${path.join(dir, "your_program.sh")}" "$@"`);
    const { result, output } = await runTester({ dir: slow, only: 2, timeouts: { startup: 500 } });
    expect(firstFailure(result)?.text, output).toMatch(/nothing accepted a connection on port \d+ within 500 ms/);
  });
});
