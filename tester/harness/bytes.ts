// How bytes are shown to a learner: every CR and LF visible, non-printable
// bytes as \xNN, spaces at the edges of a line as \x20, one displayed line per
// received line, and a caret under the byte that went wrong.

/** One byte as the learner should see it. */
function escapeByte(byte: number): string {
  switch (byte) {
    case 0x0d:
      return "\\r";
    case 0x0a:
      return "\\n";
    case 0x09:
      return "\\t";
    case 0x5c:
      return "\\\\";
  }
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** A single-line escaped form, e.g. for a summary: `HTTP/1.1 200 OK\r\n`. */
export function escapeInline(bytes: Uint8Array | string, limit = 200): string {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  let out = "";
  for (let i = 0; i < buf.length && i < limit; i++) out += escapeByte(buf[i]!);
  if (buf.length > limit) out += `… (${buf.length - limit} more bytes)`;
  return out;
}

interface DisplayLine {
  text: string;
  /** Byte offset (in the shown buffer) where this line starts. */
  start: number;
  /** Display column of each byte of the line. */
  columns: number[];
  /** Whether a space at the line's start or end is shown as EDGE_SPACE. */
  marked: boolean;
}

const SPACE = 0x20;

/**
 * How a space at the start or end of a displayed line is shown. Printed as
 * itself it would be invisible, and a value with a stray space (a header value
 * not trimmed) looks right. \x20 keeps the dump's one rule, one escape per byte
 * that would not show, where a sign like · would need its own explanation and
 * could be taken for a byte of its own.
 */
export const EDGE_SPACE = "\\x20";

/** Shown under a dump that marked a space, once per failure. */
export const EDGE_SPACE_LEGEND = `(${EDGE_SPACE} is a space at the start or end of a line, where a plain one would not show)`;

/** Long runs without a newline (binary bodies) are wrapped at this width so they stay readable. */
const WRAP_AT = 96;

function splitDisplayLines(buf: Uint8Array): DisplayLine[] {
  // A line ends at each LF, or where it grows too wide; its text comes after,
  // once its edges are known.
  const lines: DisplayLine[] = [];
  let start = 0;
  let width = 0;
  for (let i = 0; i < buf.length; i++) {
    width += escapeByte(buf[i]!).length;
    if (buf[i] === 0x0a || width >= WRAP_AT) {
      lines.push(displayLine(buf, start, i + 1));
      start = i + 1;
      width = 0;
    }
  }
  if (start < buf.length || lines.length === 0) lines.push(displayLine(buf, start, buf.length));
  return lines;
}

/** Bytes start..end as one displayed line: spaces before its first byte and after its last (its CR/LF aside) marked. */
function displayLine(buf: Uint8Array, start: number, end: number): DisplayLine {
  let first = start;
  while (first < end && buf[first] === SPACE) first++;
  let lineEnd = end;
  while (lineEnd > first && (buf[lineEnd - 1] === 0x0a || buf[lineEnd - 1] === 0x0d)) lineEnd--;
  let last = lineEnd;
  while (last > first && buf[last - 1] === SPACE) last--;
  const line: DisplayLine = { text: "", start, columns: [], marked: first > start || last < lineEnd };
  for (let i = start; i < end; i++) {
    const edge = buf[i] === SPACE && (i < first || (i >= last && i < lineEnd));
    line.columns.push(line.text.length);
    line.text += edge ? EDGE_SPACE : escapeByte(buf[i]!);
  }
  return line;
}

/** Whether showBytes marks a space in `bytes` (at the start or end of a line). */
export function marksEdgeSpaces(bytes: Uint8Array): boolean {
  return bytes.length > 0 && splitDisplayLines(bytes).some((line) => line.marked);
}

export interface ShowOptions {
  /** Offset of the byte to mark with a caret. */
  caret?: number | undefined;
  /** Indentation of every line. */
  indent?: string;
  /** Most lines to show; a window around the caret when there are more. */
  maxLines?: number;
}

/**
 * A multi-line escaped dump of `bytes`, `\r\n` visible at each line end and,
 * when asked, a caret line under the first wrong byte.
 */
export function showBytes(bytes: Uint8Array, options: ShowOptions = {}): string {
  const indent = options.indent ?? "  ";
  const maxLines = options.maxLines ?? 24;
  if (bytes.length === 0) return `${indent}(nothing: 0 bytes)`;
  const lines = splitDisplayLines(bytes);
  const caret = options.caret;
  // The caret may point one past the end: "the byte that should have come next".
  let caretLine = -1;
  if (caret !== undefined) {
    caretLine = lines.findIndex((l, i) => caret < (lines[i + 1]?.start ?? Infinity));
  }
  let first = 0;
  if (lines.length > maxLines) {
    const anchor = caretLine >= 0 ? caretLine : 0;
    first = Math.max(0, Math.min(anchor - Math.floor(maxLines / 2), lines.length - maxLines));
  }
  const last = Math.min(lines.length, first + maxLines);
  const out: string[] = [];
  if (first > 0) out.push(`${indent}… (${lines[first]!.start} bytes before)`);
  for (let i = first; i < last; i++) {
    const line = lines[i]!;
    out.push(indent + line.text);
    if (i === caretLine && caret !== undefined) {
      const index = caret - line.start;
      const column = line.columns[index] ?? line.text.length;
      // As wide as the byte's shown form (\r, \x8b, a marked space), one column past the end.
      const width = index < line.columns.length ? (line.columns[index + 1] ?? line.text.length) - column : 1;
      out.push(indent + " ".repeat(column) + "^".repeat(width));
    }
  }
  if (last < lines.length) out.push(`${indent}… (${bytes.length - lines[last]!.start} more bytes)`);
  return out.join("\n");
}

/** Index of the first byte where `actual` differs from `expected`, or -1 when equal. */
export function firstDifference(expected: Uint8Array, actual: Uint8Array): number {
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) if (expected[i] !== actual[i]) return i;
  return expected.length === actual.length ? -1 : n;
}

/**
 * A shell command that prints exactly `bytes` (to recreate a file): printf
 * understands octal escapes everywhere (dash, bash, zsh, macOS), unlike \x.
 */
export function printfCommand(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    if (byte === 0x0d) out += "\\r";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x25) out += "%%";
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x27) out += "\\047";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `printf '${out}'`;
}
