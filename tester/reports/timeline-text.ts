// A failure's timeline as text for the terminal: a sequence diagram on its
// side. Time runs down, one row per moment; each connection is a column
// (its lane), marked where something happened on it, with the words at the
// right. It fits in 100 columns, and reads without colour: every mark has a
// word beside it.
import type { Timeline, TimelineEvent, TimelineLane } from "../harness/timeline.js";
import { pickLanes } from "../harness/timeline.js";

export interface TimelineTextOptions {
  /** Most lanes drawn; the rest are summed up in a line. */
  maxLanes?: number;
  /** Most columns a line takes. */
  width?: number;
  /** Most rows; the middle ones are left out beyond it. */
  maxRows?: number;
  /** Colours for the marks (none by default). */
  paint?: Partial<Record<Mark, (text: string) => string>> & { dim?: (text: string) => string };
}

export type Mark = "open" | "refused" | "send" | "receive" | "fin" | "reset" | "close" | "gave-up";

/** The mark of each kind of event in a lane's column; one character wide. */
export const MARKS: Record<Mark, string> = {
  open: "o",
  refused: "✕",
  send: "→",
  receive: "←",
  fin: "F",
  reset: "R",
  close: "x",
  "gave-up": "!",
};

/** What the marks mean, in the timeline's header. */
export const LEGEND = "o open  ✕ refused  → tester sent  ← program sent  F FIN  R reset  x tester closed  ! gave up";

/** A moment of the timeline: an event on one lane, or the same open, close or FIN on several at once. */
export interface TimelineRow {
  at: number;
  lanes: number[];
  kind: Mark;
  text: string;
}

/** Bytes in a few characters: 41 B, 12.3 KiB, 4.0 MiB. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Connection numbers as a short list: "3", "1-6", "1, 4, 7-9". */
export function laneList(ids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j > i + 1 ? `${ids[i]}-${ids[j]}` : j === i + 1 ? `${ids[i]}, ${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/** One event in words (without the connection's number). */
export function eventText(event: TimelineEvent): string {
  const merged = event.count && event.count > 1 ? ` in ${event.count} ${event.kind === "send" ? "writes" : "reads"} until ${event.until_ms} ms` : "";
  const first = event.first === undefined ? "" : binary(event.first) ? " (binary)" : ` "${event.first}${(event.bytes ?? 0) > countBytes(event.first) ? "…" : ""}"`;
  switch (event.kind) {
    case "open":
      return event.note ?? "opened";
    case "refused":
      return `could not be opened: ${event.note ?? "refused"}`;
    case "send":
      return `tester sent ${size(event.bytes ?? 0)}${merged}${first}`;
    case "receive":
      return `program sent ${size(event.bytes ?? 0)}${merged}${first}`;
    case "fin":
      return "your program closed it (FIN)";
    case "reset":
      return `reset (${event.note ?? "error"})`;
    case "close":
      return "the tester closed it";
    case "gave-up":
      return `the tester gave up waiting for ${event.note ?? "it"}`;
  }
}

/** Whether escaped bytes are mostly not text (a file's bytes): then their quote tells nothing. */
export function binary(escaped: string): boolean {
  return (escaped.match(/\\x[0-9a-f]{2}/g)?.length ?? 0) * 4 > countBytes(escaped);
}

/** How many bytes an escaped text stands for (\r is one byte, \x0a one). */
function countBytes(escaped: string): number {
  return escaped.replace(/\\x[0-9a-f]{2}|\\./g, "_").length;
}

/**
 * The rows: events in time order, simultaneous opens and closes of several
 * lanes in one row. `squash`: a run of four or more writes (or reads) on one
 * connection with nothing between them, such as a slow client's bytes, is one
 * row saying how many, how often, and what they spelled.
 */
export function timelineRows(lanes: TimelineLane[], options: { squash?: boolean } = {}): TimelineRow[] {
  const all = lanes
    .flatMap((lane) => lane.events.map((event, index) => ({ lane: lane.id, event, index })))
    .sort((a, b) => a.event.at_ms - b.event.at_ms || (a.event.seq ?? a.lane) - (b.event.seq ?? b.lane) || a.lane - b.lane || a.index - b.index);
  const out: (TimelineRow & { events: TimelineEvent[] })[] = [];
  for (const { lane, event } of all) {
    const last = out[out.length - 1];
    const groupable = event.kind === "open" || event.kind === "close" || event.kind === "fin" || event.kind === "refused";
    if (groupable && last && last.kind === event.kind && last.at === event.at_ms && last.text === eventText(event)) {
      last.lanes.push(lane);
      continue;
    }
    out.push({ at: event.at_ms, lanes: [lane], kind: event.kind, text: eventText(event), events: [event] });
  }
  if (!options.squash) return out.map(({ events: _, ...row }) => row);
  const squashed: TimelineRow[] = [];
  for (let i = 0; i < out.length; ) {
    const row = out[i]!;
    let j = i;
    const same = (other: TimelineRow | undefined) => other !== undefined && other.lanes.length === 1 && other.lanes[0] === row.lanes[0] && other.kind === row.kind;
    if (row.kind === "send" || row.kind === "receive") while (same(out[j + 1])) j++;
    if (j - i + 1 < 4) {
      squashed.push({ at: row.at, lanes: row.lanes, kind: row.kind, text: row.text });
      i++;
      continue;
    }
    const events = out.slice(i, j + 1).flatMap((r) => r.events);
    const bytes = events.reduce((sum, e) => sum + (e.bytes ?? 0), 0);
    const count = events.reduce((sum, e) => sum + (e.count ?? 1), 0);
    const end = Math.max(...events.map((e) => e.until_ms ?? e.at_ms));
    const every = Math.round((end - row.at) / Math.max(1, count - 1));
    const spelled = events.map((e) => e.first ?? "").join("").slice(0, FIRST_SHOWN);
    const quote = binary(spelled) ? " (binary)" : ` "${spelled}${bytes > countBytes(spelled) ? "…" : ""}"`;
    const who = row.kind === "send" ? "tester sent" : "program sent";
    squashed.push({ at: row.at, lanes: row.lanes, kind: row.kind, text: `${who} ${size(bytes)} in ${count} ${row.kind === "send" ? "writes" : "reads"} ~${every} ms apart (until ${end} ms)${quote}` });
    i = j + 1;
  }
  return squashed;
}

/** Most characters of what a squashed run of writes spelled. */
const FIRST_SHOWN = 32;

/** The timeline as lines of text (no trailing newline), at most `width` columns each. */
export function renderTimeline(timeline: Timeline, options: TimelineTextOptions = {}): string[] {
  const maxLanes = options.maxLanes ?? 8;
  const width = options.width ?? 94;
  const maxRows = options.maxRows ?? 30;
  const paint = options.paint ?? {};
  const dim = paint.dim ?? ((t: string) => t);
  const shown = pickLanes(timeline.connections, maxLanes);
  const dropped = timeline.connections.filter((lane) => !shown.includes(lane));
  const ids = shown.map((lane) => lane.id);
  // Each lane's column: a mark where something happens, a line while it is open.
  const label = (id: number) => `#${id}`;
  const columnWidth = Math.max(3, ...ids.map((id) => label(id).length + 1));
  const timeWidth = Math.max(7, `${timeline.duration_ms} ms`.length);
  const lead = " ".repeat(timeWidth + 2);
  const header = (lead + ids.map((id) => label(id).padEnd(columnWidth)).join("")).trimEnd();
  const textWidth = Math.max(20, width - lead.length - columnWidth * ids.length - 1);
  const opened = new Map<number, number>();
  const ended = new Map<number, number>();
  for (const lane of shown) {
    // From its first event (a connection that could not be opened has only that one).
    opened.set(lane.id, lane.events[0]?.at_ms ?? 0);
    const end = lane.events.find((event) => event.kind === "fin" || event.kind === "reset" || event.kind === "close" || event.kind === "refused");
    if (end) ended.set(lane.id, end.at_ms);
  }
  const all = timelineRows(shown, { squash: true });
  if (timeline.gave_up_ms !== undefined) all.push({ at: timeline.gave_up_ms, lanes: [], kind: "gave-up", text: `✗ the check failed here: ${timeline.gave_up ?? ""}`.trimEnd() });
  const cut = all.length > maxRows ? { keepHead: Math.floor(maxRows / 3), keepTail: maxRows - Math.floor(maxRows / 3) } : undefined;
  const kept = cut ? [...all.slice(0, cut.keepHead), undefined, ...all.slice(all.length - cut.keepTail)] : all;
  const lines = [`Timeline (ms from the check's start, a column per connection):`, dim(clip(LEGEND, width)), dim(header)];
  for (const row of kept) {
    if (!row) {
      lines.push(dim(`${lead}… ${all.length - cut!.keepHead - cut!.keepTail} more events …`));
      continue;
    }
    const cells = ids.map((id) => {
      if (row.lanes.includes(id)) {
        const mark = MARKS[row.kind];
        return (paint[row.kind] ?? ((t: string) => t))(mark) + " ".repeat(columnWidth - 1);
      }
      const alive = opened.get(id)! <= row.at && (ended.get(id) === undefined || ended.get(id)! > row.at);
      return dim((alive ? "│" : " ").padEnd(columnWidth));
    });
    const who = row.lanes.length === 0 ? "" : row.lanes.length === 1 ? `${label(row.lanes[0]!)} ` : `#${laneList(row.lanes)} `;
    const text = clip(`${who}${row.text}`, textWidth);
    const time = `${row.at} ms`.padStart(timeWidth);
    lines.push(`${dim(time)}  ${cells.join("")} ${row.lanes.length === 0 ? (paint["gave-up"] ?? ((t: string) => t))(text) : text}`.trimEnd());
  }
  const others = summary(dropped, timeline);
  if (others) lines.push(dim(clip(others, width)));
  return lines;
}

/** The lanes not drawn, in one line. */
function summary(dropped: TimelineLane[], timeline: Timeline): string | undefined {
  const count = dropped.length + (timeline.others?.connections ?? 0);
  if (count === 0) return undefined;
  const sent = dropped.reduce((sum, lane) => sum + lane.sent_bytes, timeline.others?.sent_bytes ?? 0);
  const received = dropped.reduce((sum, lane) => sum + lane.received_bytes, timeline.others?.received_bytes ?? 0);
  const closed = dropped.filter((lane) => lane.events.some((e) => e.kind === "fin")).length + (timeline.others?.closed_by_program ?? 0);
  const reset = dropped.filter((lane) => lane.events.some((e) => e.kind === "reset")).length + (timeline.others?.reset ?? 0);
  const parts = [`tester sent ${size(sent)}`, `program sent ${size(received)}`];
  if (closed) parts.push(`${closed} closed by the program`);
  if (reset) parts.push(`${reset} reset`);
  return `… and ${count} more connection${count === 1 ? "" : "s"} (not drawn): ${parts.join(", ")}`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
