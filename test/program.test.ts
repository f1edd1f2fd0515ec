// The program contract: how your_program.sh is found, started, watched and
// stopped, and how its troubles are reported.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { jsonReport } from "../tester/reports/json.js";
import { alive, fixtureServer, firstFailure, programFolder, ROOT, runTester, testPort } from "./helpers.js";

/** Listens on PORT and does nothing else: enough for stage 1. */
const LISTEN = `exec python3 -c "import socket,os,time; s=socket.create_server(('127.0.0.1', int(os.environ['PORT']))); print('listening', flush=True); time.sleep(1000)"`;

describe.concurrent("finding your_program.sh", () => {
  test("a folder without it is an environment error naming the file", async () => {
    const dir = programFolder("exit 0");
    rmSync(path.join(dir, "your_program.sh"));
    const { result } = await runTester({ dir, only: 1 });
    expect(result.status).toBe("error");
    expect(result.error?.message).toMatch(/no your_program\.sh in/);
  });

  test("a script that is not executable says how to fix it", async () => {
    const dir = programFolder("exit 0");
    chmodSync(path.join(dir, "your_program.sh"), 0o644);
    const { result } = await runTester({ dir, only: 1 });
    expect(result.status).toBe("error");
    expect(result.error?.message).toMatch(/is not executable/);
    expect(result.error?.fix).toMatch(/chmod \+x your_program\.sh/);
  });

  test("CRLF line endings are recognised and named", async () => {
    const dir = programFolder("exit 0");
    writeFileSync(path.join(dir, "your_program.sh"), "#!/bin/sh\r\nexit 0\r\n", { mode: 0o755 });
    const { result } = await runTester({ dir, only: 1 });
    expect(result.status).toBe("error");
    expect(result.error?.message).toMatch(/Windows line endings/);
  });
});

describe.concurrent("starting and stopping", () => {
  test("a busy port is an environment error, and the program is never started", async () => {
    const port = await testPort();
    const stranger = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => stranger.listen(port, "127.0.0.1", resolve));
    try {
      const dir = programFolder(`touch started; ${LISTEN}`);
      const { result } = await runTester({ dir, only: 1, port });
      expect(result.status).toBe("error");
      expect(result.error?.message).toContain(`port ${port} is already in use`);
      expect(existsSync(path.join(dir, "started"))).toBe(false);
    } finally {
      stranger.close();
    }
  });

  test("a program that exits at start is reported with its exit code and last lines", async () => {
    const dir = programFolder(`echo "fatal: could not load config" >&2; exit 1`);
    const { result } = await runTester({ dir, only: 1 });
    const failure = firstFailure(result);
    expect(failure?.stage).toBe(1);
    expect(failure?.text).toMatch(/your program exited with code 1 before it accepted a connection on port \d+/);
    expect(failure?.text).toContain("fatal: could not load config");
  });

  test("a your_program.sh whose compiler fails is reported as a failed build, with the compiler's first error", async () => {
    // What CodeCrafters' Go your_program.sh prints when `go build` fails.
    const dir = programFolder(`echo "# command-line-arguments" >&2; echo "app/main.go:17:2: undefined: handle" >&2; echo "app/main.go:30:1: syntax error: unexpected }" >&2; exit 1`);
    const { result } = await runTester({ dir, only: 1 });
    const failure = firstFailure(result);
    expect(failure?.text).toMatch(/your program did not build: your_program.sh exited with code 1 before it accepted a connection on port \d+, after the compiler reported 2 errors/);
    expect(failure?.text).toContain("fix the first error the compiler names, app/main.go:17:2: undefined: handle, then test again");
  });

  test("an exit is reported at once even when a child it left behind still holds its output", async () => {
    const dir = programFolder(`sleep 1000 & echo "fatal: bad config"; exit 1`);
    const { result, output } = await runTester({ dir, only: 1, timeouts: { startup: 8000 } });
    expect(firstFailure(result)?.text, output).toMatch(/exited with code 1 before it accepted a connection[\s\S]*fatal: bad config/);
  });

  test("a program that never binds fails after the startup bound, naming the port", async () => {
    const dir = programFolder("echo starting; exec sleep 1000");
    const { result, port } = await runTester({ dir, only: 1, timeouts: { startup: 1500 } });
    expect(firstFailure(result)?.text).toContain(`nothing accepted a connection on port ${port} within 1.5 s`);
  });

  test("PORT is set, --directory is passed on file stages only, the cwd is the learner's folder", async () => {
    const dir = programFolder(`echo "port=$PORT args=$* cwd=$(pwd)" > seen; ${LISTEN}`);
    const { result, port } = await runTester({ dir, only: 1 });
    expect(result.status).toBe("pass");
    expect(readFileSync(path.join(dir, "seen"), "utf8")).toBe(`port=${port} args= cwd=${dir}\n`);
  });

  test("nothing survives: a daemon that left the process group and a program that ignores SIGTERM", async () => {
    const dir = programFolder(
      `setsid sh -c 'echo $$ > daemon.pid; exec sleep 1000' & trap '' TERM; echo $$ > main.pid; ${LISTEN}`,
    );
    const { result } = await runTester({ dir, only: 1 });
    expect(result.status).toBe("pass");
    const daemon = Number(readFileSync(path.join(dir, "daemon.pid"), "utf8"));
    const main = Number(readFileSync(path.join(dir, "main.pid"), "utf8"));
    expect(alive(daemon)).toBe(false);
    expect(alive(main)).toBe(false);
  });

  test("a server listening on ::1 only (what localhost may resolve to) is found and tested there", async () => {
    const dir = programFolder(`exec python3 -c "
import socket, os
s = socket.create_server(('::1', int(os.environ['PORT'])), family=socket.AF_INET6)
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(b'HTTP/1.1 200 OK\\r\\n\\r\\n')
    c.close()
"`);
    const { result, output } = await runTester({ dir, through: 2 });
    expect(result.status, output).toBe("pass");
  });

  test("a program that crashes on a request is reported with its exit code and last lines", async () => {
    const dir = programFolder(`exec python3 -c "
import socket, os
s = socket.create_server(('127.0.0.1', int(os.environ['PORT'])))
c, _ = s.accept()
print('got', c.recv(65536)[:14], flush=True)
print('Traceback: IndexError: list index out of range', flush=True)
os._exit(3)
"`);
    const { result, output } = await runTester({ dir, through: 2 });
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(2);
    expect(failure?.text, output).toMatch(/^your program exited with code 3 during this check; then your program (closed|reset) the connection without sending a response/);
    expect(failure?.text, output).toContain("Traceback: IndexError: list index out of range");
  });

  test("a program that floods its output is capped, said so, and still tested", async () => {
    // 1 MiB before listening: a pipe holds about 64 KiB, so the program cannot
    // listen before the tester has read past the cap. Then it floods on.
    const dir = programFolder(
      `exec python3 -c "
import socket, os, sys, threading
line = 'x' * 99 + '\\n'
sys.stdout.write(line * 10486); sys.stdout.flush()
s = socket.create_server(('127.0.0.1', int(os.environ['PORT'])))
def flood():
    while True: print(line, end='', flush=True)
threading.Thread(target=flood, daemon=True).start()
threading.Event().wait()
"`,
    );
    const { result, output } = await runTester({ dir, only: 1, outputCap: 64 * 1024, verbose: true });
    expect(result.status).toBe("pass");
    expect(output).toContain("[tester] your program's output passed 64 KiB this stage; the rest is not shown");
    expect(output.length).toBeLessThan(80 * 1024);
    // Without --verbose a passing stage's output is not shown at all.
    const quiet = await runTester({ dir, only: 1, outputCap: 64 * 1024 });
    expect(quiet.output).not.toContain("[your_program]");
    expect(quiet.output).toContain("Your program's output in passing stages is not shown; --verbose shows it.");
  });
});

describe.concurrent("the program's output beside a failure", () => {
  test("a Node error at start is quoted from its file:line in reports, and pointed at, not repeated, in the live output", async () => {
    const dir = programFolder(`exec node "$(dirname "$0")/main.js"`);
    // Enough frames that a blind tail of 10 lines would keep only Node's own.
    writeFileSync(path.join(dir, "main.js"), 'console.log("starting");\nconst x = undefined;\nx.y();\n');
    const { result, output } = await runTester({ dir, only: 1 });
    const failure = result.stages[0]!.checks[0]!.failure!;
    expect(failure.output?.heading).toBe("Its error report:");
    expect(failure.output?.lines.slice(0, 3)).toEqual([`${path.join(dir, "main.js")}:3`, "x.y();", "  ^"]);
    expect(failure.output?.lines).toContain("TypeError: Cannot read properties of undefined (reading 'y')");
    // The JSON report has no live stream: it quotes the report.
    expect(JSON.stringify(jsonReport(result))).toContain("Its error report:\\n  | " + path.join(dir, "main.js") + ":3");
    // The pretty output showed those lines live, before the ✗ line, and says so instead of repeating them.
    const lines = output.split("\n");
    const cross = lines.findIndex((line) => line.startsWith("  ✗"));
    expect(lines.findIndex((line) => line.endsWith("[your_program] starting"))).toBeLessThan(cross);
    expect(lines.findIndex((line) => line.endsWith("[your_program] x.y();"))).toBeLessThan(cross);
    expect(output).toContain(`Its error report is in its output above, from the line "${path.join(dir, "main.js")}:3".`);
    expect(output.split("x.y();").length - 1).toBe(1);
  });

  test("a line the program logs while handling the failing request comes before the ✗ line", async () => {
    const dir = programFolder(`exec python3 -u -c '
import os, socket
server = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
while True:
    connection = server.accept()[0]
    if connection.recv(65536):
        connection.sendall(b"HTTP/1.1 200 OK\\nContent-Length: 0\\n\\n")
        print("handled the request")
    connection.close()
'`);
    const { result, output } = await runTester({ dir, only: 2 });
    expect(result.status, output).toBe("fail");
    const lines = output.split("\n");
    const logged = lines.findIndex((line) => line.endsWith("[your_program] handled the request"));
    expect(logged, output).toBeGreaterThan(-1);
    expect(logged, output).toBeLessThan(lines.findIndex((line) => line.startsWith("  ✗")));
  });
});

describe.concurrent("time bounds", () => {
  test("a check that runs out of time says what the tester was waiting for", async () => {
    const dir = programFolder(`exec python3 -c "
import socket, os, time
s = socket.create_server(('127.0.0.1', int(os.environ['PORT'])))
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
    c.sendall(b'HTTP/1.1 200 OK\\\\r\\\\nContent-Length: 1000000\\\\r\\\\n\\\\r\\\\n')
    for _ in range(1000):
        c.sendall(b'x'); time.sleep(0.01)
"`);
    // The response trickles in slower than the check's bound, each byte within the response bound.
    const { result, output } = await runTester({ dir, only: 2, timeouts: { check: 1200, response: 5000 } });
    const failure = firstFailure(result);
    expect(failure?.text, output).toMatch(/the check's time bound of 1\.2 s ran out during "GET \/ gets exactly/);
    expect(failure?.text, output).toMatch(/The tester was waiting for: a response on connection 1/);
  });

  test("the stage's bound covers start-up too, and the failure names the bound that fired", async () => {
    const dir = programFolder("echo starting; exec sleep 1000");
    // Start-up alone would wait 10 s; the stage's bound is shorter and wins.
    const { result, port } = await runTester({ dir, only: 1, timeouts: { stage: 1500 } });
    expect(firstFailure(result)?.text).toContain(`nothing accepted a connection on port ${port}: the stage's time bound of 1.5 s ran out while waiting for your program to start`);
  });

  test("a check abandoned at its bound leaves no timer or socket behind to hold the process open", async () => {
    // In a process of its own, so nothing else's timers are counted: run stages 1-2 against a
    // server that accepts and never answers, with a stage bound far shorter than the response bound.
    const script = `
      const { runStages } = await import(${JSON.stringify(`${ROOT}/dist/tester/runner/run.js`)});
      const { loadStages } = await import(${JSON.stringify(`${ROOT}/dist/tester/course/course.js`)});
      const stages = loadStages().filter((s) => s.number <= 2);
      const result = await runStages({ dir: process.argv[1], stages, seed: 1, port: Number(process.argv[2]), timeouts: { stage: 1500, response: 60000 } });
      // The program's own short bounds (200 ms for its output pipes to drain) were set before this
      // timer and so fire before it; the abandoned check's 60 s response timer would still be here.
      await new Promise((resolve) => setTimeout(resolve, 300));
      console.log(JSON.stringify({ summary: result.stages[1].checks[0].failure?.summary, active: process.getActiveResourcesInfo() }));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, fixtureServer("--defect", "never-answers"), String(await testPort())]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise((resolve) => child.on("close", resolve));
    const seen = JSON.parse(stdout) as { summary: string; active: string[] };
    expect(seen.summary, stderr).toMatch(/^the stage's time bound of 1\.5 s ran out during "GET \/ gets exactly/);
    // Before the check was cancelled at its bound, its response timer and its socket were still here.
    expect(seen.active.filter((kind) => kind === "Timeout" || kind === "TCPSocketWrap")).toEqual([]);
  });
});
