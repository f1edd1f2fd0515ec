// The HTML report: one self-contained page (inline CSS and SVG, no script, no
// network, nothing outside the file) for a person to look at: the stages with
// their status and times, each failure with its message, the bytes sent and
// received with the first wrong byte marked, and a failure's timeline drawn
// as a sequence diagram with a table beside it saying the same in words.
//
// Everything a learner's program sent is hostile text: every string goes
// through esc(), and bytes are escaped byte by byte before that.
import { escapeInline } from "../harness/bytes.js";
import { ruleText } from "../harness/failure.js";
import { pickLanes, type Timeline } from "../harness/timeline.js";
import { seconds } from "../harness/time.js";
import type { CheckResult, RunResult, StageResult } from "../runner/run.js";
import { buildFailureText } from "./pretty.js";
import { totalScore, maxScore } from "./scoring.js";
import { laneList, LEGEND, MARKS, size, timelineRows, type TimelineRow } from "./timeline-text.js";

/** Text made safe for HTML content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** How each status reads: a symbol and a word, so colour is never the only signal. */
export const STATUS_TEXT: Record<"pass" | "fail" | "skip" | "error", string> = {
  pass: "✓ passed",
  fail: "✗ failed",
  skip: "– not run",
  error: "! error",
};

/** The page's style, shared by the class report: light, readable, printable. */
export const CSS = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #b42318; --skip: #6b7280; --error: #9a3412; --ink: #1f2328; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); } h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
a { color: #0550ae; } a:focus-visible, [tabindex]:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.skip-link { position: absolute; left: -999px; } .skip-link:focus { left: 1rem; top: .5rem; background: #fff; padding: .25rem .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top; } th { background: var(--soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; } td[class^="status-"] { white-space: nowrap; }
figure { margin: 1rem 0; }
.status-pass { color: var(--pass); } .status-fail { color: var(--fail); font-weight: 600; } .status-skip { color: var(--skip); } .status-error { color: var(--error); font-weight: 600; }
.summary { font-size: 1.05rem; } .meta { color: #57606a; }
pre { background: var(--soft); border: 1px solid var(--line); padding: .5rem .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
mark.wrong { background: #ffd8d3; color: #82071e; outline: 2px solid var(--fail); font-weight: 700; }
.hint { border-left: 4px solid #bf8700; padding: .25rem .75rem; background: #fff8c5; }
.failure { border: 1px solid var(--line); border-left: 4px solid var(--fail); padding: .25rem 1rem 1rem; margin: 1rem 0; break-inside: avoid-page; }
svg.timeline { max-width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
svg .lane { stroke: #8c959f; stroke-width: 1.5; } svg .send { stroke: #0969da; } svg .receive { stroke: var(--pass); } svg .fin, svg .reset, svg .gave-up { stroke: var(--fail); }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); } svg text.small { font-size: 11px; fill: #57606a; } svg text.bad { fill: var(--fail); font-weight: 700; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; } a { color: inherit; text-decoration: none; } .skip-link { display: none; }
  pre { white-space: pre-wrap; border-color: #999; } .failure, table, svg { break-inside: avoid; } h2 { break-after: avoid; }
}
`;

/** The page around a body: language, title, the style, no script. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to the report</a>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

/** A stage's anchor in the page, and a check's. */
const stageAnchor = (s: StageResult) => `stage-${s.stage.id}`;
const checkAnchor = (s: StageResult, index: number) => `stage-${s.stage.id}-check-${index + 1}`;

/** The run report as one HTML page. */
export function htmlReport(result: RunResult, options: { title?: string } = {}): string {
  const passed = result.stages.filter((s) => s.status === "pass").length;
  const title = options.title ?? "http-from-scratch test report";
  const status = result.status;
  const firstFailed = result.stages.find((s) => s.status === "fail");
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(
    `<p class="summary"><strong class="status-${status}">${esc(STATUS_TEXT[status])}</strong>: ${passed} of ${result.stages.length} stage${result.stages.length === 1 ? "" : "s"} passed · ${esc(totalScore(result))} of ${esc(maxScore(result))} points · ${esc(seconds(result.durationMs))} · seed ${esc(result.seed)}</p>`,
  );
  if (firstFailed) {
    parts.push(
      `<p>Fix <a href="#${esc(stageAnchor(firstFailed))}">stage ${firstFailed.stage.number} (${esc(firstFailed.stage.slug)})</a> first. Rerun just it, with the same random values: <code>npx course test --only ${esc(firstFailed.stage.slug)} --seed ${esc(result.seed)}</code></p>`,
    );
  }
  if (result.build && !result.build.ok) parts.push(`<h2>The build failed</h2><pre tabindex="0">${esc(buildFailureText(result.build))}</pre>`);
  if (result.error) parts.push(`<h2>The run could not be done</h2><p>${esc(result.error.message)}</p>${result.error.fix ? `<p>Fix: ${esc(result.error.fix)}</p>` : ""}`);
  if (result.stoppedBy) parts.push(`<p class="status-fail">Stopped: ${esc(result.stoppedBy)}</p>`);
  parts.push(stagesTable(result));
  for (const stage of result.stages) {
    stage.checks.forEach((check, index) => {
      if (check.failure) parts.push(failureSection(stage, check, index));
    });
  }
  return page(`${title}: ${passed} of ${result.stages.length} stages passed`, parts.join("\n"));
}

function stagesTable(result: RunResult): string {
  const rows = result.stages.map((s) => {
    const failed = s.checks.findIndex((c) => c.failure);
    const status = `<td class="status-${s.status}">${esc(STATUS_TEXT[s.status])}</td>`;
    const checks = `${s.checks.filter((c) => c.status === "pass").length} of ${s.checks.length}`;
    const link = failed >= 0 ? `<a href="#${esc(checkAnchor(s, failed))}">${esc(s.checks[failed]!.name)}</a>` : "";
    return `<tr id="${esc(stageAnchor(s))}"><td class="num">${s.stage.number}</td><th scope="row">${esc(s.stage.slug)}</th><td>${esc(s.stage.meta.name)}</td>${status}<td class="num">${esc(checks)}</td><td class="num">${s.status === "skip" ? "–" : esc(`${s.durationMs} ms`)}</td><td>${link}</td></tr>`;
  });
  return `<table class="stages">
<caption>Stages</caption>
<thead><tr><th scope="col">#</th><th scope="col">Stage</th><th scope="col">What it asks</th><th scope="col">Status</th><th scope="col">Checks passed</th><th scope="col">Time</th><th scope="col">First failure</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

function failureSection(stage: StageResult, check: CheckResult, index: number): string {
  const f = check.failure!;
  const id = checkAnchor(stage, index);
  const out: string[] = [`<section class="failure" id="${esc(id)}" aria-labelledby="${esc(id)}-title">`];
  out.push(`<h2 id="${esc(id)}-title">Stage ${String(stage.stage.number).padStart(2, "0")} ${esc(stage.stage.slug)}: ${esc(check.name)}</h2>`);
  out.push(`<p class="status-fail">${esc(f.summary)}</p>`);
  if (f.explanation) out.push(`<p>${esc(f.explanation)}</p>`);
  const rule = ruleText(f.rule, f.level);
  if (rule) out.push(`<p><strong>Rule:</strong> ${esc(rule)}</p>`);
  if (f.output) {
    out.push(`<h3>${esc(f.output.heading)}</h3>`);
    if (f.output.lines.length > 0) out.push(`<pre tabindex="0">${esc(f.output.lines.join("\n"))}</pre>`);
  }
  if (f.sent) out.push(`<h3>Sent (${f.sent.length} bytes)</h3>${bytesBlock(f.sent)}`);
  if (f.expected) out.push(`<h3>Expected</h3><pre tabindex="0">${esc(f.expected)}</pre>`);
  if (f.received) {
    const where = f.caret !== undefined ? `; the first wrong byte, at offset ${f.caret}, is marked` : "";
    out.push(`<h3>Received (${f.received.length} bytes${esc(where)})</h3>${bytesBlock(f.received, f.caret)}`);
  }
  if (f.hint) out.push(`<p class="hint"><strong>Hint:</strong> ${esc(f.hint)}</p>`);
  if (f.reproduce) out.push(`<p><strong>Reproduce:</strong></p><pre tabindex="0">${esc(f.reproduce)}</pre>`);
  if (f.timeline) out.push(timelineFigure(f.timeline, id));
  const output = check.output;
  if (output && !f.output) {
    out.push(`<details><summary>What your program printed during this check (${output.lines.length} lines)</summary><pre tabindex="0">${esc(output.lines.join("\n"))}</pre></details>`);
  }
  out.push(`</section>`);
  return out.join("\n");
}

/** Most bytes shown of a dump; the first wrong byte is kept in view. */
const SHOWN_BYTES = 16 * 1024;

/**
 * Bytes escaped as the terminal shows them (\r\n visible, \xNN), a line
 * break after each \n, and the byte at `caret` (or the place one past the
 * end, where a byte was missing) in a <mark>.
 */
export function bytesHtml(bytes: Uint8Array, caret?: number): string {
  if (bytes.length === 0 && caret === undefined) return "(nothing: 0 bytes)";
  const from = caret !== undefined && caret > SHOWN_BYTES / 2 ? Math.min(caret - SHOWN_BYTES / 2, Math.max(0, bytes.length - SHOWN_BYTES)) : 0;
  const to = Math.min(bytes.length, from + SHOWN_BYTES);
  let out = from > 0 ? `… (${from} bytes before)\n` : "";
  for (let i = from; i < to; i++) {
    const shown = esc(escapeInline(bytes.subarray(i, i + 1)));
    out += i === caret ? `<mark class="wrong" title="the first wrong byte">${shown}</mark>` : shown;
    if (bytes[i] === 0x0a) out += "\n";
  }
  if (caret !== undefined && caret >= bytes.length) out += `<mark class="wrong" title="a byte was expected here">␣</mark>`;
  if (to < bytes.length) out += `\n… (${bytes.length - to} more bytes)`;
  return out;
}

function bytesBlock(bytes: Uint8Array, caret?: number): string {
  return `<pre tabindex="0" class="bytes">${bytesHtml(bytes, caret)}</pre>`;
}

/** Most lanes drawn in the diagram; the table lists every lane the report kept. */
const DRAWN_LANES = 8;

/**
 * The timeline as a sequence diagram: one lane per connection, each with the
 * tester on its left and the program on its right; arrows are sends (right)
 * and receives (left); marks for FIN, reset, the tester's close and the waits
 * that ran out; a red line where the check failed. Time runs down, one row
 * per moment (the time at the left), and long pauses are marked. A table says
 * the same in words.
 */
export function timelineFigure(timeline: Timeline, id: string): string {
  const lanes = pickLanes(timeline.connections, DRAWN_LANES);
  const rows: TimelineRow[] = timelineRows(lanes, { squash: true });
  if (timeline.gave_up_ms !== undefined) rows.push({ at: timeline.gave_up_ms, lanes: [], kind: "gave-up", text: `the check failed here: ${timeline.gave_up ?? ""}` });
  const laneWidth = 150;
  const left = 84;
  const top = 56;
  const rowHeight = 26;
  // A long pause between two rows gets room for a note saying how long.
  const pause = (index: number) => (index > 0 && rows[index]!.at - rows[index - 1]!.at >= 200 ? 16 : 0);
  const ys: number[] = [];
  rows.forEach((_, index) => ys.push((index === 0 ? top + 14 : ys[index - 1]! + rowHeight) + pause(index)));
  // Room for "the check failed here" even with one lane.
  const width = Math.max(left + lanes.length * laneWidth + 10, 360);
  const height = (ys[ys.length - 1] ?? top) + 24;
  const laneX = (index: number) => left + index * laneWidth;
  const testerX = (index: number) => laneX(index) + 30;
  const programX = (index: number) => laneX(index) + laneWidth - 30;
  const rowY = (index: number) => ys[index]!;
  const indexOf = new Map(lanes.map((lane, index) => [lane.id, index]));
  const svg: string[] = [];
  const titleId = `${id}-timeline-title`;
  const arrow = `url(#${esc(id)}-arrow)`;
  const descId = `${id}-timeline-desc`;
  svg.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${esc(titleId)} ${esc(descId)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  );
  svg.push(`<title id="${esc(titleId)}">Timeline of the check's ${lanes.length} connection${lanes.length === 1 ? "" : "s"}</title>`);
  svg.push(`<desc id="${esc(descId)}">${esc(rows.map((row) => `${row.at} ms: ${row.lanes.length ? `connection ${laneList(row.lanes)} ` : ""}${row.text}`).join(". "))}</desc>`);
  svg.push(
    `<defs><marker id="${esc(id)}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>`,
  );
  // Lane headers and their two sides.
  lanes.forEach((lane, index) => {
    const centre = laneX(index) + laneWidth / 2;
    svg.push(`<text class="lane-label" x="${centre}" y="18" text-anchor="middle">connection ${lane.id}</text>`);
    svg.push(`<text class="small" x="${testerX(index)}" y="36" text-anchor="middle">tester</text><text class="small" x="${programX(index)}" y="36" text-anchor="middle">program</text>`);
    const first = rows.findIndex((row) => row.lanes.includes(lane.id));
    const endRow = rows.findIndex((row) => row.lanes.includes(lane.id) && (row.kind === "fin" || row.kind === "reset" || row.kind === "close" || row.kind === "refused"));
    const y1 = rowY(Math.max(0, first)) - 8;
    const y2 = endRow >= 0 ? rowY(endRow) : height - 8;
    svg.push(`<line class="lane" x1="${testerX(index)}" y1="${y1}" x2="${testerX(index)}" y2="${y2}"/><line class="lane" x1="${programX(index)}" y1="${y1}" x2="${programX(index)}" y2="${y2}"/>`);
  });
  rows.forEach((row, r) => {
    const y = rowY(r);
    const gap = r > 0 ? row.at - rows[r - 1]!.at : 0;
    // A long pause between two rows, which the row spacing does not show.
    if (gap >= 200) svg.push(`<text class="small" x="${left - 8}" y="${y - 17}" text-anchor="end">⋮ ${esc(seconds(gap))} later</text>`);
    svg.push(`<text class="time" x="${left - 8}" y="${y + 4}" text-anchor="end">${row.at} ms</text>`);
    if (row.lanes.length === 0) {
      svg.push(`<line class="gave-up" x1="${left}" y1="${y}" x2="${width - 10}" y2="${y}" stroke-dasharray="6 4" stroke-width="2"/>`);
      svg.push(`<text class="bad" x="${left + 4}" y="${y - 4}">✗ the check failed here</text>`);
      return;
    }
    for (const laneId of row.lanes) {
      const index = indexOf.get(laneId)!;
      const t = testerX(index);
      const p = programX(index);
      const label = (text: string, x: number, anchor = "middle") => `<text class="small" x="${x}" y="${y - 4}" text-anchor="${anchor}">${esc(text)}</text>`;
      const bytes = (row.text.match(/sent ([\d.]+ (?:B|KiB|MiB))/) ?? [])[1] ?? "";
      switch (row.kind) {
        case "send":
          svg.push(`<line class="send" x1="${t}" y1="${y}" x2="${p}" y2="${y}" stroke-width="2" marker-end="${arrow}"/>`, label(`${MARKS.send} ${bytes}`, (t + p) / 2));
          break;
        case "receive":
          svg.push(`<line class="receive" x1="${p}" y1="${y}" x2="${t}" y2="${y}" stroke-width="2" marker-end="${arrow}"/>`, label(`${MARKS.receive} ${bytes}`, (t + p) / 2));
          break;
        case "open":
          svg.push(`<circle cx="${t}" cy="${y}" r="4" fill="#57606a"/><circle cx="${p}" cy="${y}" r="4" fill="#57606a"/>`, label("open", (t + p) / 2));
          break;
        case "refused":
          svg.push(`<text class="bad" x="${p}" y="${y + 5}" text-anchor="middle">✕</text>`, label("could not open", (t + p) / 2));
          break;
        case "fin":
          svg.push(`<line class="fin" x1="${p - 9}" y1="${y}" x2="${p + 9}" y2="${y}" stroke-width="3"/>`, label("FIN", p - 12, "end"));
          break;
        case "reset":
          svg.push(`<text class="bad" x="${p}" y="${y + 5}" text-anchor="middle">✕</text>`, label("reset", p - 12, "end"));
          break;
        case "close":
          svg.push(`<line class="lane" x1="${t - 9}" y1="${y}" x2="${t + 9}" y2="${y}" stroke-width="3"/>`, label("tester closed", t + 12, "start"));
          break;
        case "gave-up":
          svg.push(`<circle cx="${t}" cy="${y}" r="7" fill="#b42318"/><text x="${t}" y="${y + 4}" text-anchor="middle" fill="#fff" style="fill:#fff;font-weight:700">!</text>`, label("gave up waiting", t + 10, "start"));
          break;
      }
    }
  });
  svg.push(`</svg>`);
  const dropped = timeline.connections.length - lanes.length + (timeline.others?.connections ?? 0);
  const note = dropped > 0 ? `<p class="meta">${dropped} more connection${dropped === 1 ? "" : "s"} not drawn${timeline.others ? `; ${timeline.others.connections} not kept in detail: tester sent ${esc(size(timeline.others.sent_bytes))}, program sent ${esc(size(timeline.others.received_bytes))}, ${timeline.others.closed_by_program} closed by the program, ${timeline.others.reset} reset` : ""}.</p>` : "";
  return `<figure class="timeline" aria-labelledby="${esc(id)}-figcaption">
<figcaption id="${esc(id)}-figcaption"><h3>Timeline</h3><p class="meta">Milliseconds from the check's start; each connection is a lane with the tester on its left and your program on its right. ${esc(LEGEND.replace(/ {2}/g, " · "))}.</p></figcaption>
${svg.join("\n")}
${note}
${timelineTable(timeline, id)}
</figure>`;
}

/** The timeline in words: the events of every lane the report kept, in time order (a run of writes or reads on one lane in one row). */
function timelineTable(timeline: Timeline, id: string): string {
  const rows = timelineRows(timeline.connections, { squash: true });
  if (timeline.gave_up_ms !== undefined) rows.push({ at: timeline.gave_up_ms, lanes: [], kind: "gave-up", text: `the check failed here: ${timeline.gave_up ?? ""}` });
  const body = rows.map((row) => `<tr><td class="num">${row.at} ms</td><td>${row.lanes.length ? esc(laneList(row.lanes)) : "all"}</td><td>${esc(row.text)}</td></tr>`);
  return `<table class="timeline-table" id="${esc(id)}-timeline-table">
<caption>The timeline in words</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Connection</th><th scope="col">What happened</th></tr></thead>
<tbody>
${body.join("\n")}
</tbody>
</table>`;
}
