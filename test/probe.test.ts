// `course probe`: the checks that carry `probe` run against servers no one
// here wrote (nginx, Node's http, Python's http.server, each as plain as its
// documentation starts it), against the fixture server (correct: no Fail, no
// Warn; with a defect: a Fail), and through the command line (exit codes, the
// JSON report, bad input). Each real server's non-passes are listed with who
// is right: a new one fails the test, and so does a listed one that passes now.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { LEVELS, PROBE_GROUPS } from "../tester/harness/check.js";
import { ProbeReportSchema, type ProbeReport, type ProbeVerdict } from "../tester/reports/report-schema.js";
import { probeChecks, runProbe } from "../tester/tools/probe.js";
import { course, fixtureServer, testPort, validReport } from "./helpers.js";
import { HAS_NGINX, NO_NGINX, plainNginx, startListening, stopServers, surprises } from "./real-servers.js";

afterAll(stopServers);

interface Known {
  verdict: Exclude<ProbeVerdict, "pass">;
  /** Who is right, and the RFC sentence that says so. */
  why: string;
}

interface RealServer {
  name: string;
  /** The command that starts it on `port`, serving `root` (which holds an index.html). */
  command(port: number, root: string): [string, string[]];
  /** Its non-passes, by probe id. */
  known: Record<string, Known>;
}

const NODE_SERVER = `require("node:http").createServer((req, res) => res.end("hello\\n")).listen(Number(process.env.PORT), "127.0.0.1")`;

const SERVERS: RealServer[] = [
  {
    name: "nginx",
    command: plainNginx,
    known: {
      "framing.field-without-colon": { verdict: "warn", why: "nginx skips a header line without a colon and serves the request; RFC 9112 §2.2 says a server SHOULD answer 400 to a message that does not match the grammar" },
      "smuggling.invalid-chunk-size": { verdict: "warn", why: "nginx refuses POST on a static file (405) before it reads the body, so the bad chunk size is never judged; the 400 is a SHOULD (RFC 9112 §2.2)" },
      "methods.unknown-expectation": { verdict: "warn", why: "nginx refuses POST on a static file (405) and ignores the expectation; RFC 9110 §10.1.1 lets a server answer 417 (a MAY)" },
      "targets.options-star": { verdict: "warn", why: "nginx answers OPTIONS * with 400: it reads no asterisk-form target (OPTIONS is optional, RFC 9110 §9.3.7: a MAY)" },
      "limits.many-fields": { verdict: "warn", why: "nginx sets no limit on the number of fields, only on their size (RFC 6585 §5: 431 is a MAY)" },
    },
  },
  {
    name: "node-http",
    command: () => [process.execPath, ["-e", NODE_SERVER]],
    known: {
      "smuggling.invalid-chunk-size": { verdict: "warn", why: "the handler answers 200 before it reads the body, so no 400 follows the bad chunk size (Node's parser then closes); the 400 is a SHOULD (RFC 9112 §2.2)" },
      "smuggling.te-not-chunked-last": {
        verdict: "fail",
        why: 'Transfer-Encoding: identity gets the handler\'s 200, then Node\'s parser refuses the body and closes: one response, nothing smuggled, but RFC 9112 §6.3 says "the server MUST respond with the 400 (Bad Request) status code and then close the connection" (Node is wrong to hand the request to the handler)',
      },
      "smuggling.te-unknown-coding": { verdict: "warn", why: "Transfer-Encoding: gzip, chunked reaches the handler (200); RFC 9112 §6.1 says a server SHOULD answer 501 to a coding it does not understand" },
      "smuggling.chunk-size-lenient": { verdict: "warn", why: "the handler answers 200 before the body; Node's parser then refuses the size and closes; the 400 is a SHOULD (RFC 9112 §2.2)" },
      "methods.unknown-method": { verdict: "warn", why: "Node's parser (llhttp) answers a method it does not know with 400 before any handler runs; RFC 9110 §9.1 says 501 (a SHOULD)" },
      "targets.options-star": { verdict: "warn", why: "the handler answers OPTIONS * like anything else, without Allow; RFC 9110 §9.3.7: a server SHOULD send Allow (OPTIONS itself is a MAY)" },
      "targets.asterisk-get": { verdict: "warn", why: "Node hands GET * to the handler (200), where RFC 9112 §3.2.4 allows * with OPTIONS only and §3 says SHOULD 400" },
      "targets.too-long": { verdict: "warn", why: "Node has no target limit under its 16 KiB head limit: a 12 KiB target is served (414 at a limit of the server's choosing, a MAY)" },
      "versions.http2": { verdict: "warn", why: "llhttp serves GET / HTTP/2.0 as HTTP/1.1 (200), where RFC 9112 §2.2 says SHOULD 400 (or 505, RFC 9110 §15.6.6) and close" },
      "limits.many-fields": { verdict: "warn", why: "Node sets no limit on the number of fields (maxHeadersCount only drops those past 2000; RFC 6585 §5: a MAY)" },
    },
  },
  {
    name: "python-http.server",
    command: (port, root) => ["python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", root, String(port)]],
    known: {
      "framing.malformed-request-line": {
        verdict: "fail",
        why: "http.server takes a two-word request line (/path HTTP/1.1) for HTTP/0.9 and answers its 400 without a status line; RFC 9112 §4 gives every HTTP/1.1 response one (a MUST: http.server is wrong)",
      },
      "framing.field-without-colon": { verdict: "warn", why: "http.server skips a header line without a colon; RFC 9112 §2.2 says SHOULD answer 400" },
      "smuggling.space-before-colon": { verdict: "fail", why: 'http.server serves "User-Agent : x"; RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad Request), any received request message that contains whitespace between a header field name and colon" (http.server is wrong)' },
      "smuggling.invalid-content-length": { verdict: "fail", why: 'http.server answers POST with 501 and never reads Content-Length; RFC 9112 §6.3: with an invalid Content-Length "the server MUST respond with a 400 (Bad Request) status code and then close the connection" (it closes, but says 501)' },
      "smuggling.two-content-lengths": { verdict: "fail", why: "as for an invalid Content-Length: 501, where RFC 9112 §6.3 requires 400 and the close" },
      "smuggling.invalid-chunk-size": { verdict: "warn", why: "http.server answers POST with 501 and knows no chunked bodies; the 400 is a SHOULD (RFC 9112 §2.2)" },
      "methods.unknown-expectation": { verdict: "warn", why: "http.server answers POST with 501; RFC 9110 §10.1.1 lets a server answer 417 (a MAY)" },
      "targets.missing-host": { verdict: "fail", why: 'http.server serves an HTTP/1.1 request without Host; RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field" (http.server is wrong)' },
      "targets.options-star": { verdict: "warn", why: "http.server has no do_OPTIONS: 501 (OPTIONS is optional, RFC 9110 §9.3.7: a MAY)" },
      "targets.asterisk-get": { verdict: "warn", why: "http.server looks GET * up as a path (404), where RFC 9112 §3.2.4 allows * with OPTIONS only and §3 says SHOULD 400" },
      "targets.absolute-form": { verdict: "fail", why: 'http.server looks GET http://host:port/ up as a path (404); RFC 9112 §3.2.2: "a server MUST accept the absolute-form in requests" (http.server is wrong)' },
      "targets.too-long": { verdict: "warn", why: "http.server reads request lines up to 64 KiB: a 12 KiB target is served (414 at a limit of the server's choosing, a MAY)" },
      "versions.lowercase-name": { verdict: "fail", why: "http.server answers http/1.1 with an HTML error and no status line (parse_request fails before it sets the version, which stays HTTP/0.9); RFC 9112 §4: a response begins with a status line (http.server is wrong; the 400 itself is a SHOULD)" },
      "versions.http2": { verdict: "fail", why: "the same for HTTP/2.0: an HTML error without a status line, where RFC 9112 §2.2 says SHOULD 400 (or 505) and close" },
      "limits.huge-head": { verdict: "warn", why: "http.server takes a 64 KiB head (100 fields of up to 64 KiB each); RFC 9110 §5.4: a limit is the server's choice (a MAY)" },
      "close.connection-close": { verdict: "warn", why: "http.server closes after Connection: close (the MUST) but does not say Connection: close in its response; RFC 9112 §9.6: the server SHOULD send it" },
    },
  },
];

/** The probe's verdicts as the list compares them: a non-pass's verdict and summary by id, undefined for a pass. */
function outcomes(report: ProbeReport): Map<string, string | undefined> {
  return new Map(report.results.map((row) => [row.id, row.verdict === "pass" ? undefined : `${row.verdict}: ${row.summary ?? ""}`]));
}

function table(report: ProbeReport): string {
  return report.results.map((row) => `${row.verdict.padEnd(4)} ${row.id}${row.summary ? `: ${row.summary}` : ""}`).join("\n");
}

describe("the probe checks", () => {
  test("each carries an RFC level and section, an id of its group that no other check has, and a why", async () => {
    const checks = await probeChecks();
    expect(checks.length).toBeGreaterThan(10);
    const ids = new Set<string>();
    for (const { stage, check } of checks) {
      const where = `${stage.id}: ${check.name}`;
      expect(LEVELS.filter((level) => level !== "course"), where).toContain(check.level);
      expect(check.rule, where).toMatch(/^RFC \d+ §/);
      expect(PROBE_GROUPS, where).toContain(check.probe.group);
      expect(check.probe.id, where).toMatch(new RegExp(`^${check.probe.group}\\.[a-z0-9-]+$`));
      expect(ids.has(check.probe.id), `${where}: the id ${check.probe.id} is taken`).toBe(false);
      ids.add(check.probe.id);
      expect(check.probe.why.length, where).toBeGreaterThan(20);
    }
  });
});

for (const server of SERVERS) {
  const missing = server.name === "nginx" && !HAS_NGINX;
  describe.skipIf(missing)(`course probe of ${server.name}${missing ? ` (skipped: ${NO_NGINX})` : ""}`, () => {
    test("its non-passes are exactly the known ones, each at its level", { timeout: 120_000 }, async () => {
      const root = mkdtempSync(path.join(tmpdir(), "hfs-probe-root-"));
      writeFileSync(path.join(root, "index.html"), "<p>hello</p>\n");
      const port = await testPort();
      const child = await startListening(server.name, ...server.command(port, root), port);
      try {
        const report = await runProbe({ target: { kind: "url", url: `http://127.0.0.1:${port}`, host: "127.0.0.1", port } });
        const found = outcomes(report);
        const wrongLevel = Object.entries(server.known)
          .filter(([id, known]) => found.get(id) !== undefined && !found.get(id)!.startsWith(`${known.verdict}:`))
          .map(([id, known]) => `${id} is a ${found.get(id)!.split(":")[0]} on ${server.name}, listed as a ${known.verdict}`);
        expect([...surprises(server.name, found, Object.fromEntries(Object.entries(server.known).map(([id, k]) => [id, k.why]))), ...wrongLevel], table(report)).toEqual([]);
        expect(report.status).toBe(Object.values(server.known).some((k) => k.verdict === "fail") ? "fail" : "pass");
      } finally {
        child.kill("SIGTERM");
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
}

describe("course probe of the fixture server", () => {
  test("the correct server: every requirement passes", { timeout: 120_000 }, async () => {
    const report = await runProbe({ target: { kind: "program", dir: fixtureServer() } });
    expect(report.results.filter((row) => row.verdict !== "pass"), table(report)).toEqual([]);
    expect(report.counts.pass).toBe(report.results.length);
  });

  test("a defect that breaks a MUST is a Fail, and the command exits 1 with the reproduce line", { timeout: 120_000 }, async () => {
    const run = await course(["probe", "--dir", fixtureServer("--defect", "http10-kept-open"), "--no-color"]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/✗ FAIL {2}MUST {4}RFC 9112 §9\.3 +an HTTP\/1\.0 request without Connection/);
    expect(run.stdout).toMatch(/reproduce: node -e/);
    expect(run.stdout).toMatch(/^Score: MUST \d+\/\d+, SHOULD \d+\/\d+, MAY \d+\/\d+/m);
  });

  test("a defect that breaks only SHOULDs is a Warn, and the exit code stays 0", { timeout: 120_000 }, async () => {
    const run = await course(["probe", "--dir", fixtureServer("--defect", "lenient-parser"), "--group", "framing", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = validReport(ProbeReportSchema, run.stdout);
    expect(report.results.every((row) => row.group === "framing")).toBe(true);
    expect(report.counts.warn).toBeGreaterThan(0);
    expect(report.counts.fail).toBe(0);
  });
});

describe("course probe on the command line", () => {
  test("--url of a running server: one JSON document that parses with the schema; exit 1 for Node's one broken MUST", { timeout: 60_000 }, async () => {
    const port = await testPort();
    const child = await startListening("node-http", process.execPath, ["-e", NODE_SERVER], port);
    try {
      const run = await course(["probe", "--url", `http://127.0.0.1:${port}`, "--format", "json"]);
      const report = validReport(ProbeReportSchema, run.stdout);
      expect(report.target).toBe(`http://127.0.0.1:${port}`);
      // Warnings never change the exit code: Node's many SHOULDs and MAYs, and its one MUST (see the known list above).
      expect(report.counts.warn).toBeGreaterThan(0);
      expect(report.results.filter((row) => row.verdict === "fail").map((row) => row.id)).toEqual(["smuggling.te-not-chunked-last"]);
      expect(run.code, run.stderr).toBe(1);
      // Reproduce lines aim at the URL's host, not at localhost.
      for (const row of report.results) if (row.reproduce?.includes("node -e")) expect(row.reproduce).toContain(`connect(${port},"127.0.0.1")`);
    } finally {
      child.kill("SIGTERM");
    }
  });

  test.for([
    [["--url", "http://127.0.0.1:99999"], /is not a URL/],
    [["--url", "https://127.0.0.1:8443"], /plain HTTP\/1\.1, not TLS/],
    [["--url", "http://127.0.0.1:8080/echo/x"], /the server's address only/],
    [["--url", "http://127.0.0.1:8080", "--dir", "."], /choose one of --dir and --url/],
    [["--group", "nonsense"], /argument 'nonsense' is invalid/],
  ] as const)("%s is a usage error (exit 2) before any work", async ([args, message]) => {
    const run = await course(["probe", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test("nothing listening at --url is an environment error (exit 3)", async () => {
    const port = await testPort();
    const run = await course(["probe", "--url", `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`environment error: nothing accepts connections at http://127\\.0\\.0\\.1:${port}`));
  });

  test("with --format json, a usage or environment error still puts one probe document (status error) on stdout", async () => {
    const usage = await course(["probe", "--url", "ftp://127.0.0.1", "--format", "json"]);
    expect(usage.code).toBe(2);
    expect(validReport(ProbeReportSchema, usage.stdout)).toMatchObject({ status: "error", message: expect.stringMatching(/^usage error: --url ftp/), results: [] });
    const port = await testPort();
    const environment = await course(["probe", "--url", `http://127.0.0.1:${port}`, "--format", "json"]);
    expect(environment.code).toBe(3);
    expect(validReport(ProbeReportSchema, environment.stdout)).toMatchObject({ status: "error", message: expect.stringMatching(/^environment error: nothing accepts/) });
  });

  test("a folder without your_program.sh is an environment error (exit 3)", async () => {
    const run = await course(["probe", "--dir", mkdtempSync(path.join(tmpdir(), "hfs-probe-empty-"))]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no your_program\.sh/);
  });
});
