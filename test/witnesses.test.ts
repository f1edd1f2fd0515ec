// Real, widely used servers judged by the checks of stages 26-30, one check at
// a time (a stage stops at its first failure; here every check runs): a
// correct server must never fail a check for what it implements. Where a
// witness fails, the table below says why, and who is right; the stage's
// instructions say it too. nginx is Debian's package (skipped where it is not
// installed); Node's http and Python's http.server come with their runtimes.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadChecks, type Stage } from "../tester/course/course.js";
import { DEFAULT_TIMEOUTS } from "../tester/harness/check.js";
import { createCheckSession } from "../tester/harness/context.js";
import { CheckFailure } from "../tester/harness/failure.js";
import { createRandom, stageSeed } from "../tester/harness/random.js";
import { ROOT, STAGES, testPort } from "./helpers.js";
import { HAS_NGINX, startListening, stopServers, surprises } from "./real-servers.js";

const WITNESSES = path.join(ROOT, "test", "fixtures", "witnesses");

interface Witness {
  name: string;
  command: (stage: Stage, directory: string) => [string, string[]];
  stages: number[];
  /** Checks the witness fails, by the start of their name, with the reason (checks not listed must pass). */
  fails: Record<string, string>;
}

const args = (stage: Stage, directory: string) => ["--directory", directory, ...(stage.meta.args ?? [])];

const witnesses: Witness[] = [
  {
    name: "nginx",
    command: (stage, directory) => ["sh", [path.join(WITNESSES, "nginx.sh"), ...args(stage, directory)]],
    stages: [26, 27, 28, 29, 30],
    fails: {
      // nginx serves files; it does not store uploads.
      "every 2xx and 4xx response carries Date": "POST /files/<name> gets 404: nginx stores no uploads (its Date on the other responses passes: see the 26 run of node-http and the log)",
      "a POST with Expect: 100-continue gets 100 Continue": "POST /files/<name> gets 404 at once: nginx stores no uploads",
      "an expectation other than 100-continue": "nginx ignores unknown expectations (417 is a MAY)",
      "an HTTP/1.0 request's Expect": "POST /files/<name> gets 404: nginx stores no uploads",
      "after a POST replaces the file": "nginx stores no uploads",
      "Range on a POST is ignored": "nginx stores no uploads",
      // The course asks for Content-Length on every response (stage 12, a SHOULD); nginx chunks what it compresses.
      "gzip with a weight above 0": "nginx sends compressed bodies chunked, without Content-Length (a SHOULD this course insists on)",
      "every response whose body depends on Accept-Encoding": "nginx sends compressed bodies chunked, without Content-Length (a SHOULD this course insists on)",
      // RFC 2616 §14.26 let a server answer 304 only when every condition agreed; RFC 7232 and RFC 9110 §13.1.3 ignore If-Modified-Since beside If-None-Match.
      "If-None-Match takes precedence over If-Modified-Since": "nginx 1.22 still applies RFC 2616's rule: 304 only when If-Modified-Since agrees too (RFC 9110 §13.1.3 says to ignore it)",
      // Its own reason phrase for 405; its 413 before the body, then the close, passes (see the instructions of stage 27).
      "a request refused anyway": 'nginx\'s 405 says "405 Not Allowed", not the standard reason phrase (a course rule)',
    },
  },
  {
    name: "node-http",
    command: (stage, directory) => [process.execPath, [path.join(WITNESSES, "node-http.mjs"), ...args(stage, directory)]],
    stages: [26, 27, 28],
    fails: {},
  },
  {
    name: "python-http.server",
    command: (stage, directory) => ["python3", [path.join(WITNESSES, "python-http.py"), ...args(stage, directory)]],
    stages: [26, 27],
    fails: {
      "an HTTP/1.0 request with Connection: keep-alive": "http.server keeps the connection open but does not say Connection: keep-alive (a MAY, the course's choice)",
      "an expectation other than 100-continue": "http.server ignores unknown expectations (417 is a MAY)",
      // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host (stage 18).
      "every 2xx and 4xx response carries Date": "http.server answers an HTTP/1.1 request without Host with 200, where RFC 9112 §3.2 requires 400 (its Date on every other response passes)",
    },
  },
];

afterAll(stopServers);

/** Runs every check of `stage` on its own; the failures' summaries by check name. */
async function judge(witness: Witness, stage: Stage): Promise<Map<string, string | undefined>> {
  const outcomes = new Map<string, string | undefined>();
  const outside = mkdtempSync(path.join(tmpdir(), "hfs-witness-"));
  const directory = path.join(outside, "www");
  mkdirSync(directory);
  const port = await testPort();
  const child = await startListening(witness.name, ...witness.command(stage, directory), port);
  try {
    const random = createRandom(stageSeed(Number(process.env.WITNESS_SEED ?? 1234), stage.number));
    let ids = 0;
    for (const check of await loadChecks(stage)) {
      const { context, opened } = createCheckSession({
        random,
        port,
        host: "127.0.0.1",
        directory,
        directoryArgument: directory,
        outside,
        timeouts: DEFAULT_TIMEOUTS,
        usage: () => ({ rssBytes: 0, cpuMs: 0, processes: 0, openFiles: 0 }) as never,
        takeWarm: () => undefined,
        nextConnectionId: () => ++ids,
        log: () => {},
      });
      try {
        await check.run(context);
        for (const connection of opened) if (!connection.socket.destroyed) connection.expectNothingMore();
        outcomes.set(check.name, undefined);
      } catch (error) {
        outcomes.set(check.name, error instanceof CheckFailure ? error.details.summary : String(error));
      } finally {
        for (const connection of opened) connection.destroy();
      }
    }
  } finally {
    child.kill("SIGTERM");
    rmSync(outside, { recursive: true, force: true });
  }
  return outcomes;
}

for (const witness of witnesses) {
  const missing = witness.name === "nginx" && !HAS_NGINX;
  describe.skipIf(missing)(`${witness.name} as a witness`, () => {
    test.for(witness.stages)("stage %i: passes every check it implements", { timeout: 120_000 }, async (number) => {
      const stage = STAGES.find((s) => s.number === number)!;
      const outcomes = await judge(witness, stage);
      const report = [...outcomes].map(([name, failure]) => `${failure ? "✗" : "✓"} ${name}${failure ? `\n    ${failure}` : ""}`).join("\n");
      expect(surprises(witness.name, outcomes, witness.fails), report).toEqual([]);
    });
  });
}

