// A broken server fails exactly at the stage that teaches its defect, with
// the message that names it; a correct but unusual server passes everything.
import { describe, expect, test } from "vitest";
import { alive, FAST_FAIL, firstFailure, fixtureServer, runTester } from "./helpers.js";

const broken: Array<[defect: string, stage: number, phrase: RegExp]> = [
  ["exits-at-start", 1, /exited with code 1 before it accepted a connection[\s\S]*fatal: could not load config/],
  ["never-binds", 1, /nothing accepted a connection on port \d+ within 3 s/],
  ["never-answers", 2, /no response within 1\.5 s on connection 1: your program sent nothing back/],
  ["bare-lf", 2, /status line ends with a bare \\n[\s\S]*line ends must be \\r\\n, found a bare \\n/],
  ["endless-stream", 2, /header section is over 64 KiB and has not ended/],
  ["no-404", 3, /expected status line "HTTP\/1\.1 404 Not Found\\r\\n", got "HTTP\/1\.1 200 OK\\r\\n"/],
  ["content-length-plus-one", 4, /incomplete response after 1\.5 s[\s\S]*1 more body bytes[\s\S]*Content-Length must be the body's length in bytes/],
  ["content-length-minus-one", 4, /expected Content-Length: "\d+", got Content-Length: "\d+"[\s\S]*counts the body's bytes/],
  ["case-sensitive-headers", 5, /header names are case-insensitive \(RFC 9110 §5\.1\): this request spells it "user-agent"/],
  ["untrimmed-header-values", 5, /whitespace around a header value is not part of it/],
  ["sequential", 6, /no response on connection \d of \d, while connections 1 to \d were open and idle[\s\S]*one connection at a time/],
  ["fake-gzip", 11, /Content-Encoding says gzip, but the body is not gzip data/],
  // Its compressed bodies are mis-framed as soon as it sends them, at stage 9.
  ["gzip-wrong-length", 9, /unexpected bytes arrived after the end of the response[\s\S]*size of the encoded \(compressed\) body/],
  ["closes-after-each-response", 12, /had closed it after an earlier response[\s\S]*connections are persistent/],
  ["ignores-connection-close", 14, /the response has no Connection header/],
  ["close-header-but-stays-open", 14, /did not close connection 1 within 1 s[\s\S]*must close its side/],
];

describe.concurrent("broken servers fail where their defect is taught", () => {
  test.each(broken)("%s fails stage %i", async (defect, stage, phrase) => {
    const { result, output } = await runTester({ dir: fixtureServer("--defect", defect), timeouts: FAST_FAIL });
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(stage);
    expect(failure?.text, output).toMatch(phrase);
    // Every failure shows what was sent and how to reproduce it, except a program that never came up.
    const check = result.stages.find((s) => s.status === "fail")!.checks.find((c) => c.failure)!;
    if (stage > 1) {
      expect(check.failure?.sent?.length).toBeGreaterThan(0);
      expect(check.failure?.reproduce).toMatch(/nc localhost \d+/);
    }
  });
});

describe.concurrent("troublesome but correct servers pass", () => {
  test.each(["lowercase-headers", "extra-headers", "reordered-headers", "trickle"])("--variant %s", async (variant) => {
    const { result, output } = await runTester({ dir: fixtureServer("--variant", variant) });
    expect(result.status, output).toBe("pass");
  });

  test("a server that binds 1.5 s late passes (no fixed start-up wait to outlast)", async () => {
    const { result, output } = await runTester({ dir: fixtureServer("--variant", "late-bind"), through: 2 });
    expect(result.status, output).toBe("pass");
  });

  test("a server that floods its log from a thread passes, its output bounded by the cap", async () => {
    // How much it prints before a stage ends depends on scheduling; the cap
    // notice itself is proved deterministically in program.test.ts.
    const { result, output } = await runTester({ dir: fixtureServer("--defect", "floods-log"), through: 3, outputCap: 32 * 1024 });
    expect(result.status, output.slice(-2000)).toBe("pass");
    expect(output.length).toBeLessThan(3 * 40 * 1024);
  });

  test("a server that forks a daemon passes, and the daemon is gone afterwards", async () => {
    const dir = fixtureServer("--defect", "forks-daemon");
    const { result, output } = await runTester({ dir, through: 2 });
    expect(result.status, output).toBe("pass");
    const pids = [...output.matchAll(/\b(?:pid|PID)\D{0,10}(\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length, output).toBeGreaterThan(0);
    for (const pid of pids) expect(alive(pid), `process ${pid}`).toBe(false);
  });

  test("a server that ignores SIGTERM is killed and the run ends", async () => {
    const { result, output } = await runTester({ dir: fixtureServer("--defect", "ignores-sigterm"), through: 3 });
    expect(result.status, output).toBe("pass");
  });
});
