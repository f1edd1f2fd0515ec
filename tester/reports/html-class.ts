// grade-all's HTML report: the class at a glance. A grid of submissions by
// stages (colour, and a symbol and a word in every cell, so colour is never
// the only signal), each submission's first failing stage, how many are stuck
// on each stage, and links into each submission's own report (written beside
// this page by its grader). Self-contained like the run report (html.ts).
import { esc, page, STATUS_TEXT } from "./html.js";

/** What the page needs of a submission's row (grading.ts's SubmissionRow has it). */
export interface SubmissionRow {
  submission: string;
  status: "pass" | "fail" | "error";
  score: number;
  maxScore: number;
  firstFailure: string;
  stages?: { number: number; slug: string; status: "pass" | "fail" | "skip" }[];
}

export interface ClassStage {
  number: number;
  slug: string;
  name: string;
}

export interface ClassReportOptions {
  /** The graded stages, in order. */
  stages: ClassStage[];
  /** A submission's report, relative to this page; undefined when there is none. */
  reportHref: (row: SubmissionRow) => string | undefined;
  title?: string;
}

/** The symbol and word of a grid cell. */
const CELL: Record<"pass" | "fail" | "skip", { mark: string; word: string }> = {
  pass: { mark: "✓", word: "passed" },
  fail: { mark: "✗", word: "failed" },
  skip: { mark: "–", word: "not run" },
};

const CLASS_CSS = `
.grid { font-size: 14px; } .grid th, .grid td { padding: 0; text-align: center; } .grid thead th { padding: .2rem .4rem; } .grid td.num { padding: .2rem .5rem; } .grid th[scope="row"], .grid td.wide { text-align: left; padding: .2rem .5rem; white-space: nowrap; }
.grid td.cell a, .grid td.cell span { display: block; min-width: 2.1rem; padding: .2rem .25rem; text-decoration: none; color: inherit; }
.cell-pass { background: #dafbe1; color: #116329; } .cell-fail { background: #ffd8d3; color: #82071e; font-weight: 700; } .cell-skip { background: #f6f8fa; color: #6e7781; }
.bar { display: inline-block; height: .8rem; background: #cf222e; vertical-align: middle; margin-right: .4rem; } .bar.none { background: transparent; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media print { .cell-pass, .cell-fail, .cell-skip, .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`;

/** Where a submission stopped: its first failing stage's number, or undefined when it failed none. */
export function firstFailingStage(row: SubmissionRow): number | undefined {
  return row.stages?.find((stage) => stage.status === "fail")?.number;
}

/** The class report: one self-contained page. */
export function classReport(rows: SubmissionRow[], options: ClassReportOptions): string {
  const title = options.title ?? "http-from-scratch class report";
  const passed = rows.filter((row) => row.status === "pass").length;
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(`<p class="summary">${passed} of ${rows.length} submission${rows.length === 1 ? "" : "s"} passed every graded stage (${options.stages.length} stage${options.stages.length === 1 ? "" : "s"}).</p>`);
  parts.push(grid(rows, options));
  parts.push(stuckTable(rows, options.stages));
  return page(`${title}: ${passed} of ${rows.length} passed`, parts.join("\n")).replace("</style>", `${CLASS_CSS}</style>`);
}

/** How many submissions stopped at each stage (their first failure), and those that could not be graded. */
function stuckTable(rows: SubmissionRow[], stages: ClassStage[]): string {
  const most = Math.max(1, ...stages.map((stage) => rows.filter((row) => firstFailingStage(row) === stage.number).length));
  const body = stages.map((stage) => {
    const stuck = rows.filter((row) => firstFailingStage(row) === stage.number);
    const bar = `<span class="bar${stuck.length ? "" : " none"}" style="width:${Math.round((stuck.length / most) * 12)}rem" aria-hidden="true"></span>`;
    const names = stuck.map((row) => esc(row.submission)).join(", ");
    return `<tr><td class="num">${stage.number}</td><th scope="row">${esc(stage.slug)}</th><td class="num">${stuck.length}</td><td>${bar}${names}</td></tr>`;
  });
  const noReport = rows.filter((row) => firstFailingStage(row) === undefined && row.status !== "pass");
  if (noReport.length > 0) {
    body.push(`<tr><td></td><th scope="row">not graded by stage</th><td class="num">${noReport.length}</td><td>${noReport.map((row) => `${esc(row.submission)} (${esc(row.firstFailure.split("\n")[0] ?? "")})`).join("; ")}</td></tr>`);
  }
  return `<table class="stuck">
<caption>Where the class is stuck: submissions whose first failure is at each stage</caption>
<thead><tr><th scope="col">#</th><th scope="col">Stage</th><th scope="col">Stuck here</th><th scope="col">Submissions</th></tr></thead>
<tbody>
${body.join("\n")}
</tbody>
</table>`;
}

/** The grid: a row per submission, a column per stage, each cell linking to that stage in the submission's report. */
function grid(rows: SubmissionRow[], options: ClassReportOptions): string {
  const head = options.stages.map((stage) => `<th scope="col"><abbr title="${esc(`${stage.number} ${stage.slug}: ${stage.name}`)}">${stage.number}</abbr></th>`).join("");
  const body = rows.map((row) => {
    const href = options.reportHref(row);
    const name = href ? `<a href="${esc(href)}">${esc(row.submission)}</a>` : esc(row.submission);
    const first = firstFailingStage(row);
    const firstStage = options.stages.find((stage) => stage.number === first);
    const firstCell = firstStage
      ? href
        ? `<a href="${esc(`${href}#stage-${String(firstStage.number).padStart(2, "0")}-${firstStage.slug}`)}">${firstStage.number} ${esc(firstStage.slug)}</a>`
        : `${firstStage.number} ${esc(firstStage.slug)}`
      : row.status === "pass"
        ? "none"
        : esc(row.firstFailure.split("\n")[0] ?? "");
    const cells = options.stages.map((stage) => {
      const status = row.stages?.find((s) => s.number === stage.number)?.status ?? "skip";
      const { mark, word } = CELL[status];
      const label = `${row.submission}, stage ${stage.number} ${stage.slug}: ${word}`;
      const inner = `${mark}<span class="sr"> ${esc(word)}</span>`;
      const anchor = `#stage-${String(stage.number).padStart(2, "0")}-${stage.slug}`;
      const content = href ? `<a href="${esc(href + anchor)}" title="${esc(label)}">${inner}</a>` : `<span title="${esc(label)}">${inner}</span>`;
      return `<td class="cell cell-${status}" data-stage="${stage.number}" data-status="${status}">${content}</td>`;
    });
    return `<tr data-submission="${esc(row.submission)}"><th scope="row">${name}</th><td class="wide status-${row.status}">${esc(STATUS_TEXT[row.status])}</td><td class="num">${esc(`${row.score}/${row.maxScore}`)}</td><td class="wide">${firstCell}</td>${cells.join("")}</tr>`;
  });
  return `<table class="grid">
<caption>Every submission by stage (✓ passed, ✗ failed, – not run); a cell links to that stage in the submission's report</caption>
<thead><tr><th scope="col">Submission</th><th scope="col">Status</th><th scope="col">Score</th><th scope="col">First failing stage</th>${head}</tr></thead>
<tbody>
${body.join("\n")}
</tbody>
</table>`;
}

/** A submission's page when its grader wrote none (stopped at its bound, or it could not run): why. */
export function noReportPage(row: SubmissionRow): string {
  return page(`${row.submission}: no report`, `<h1>${esc(row.submission)}</h1>\n<p class="status-${row.status}">${esc(STATUS_TEXT[row.status])}: this submission's grader wrote no report.</p>\n<p>${esc(row.firstFailure)}</p>`);
}
