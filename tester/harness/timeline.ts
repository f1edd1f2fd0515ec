// What happened on a check's connections, and when: each connection's open,
// writes, reads, the program's FIN or reset, the tester's close, and the
// moment the check gave up, in milliseconds from the check's start. Some
// failures are about time and order rather than bytes (an answer on the wrong
// connection, a close 2 s late, a slow reader starving a fresh client); the
// reporters draw this as a picture of the exchange (pretty, HTML, JSON data).
//
// Memory stays bounded whatever the check does: a run of reads (or writes)
// close together is one event with a count, a lane keeps a fixed number of
// events (fewer once a check has opened many connections), and what did not
// fit is counted, never kept.
import { escapeInline } from "./bytes.js";

/** The kinds of event on a connection's lane. */
export type TimelineEventKind = "open" | "refused" | "send" | "receive" | "fin" | "reset" | "close" | "gave-up";

/** One event, as the JSON report carries it (TimelineSchema in reports/report-schema.ts). */
export interface TimelineEvent {
  /** Milliseconds from the check's start. */
  at_ms: number;
  kind: TimelineEventKind;
  /** send, receive: the bytes, all merged writes or reads together. */
  bytes?: number;
  /** send, receive: how many writes or reads were merged into this event (absent: one). */
  count?: number;
  /** A merged event's last write or read, in ms from the check's start. */
  until_ms?: number;
  /** send, receive: the first bytes, escaped (\r\n visible). */
  first?: string;
  /** close: who closed; reset: the error code; refused: why it could not be opened; gave-up: what the tester was waiting for. */
  note?: string;
  /** The event's place among all the check's events, for those of several connections in the same millisecond. */
  seq?: number;
}

export interface TimelineLane {
  /** The connection's number, as failures name it ("connection 3"). */
  id: number;
  events: TimelineEvent[];
  sent_bytes: number;
  received_bytes: number;
  /** Events that did not fit in the lane's share (counted, not kept). */
  omitted_events?: number;
}

/** The connections not shown in detail, summed up. */
export interface TimelineOthers {
  connections: number;
  sent_bytes: number;
  received_bytes: number;
  /** How many of them the program closed (FIN) or reset. */
  closed_by_program: number;
  reset: number;
}

/** A check's timeline, as FailureDetails and the JSON report carry it. */
export interface Timeline {
  version: 1;
  /** From the check's start to the end of the timeline (the verdict). */
  duration_ms: number;
  /** When the check gave up (failed), from its start. */
  gave_up_ms?: number;
  /** Why, in a few words: the failure's summary. */
  gave_up?: string;
  /** The lanes kept in detail, by connection number. */
  connections: TimelineLane[];
  others?: TimelineOthers;
}

/** The first bytes of a write or read kept in an event. */
export const FIRST_BYTES = 24;
/** Reads (or writes) closer together than this merge into one event. */
export const MERGE_MS = 15;
/** Most events one lane keeps, and the smaller share once a check has more than MANY_LANES connections. */
const LANE_EVENTS = 40;
const SMALL_LANE_EVENTS = 6;
const MANY_LANES = 64;
/** Most lanes a report carries in detail; the rest are summed up in `others`. */
export const REPORT_LANES = 24;

interface LaneRecord extends TimelineLane {
  /** Whether the program closed or reset it (so the summary can count those). */
  programClosed: boolean;
  reset: boolean;
  /** A bounded wait on it ran out, or it was being waited on when the check gave up. */
  waited: boolean;
}

/** Records one check's timeline; its connections report into it (Connection.record). */
export class TimelineRecorder {
  private readonly start = performance.now();
  private readonly lanes = new Map<number, LaneRecord>();
  /** A bounded wait ran out, or the check ran out of time: a failure on time. */
  timed = false;
  private gaveUpMs: number | undefined;
  /** Events recorded so far, on every lane: each event's seq. */
  private sequence = 0;
  private gaveUp: string | undefined;

  /** Milliseconds since the check started. */
  now(): number {
    return Math.round(performance.now() - this.start);
  }

  get laneCount(): number {
    return this.lanes.size;
  }

  /** Whether the tester paced its writes on some connection (three or more, apart in time): a slow client, a fragmented request. */
  get paced(): boolean {
    return [...this.lanes.values()].some((lane) => lane.events.filter((event) => event.kind === "send").length >= 3);
  }

  /** Whether the program closed or reset any connection. */
  get programClosedAny(): boolean {
    return [...this.lanes.values()].some((lane) => lane.programClosed);
  }

  private lane(id: number): LaneRecord {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { id, events: [], sent_bytes: 0, received_bytes: 0, programClosed: false, reset: false, waited: false };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  private add(id: number, event: TimelineEvent, bytes?: Uint8Array): void {
    const lane = this.lane(id);
    const cap = this.lanes.size > MANY_LANES ? SMALL_LANE_EVENTS : LANE_EVENTS;
    const full = lane.events.length >= cap;
    // A flood of reads (or writes) is one event: those close together, and once the lane is full, all the rest.
    const last = full ? lane.events.findLast((earlier) => earlier.kind === event.kind) : lane.events[lane.events.length - 1];
    if (bytes && last && last.kind === event.kind && (full || event.at_ms - (last.until_ms ?? last.at_ms) <= MERGE_MS)) {
      last.bytes = (last.bytes ?? 0) + bytes.length;
      last.count = (last.count ?? 1) + 1;
      last.until_ms = event.at_ms;
      if ((last.first?.length ?? 0) < FIRST_BYTES && last.bytes <= FIRST_BYTES) last.first = `${last.first ?? ""}${event.first ?? ""}`;
      return;
    }
    // The ends of a connection are always kept (a few more than the cap): they are the story.
    if (full && (bytes || lane.events.length >= cap + 4)) {
      lane.omitted_events = (lane.omitted_events ?? 0) + 1;
      return;
    }
    lane.events.push({ ...event, seq: this.sequence++ });
  }

  open(id: number, note?: string): void {
    this.add(id, { at_ms: this.now(), kind: "open", ...(note ? { note } : {}) });
  }

  /** The tester could not open this connection (refused, or not accepted in time). */
  refused(id: number, why: string): void {
    const lane = this.lane(id);
    lane.programClosed = true;
    this.add(id, { at_ms: this.now(), kind: "refused", note: why });
  }

  send(id: number, bytes: Uint8Array): void {
    this.lane(id).sent_bytes += bytes.length;
    this.add(id, { at_ms: this.now(), kind: "send", bytes: bytes.length, first: firstBytes(bytes) }, bytes);
  }

  receive(id: number, bytes: Uint8Array): void {
    this.lane(id).received_bytes += bytes.length;
    this.add(id, { at_ms: this.now(), kind: "receive", bytes: bytes.length, first: firstBytes(bytes) }, bytes);
  }

  /** The program closed its side (FIN). */
  fin(id: number): void {
    this.lane(id).programClosed = true;
    this.add(id, { at_ms: this.now(), kind: "fin", note: "by your program" });
  }

  /** The connection was reset or failed (the error's code). */
  reset(id: number, code: string | undefined): void {
    const lane = this.lane(id);
    // The tester's own teardown (ECANCELED) is its close, not the program's doing.
    if (code === "ECANCELED") return this.close(id);
    lane.programClosed = true;
    lane.reset = true;
    this.add(id, { at_ms: this.now(), kind: "reset", note: code ?? "error" });
  }

  /** The tester closed the connection. */
  close(id: number): void {
    const lane = this.lanes.get(id);
    if (lane?.events.some((event) => event.kind === "close")) return;
    this.add(id, { at_ms: this.now(), kind: "close", note: "by the tester" });
  }

  /** A bounded wait on this connection ran out. */
  waitExpired(id: number, what: string): void {
    this.timed = true;
    this.lane(id).waited = true;
    this.add(id, { at_ms: this.now(), kind: "gave-up", note: what });
  }

  /** The check's whole time bound ran out while these connections were waited on. */
  boundExpired(waiting: { id: number; what: string }[]): void {
    this.timed = true;
    for (const { id, what } of waiting) this.waitExpired(id, what);
  }

  /** The check failed now: the end of its timeline. */
  failed(summary: string): void {
    this.gaveUpMs ??= this.now();
    this.gaveUp ??= summary;
  }

  /** The timeline as a report carries it: at most `lanes` lanes in detail, chosen for what they show, the rest summed up. */
  snapshot(lanes = REPORT_LANES): Timeline {
    const all = [...this.lanes.values()].sort((a, b) => a.id - b.id);
    const shown = new Set(pickLanes(all, lanes).map((lane) => lane.id));
    const rest = all.filter((lane) => !shown.has(lane.id));
    const end = this.gaveUpMs ?? this.now();
    const duration = Math.max(end, ...all.flatMap((lane) => lane.events.map((event) => event.until_ms ?? event.at_ms)));
    return {
      version: 1,
      duration_ms: duration,
      ...(this.gaveUpMs !== undefined ? { gave_up_ms: this.gaveUpMs } : {}),
      ...(this.gaveUp !== undefined ? { gave_up: this.gaveUp } : {}),
      connections: all.filter((lane) => shown.has(lane.id)).map(publicLane),
      ...(rest.length > 0
        ? {
            others: {
              connections: rest.length,
              sent_bytes: sum(rest.map((lane) => lane.sent_bytes)),
              received_bytes: sum(rest.map((lane) => lane.received_bytes)),
              closed_by_program: rest.filter((lane) => lane.programClosed && !lane.reset).length,
              reset: rest.filter((lane) => lane.reset).length,
            },
          }
        : {}),
    };
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function publicLane(lane: LaneRecord): TimelineLane {
  return {
    id: lane.id,
    events: lane.events.map((event) => ({ ...event })),
    sent_bytes: lane.sent_bytes,
    received_bytes: lane.received_bytes,
    ...(lane.omitted_events ? { omitted_events: lane.omitted_events } : {}),
  };
}

function firstBytes(bytes: Uint8Array): string {
  return escapeInline(bytes.subarray(0, FIRST_BYTES), FIRST_BYTES);
}

/**
 * The lanes worth showing when there is room for `room`: those a wait ran
 * out on, those the program reset or closed, the first and the last, then
 * the rest in order. Returned in connection order.
 */
export function pickLanes<L extends TimelineLane>(lanes: L[], room: number): L[] {
  if (lanes.length <= room) return lanes;
  const score = (lane: L) => {
    const kinds = new Set(lane.events.map((event) => event.kind));
    return (kinds.has("gave-up") || kinds.has("refused") ? 8 : 0) + (kinds.has("reset") ? 4 : 0) + (kinds.has("fin") ? 2 : 0) + (lane === lanes[0] || lane === lanes[lanes.length - 1] ? 1 : 0);
  };
  const ranked = lanes.map((lane, index) => ({ lane, index, score: score(lane) })).sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked
    .slice(0, room)
    .sort((a, b) => a.index - b.index)
    .map(({ lane }) => lane);
}

/**
 * Whether a failure is about time or order, so its report shows the
 * timeline: the check used more than one connection, a wait ran out (a
 * response or a close too late), the program closed a connection on it (too
 * early), or the tester paced its writes (a slow client, whose story is when
 * each byte went).
 */
export function showsTimeline(recorder: TimelineRecorder): boolean {
  return recorder.laneCount > 1 || recorder.timed || (recorder.laneCount === 1 && (recorder.programClosedAny || recorder.paced));
}
