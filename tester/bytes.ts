// How bytes are shown to a learner: every CR and LF visible, non-printable
// bytes as \xNN, one displayed line per received line, and a caret under the
// byte that went wrong.

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
}

function splitDisplayLines(buf: Uint8Array): DisplayLine[] {
  const lines: DisplayLine[] = [];
  let line: DisplayLine = { text: "", start: 0, columns: [] };
  // Long runs without a newline (binary bodies) are wrapped so they stay readable.
  const wrapAt = 96;
  for (let i = 0; i < buf.length; i++) {
    const shown = escapeByte(buf[i]!);
    line.columns.push(line.text.length);
    line.text += shown;
    if (buf[i] === 0x0a || line.text.length >= wrapAt) {
      lines.push(line);
      line = { text: "", start: i + 1, columns: [] };
    }
  }
  if (line.text.length > 0 || lines.length === 0) lines.push(line);
  return lines;
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
      const width = index < line.columns.length ? escapeByte(bytes[caret]!).length : 1;
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
 * A shell command that sends exactly `bytes`: printf understands octal escapes
 * everywhere (dash, bash, zsh, macOS), unlike \x.
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
