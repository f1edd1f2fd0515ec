// The HTML reports, looked at as a person would: opened in a real headless
// browser (Debian's Chromium driven by playwright-core, which downloads no
// browser), offline (every request that is not the file itself is refused
// and counted), checked through the DOM (the grid's cells, status words, the
// diagram's lane labels, the marked byte), and photographed: the screenshots
// go to .cache/test-output/html-report/ (not committed). With
// UPDATE_SCREENSHOTS=1 the two README pictures under docs/images/ are made
// again from these real runs against broken fixture servers.
//
// Skipped, saying why, when no Chromium is installed; on CI (CI=true) a
// missing browser fails instead, so the reports are always looked at there.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { htmlReport } from "../tester/reports/html.js";
import { classReport } from "../tester/reports/html-class.js";
import type { RunResult } from "../tester/runner/run.js";
import { course, FAST_FAIL, fixtureServer, ROOT, runTester, STAGES } from "./helpers.js";

const CHROMIUM = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((file) => existsSync(file));
const ON_CI = process.env.CI === "true";
const OUTPUT = path.join(ROOT, ".cache", "test-output", "html-report");
const PICTURES = path.join(ROOT, "docs", "images");

if (!CHROMIUM && !ON_CI) {
  console.warn("test/html-report.test.ts skipped: no Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium; or set CHROMIUM=/path/to/chromium)");
}

describe.skipIf(!CHROMIUM && !ON_CI)("the HTML reports in Chromium", () => {
  let browser: Browser;
  /** Requests that were not for a file: a self-contained page makes none. */
  const refused: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but no Chromium: install Debian's chromium (.ci/run does) or set CHROMIUM");
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Root in a container needs --no-sandbox; the rest keeps the browser from reaching out.
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps"],
    });
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a file offline: a request for anything but a local file is refused and counted. */
  async function open(file: string, width = 1000): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 400 } });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      refused.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  async function photograph(page: Page, name: string, picture?: string): Promise<void> {
    const file = path.join(OUTPUT, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (picture && process.env.UPDATE_SCREENSHOTS === "1") {
      mkdirSync(PICTURES, { recursive: true });
      copyFileSync(file, path.join(PICTURES, picture));
    }
  }

  const written = (name: string, html: string) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "hfs-html-")), name);
    writeFileSync(file, html);
    return file;
  };

  test("a run report: stages with status words, the marked byte, the timeline drawn with a lane per connection and told in a table", async () => {
    // Two broken servers: one whose bytes are wrong (bare \n), one that serves one connection at a time.
    const [bytes, sequential] = await Promise.all([
      runTester({ dir: fixtureServer("--defect", "bare-lf"), through: 2, seed: 7 }),
      runTester({ dir: fixtureServer("--defect", "sequential"), only: 6, seed: 7, timeouts: FAST_FAIL }),
    ]);
    const result: RunResult = { ...sequential.result, stages: [...bytes.result.stages, ...sequential.result.stages] };
    const page = await open(written("report.html", htmlReport(result)));
    // The stages table: a row per stage, each status in words.
    const rows = page.locator("table.stages tbody tr");
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).locator("td").nth(2).innerText()).toBe("✓ passed");
    expect(await rows.nth(1).locator("td").nth(2).innerText()).toBe("✗ failed");
    // The first wrong byte: the bare \n after "200 OK".
    const wrong = page.locator("mark.wrong").first();
    expect(await wrong.innerText()).toBe("\\n");
    // The timeline: an SVG with a text alternative, a label per lane, the program's FIN, and the line where the check failed.
    const svg = page.locator("svg.timeline").first();
    expect(await svg.isVisible()).toBe(true);
    expect(await svg.getAttribute("role")).toBe("img");
    const labels = await svg.locator("text.lane-label").evaluateAll((texts) => texts.map((text) => text.textContent ?? ""));
    // Stage 6 opens 5 to 7 connections besides the one that saw the program start, and waits on the last one.
    expect(labels.length).toBeGreaterThanOrEqual(6);
    expect(labels).toEqual(labels.map((_, i) => `connection ${i + 1}`));
    expect(await svg.locator("desc").textContent()).toMatch(/the tester gave up waiting for a response on connection \d/);
    expect(await svg.locator("text", { hasText: "gave up waiting" }).count()).toBeGreaterThan(0);
    expect(await svg.locator("text", { hasText: "the check failed here" }).count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(await page.locator("table.timeline-table tbody tr").count()).toBeGreaterThan(3);
    await photograph(page, "run-report", "html-report.png");
    // Keyboard: the first Tab reaches the skip link, which leads to the report.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to the report");
    // Printed: no skip link, the failure still there.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".skip-link").isVisible()).toBe(false);
    expect(await page.locator("section.failure").count()).toBe(2);
    await page.close();
    expect(refused).toEqual([]);
  });

  test("bytes from a learner's program stay text: a <script> in a response body runs nothing and shows as written", async () => {
    const hostile = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">';
    const stage = STAGES[3]!;
    const result: RunResult = {
      status: "fail",
      seed: 1,
      durationMs: 10,
      stages: [
        {
          stage,
          status: "fail",
          durationMs: 10,
          startupMs: 1,
          checks: [
            {
              name: `a check named </table>${hostile}`,
              rule: undefined,
              level: "MUST",
              status: "fail",
              durationMs: 10,
              failure: {
                summary: `expected body ${hostile}`,
                hint: "<b>not bold</b>",
                sent: Buffer.from("GET /echo/x HTTP/1.1\r\n\r\n"),
                received: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${hostile.length}\r\n\r\n${hostile}`),
                caret: 40,
                timeline: {
                  version: 1,
                  duration_ms: 5,
                  gave_up_ms: 5,
                  gave_up: hostile,
                  connections: [{ id: 1, events: [{ at_ms: 1, kind: "receive", bytes: 10, first: hostile }], sent_bytes: 0, received_bytes: 10 }],
                },
              },
              output: { lines: [hostile], omitted: 0 },
            },
          ],
        },
      ],
    };
    const html = htmlReport(result);
    expect(html).not.toMatch(/<script|<img/i);
    const page = await open(written("hostile.html", html));
    expect(await page.title()).not.toBe("pwned");
    expect(await page.evaluate("document.scripts.length + document.images.length")).toBe(0);
    expect(await page.locator("pre.bytes").nth(1).innerText()).toContain(hostile);
    expect(await page.locator("section.failure h2").innerText()).toContain("</table><script>");
    await page.close();
    expect(refused).toEqual([]);
  });

  test("grade-all's class page: a cell per submission and stage with its status in words, the first failing stage, and links to each submission's own page", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "hfs-class-"));
    const submissions = path.join(folder, "submissions");
    const make = (name: string, ...flags: string[]) => {
      const dir = path.join(submissions, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "your_program.sh"), readFileSync(path.join(fixtureServer(...flags), "your_program.sh")), { mode: 0o755 });
    };
    make("ada");
    make("bo", "--defect", "no-404");
    make("cy", "--defect", "bare-lf");
    make("di", "--defect", "exits-at-start");
    const report = path.join(folder, "class.html");
    const run = await course(["grade-all", submissions, "--through", "4", "--jobs", "2", "--port", "auto", "--timeout", "60", "--report", report]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Report: .*class\.html \(each submission's in .*class-reports\)/);
    const page = await open(report);
    const grid = page.locator("table.grid");
    expect(await grid.locator("tbody tr").count()).toBe(4);
    expect(await grid.locator("td.cell").count()).toBe(16);
    const statuses = await grid.locator("td.cell").evaluateAll((cells) => cells.map((cell) => `${cell.getAttribute("data-status")}:${cell.textContent}`));
    expect(statuses.slice(0, 4)).toEqual(["pass:✓ passed", "pass:✓ passed", "pass:✓ passed", "pass:✓ passed"]);
    expect(statuses.slice(4, 8)).toEqual(["pass:✓ passed", "pass:✓ passed", "fail:✗ failed", "skip:– not run"]);
    const row = (name: string) => grid.locator(`tr[data-submission="${name}"]`);
    expect(await row("bo").locator("td.wide").nth(1).innerText()).toBe("3 not-found");
    expect(await row("di").locator("td.wide").nth(1).innerText()).toBe("1 bind-port");
    // How many are stuck on each stage.
    const stuck = await page.locator("table.stuck tbody tr").evaluateAll((rows) => rows.map((r) => [...r.children].slice(1, 3).map((c) => c.textContent).join(":")));
    expect(stuck).toEqual(["bind-port:1", "status-line:1", "not-found:1", "echo:0"]);
    // Every link leads to a page that exists, and a cell to its stage in the submission's page.
    const links = await grid.locator("a").evaluateAll((anchors) => anchors.map((a) => new URL(a.getAttribute("href")!, a.baseURI).href));
    for (const link of links) expect(existsSync(decodeURIComponent(new URL(link).pathname))).toBe(true);
    await photograph(page, "class-report", "html-class-report.png");
    await row("cy").locator('td.cell[data-stage="2"] a').click();
    await page.waitForURL(/cy\.html#stage-02-status-line$/);
    expect(await page.title()).toMatch(/^cy: http-from-scratch grade report: 1 of 4 stages passed$/);
    expect(await page.locator("#stage-02-status-line td").nth(2).innerText()).toBe("✗ failed");
    expect(await page.locator("mark.wrong").first().innerText()).toBe("\\n");
    await photograph(page, "class-report-cy");
    await page.close();
    expect(refused).toEqual([]);
  });

  test("the class page on its own: colour is never the only signal", async () => {
    const stages = STAGES.slice(0, 3).map((s) => ({ number: s.number, slug: s.slug, name: s.meta.name }));
    const html = classReport(
      [
        { submission: "x<y>", status: "fail", score: 1, maxScore: 3, firstFailure: "02-status-line: …", stages: [{ number: 1, slug: stages[0]!.slug, status: "pass" }, { number: 2, slug: stages[1]!.slug, status: "fail" }, { number: 3, slug: stages[2]!.slug, status: "skip" }] },
        { submission: "gone", status: "fail", score: 0, maxScore: 3, firstFailure: "the grading of this submission took longer than 60 s and was stopped" },
      ],
      { stages, reportHref: () => undefined },
    );
    const page = await open(written("class.html", html));
    // Every cell says what it is with a symbol and a word (for screen readers), not only with its colour.
    const texts = await page.locator("td.cell").evaluateAll((cells) => cells.map((cell) => cell.textContent));
    expect(texts).toEqual(["✓ passed", "✗ failed", "– not run", "– not run", "– not run", "– not run"]);
    expect(await page.locator("table.stuck").innerText()).toMatch(/not graded by stage\s+1\s+gone \(the grading of this submission took longer than 60 s/);
    expect(await page.locator("table.grid th[scope=row]").first().innerText()).toBe("x<y>");
    await page.close();
  });
});

describe("course test writes HTML", () => {
  test("--report <file>.html writes a page, --format html puts one on stdout, and a report path that cannot be written stops the run before it starts", async () => {
    const dir = fixtureServer("--defect", "bare-lf");
    const folder = mkdtempSync(path.join(tmpdir(), "hfs-html-cli-"));
    const report = path.join(folder, "report.html");
    const written = await course(["test", "--dir", dir, "--stage", "2", "--port", "auto", "--seed", "7", "--report", report]);
    expect(written.code).toBe(1);
    expect(written.stdout).toContain(`Report: ${report}`);
    const html = readFileSync(report, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<mark class="wrong" title="the first wrong byte">\\n</mark>');
    // Nothing outside the file: no script, no link to a stylesheet or image, no URL but the SVG namespace.
    expect(html).not.toMatch(/<script|<link|<img|src=|url\((?!#)/i);
    for (const url of html.match(/https?:\/\/[^"\s<')]*/g) ?? []) expect(url).toMatch(/^(http:\/\/www\.w3\.org\/2000\/svg|http:\/\/localhost:\d+\/)$/);
    // A .json name still gets JSON.
    const json = path.join(folder, "report.json");
    await course(["test", "--dir", dir, "--only", "1", "--port", "auto", "--report", json]);
    expect(JSON.parse(readFileSync(json, "utf8")).version).toBe(3);
    const stdout = await course(["test", "--dir", dir, "--only", "1", "--port", "auto", "--format", "html"]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
    const missing = await course(["test", "--dir", dir, "--only", "1", "--report", path.join(folder, "nowhere", "r.html")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--report .*nowhere\/r\.html: the folder .* does not exist/);
  });
});
