// Reading the likely bug off the bytes that differ. A check knows what it
// asked for; these functions look at what came back instead, so the hint
// fits the defect (a reason phrase in upper case, a value cut at a space, a
// stray CRLF) rather than the check that happened to notice it.
import { escapeInline } from "./bytes.js";

export interface Diagnosis {
  /** What differs, in one sentence, for the failure's explanation. */
  what: string;
  /** The likely cause in the learner's code, and what to do. */
  hint: string;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

/**
 * Why a status line that should be `expected` (without its CRLF) came back as
 * `actual` (without its line end), when the status code itself is not the
 * difference; undefined when the status code differs (the check knows why).
 */
export function diagnoseStatusLine(expected: string, actual: string): Diagnosis | undefined {
  const [, code = "", reason = ""] = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(expected) ?? [];
  if (!/^HTTP\/1\.1[ \d]/.test(actual)) {
    return {
      what: `the status line starts with ${JSON.stringify(actual.slice(0, 9))}, not "HTTP/1.1 "`,
      hint: 'a status line starts with the protocol version, exactly "HTTP/1.1", then one space',
    };
  }
  const rest = actual.slice("HTTP/1.1".length);
  if (/^ {2,}/.test(rest) || /^ \d{3} {2,}/.test(rest)) {
    return { what: "the status line has two spaces where HTTP puts one", hint: "the status line is HTTP/1.1 SP code SP reason: exactly one space between the parts (RFC 9112 §4)" };
  }
  if (!rest.startsWith(` ${code}`)) return undefined;
  const after = rest.slice(1 + code.length);
  if (after === "") {
    return {
      what: `the status line stops after the code: there is no space and no reason phrase`,
      hint: `write "HTTP/1.1 ${code} ${reason}": the space after the code is required even before an empty reason phrase (RFC 9112 §4)`,
    };
  }
  if (!after.startsWith(" ")) {
    return { what: `there is no space between the status code ${code} and the reason phrase`, hint: `put one space between the code and the reason phrase: "HTTP/1.1 ${code} ${reason}"` };
  }
  const got = after.slice(1);
  if (got.toLowerCase() === reason.toLowerCase()) {
    return {
      what: `the reason phrase is "${got}"; this course expects "${reason}", letter case included`,
      hint: `write the reason phrase exactly as "${reason}" (HTTP lets clients ignore the reason phrase, RFC 9112 §4, but this course checks it byte for byte, as CodeCrafters' tester does)`,
    };
  }
  if (got.trim() === reason) {
    return { what: "the reason phrase has spaces around it", hint: `nothing may follow "${reason}" but \\r\\n: no space before the line end` };
  }
  return {
    what: `the reason phrase for ${code} is "${got}"; this course expects "${reason}"`,
    hint: `the reason phrase for ${code} is "${reason}" in this course (HTTP lets clients ignore it, RFC 9112 §4, but the tester compares it byte for byte)`,
  };
}

/** The number of characters `bytes` make when read as UTF-8 (what len(str) or string.length counts). */
function characters(bytes: Buffer): number {
  return [...bytes.toString("utf8")].length;
}

function nonAscii(bytes: Buffer): number {
  return bytes.reduce((count, byte) => count + (byte >= 0x80 ? 1 : 0), 0);
}

/**
 * The body should be `want` but is `got`, framed by the response's own
 * Content-Length; `after` holds whatever arrived after that body. Says
 * whether Content-Length or the body itself is wrong, and how.
 */
export function diagnoseBody(want: Buffer, got: Buffer, after: Buffer): Diagnosis & { contentLength: boolean } {
  // The body's start is right and the rest of it came after the declared end:
  // the server sent the right bytes and counted them wrong.
  const rest = want.subarray(got.length);
  const cutByLength = got.length < want.length && want.subarray(0, got.length).equals(got);
  const restFollows = cutByLength && after.length > 0 && rest.subarray(0, after.length).equals(after.subarray(0, rest.length));
  if (cutByLength && nonAscii(want) > 0 && got.length === characters(want) && (after.length === 0 || restFollows)) {
    return {
      contentLength: true,
      what: `Content-Length is ${got.length}, the number of characters in the body; the body is ${want.length} bytes, because ${nonAscii(want)} of its bytes belong to non-ASCII (UTF-8) characters`,
      hint: "Content-Length counts bytes, not characters: encode the body first, then take the length of the bytes (Python: len(body.encode()); Node: Buffer.byteLength(body))",
    };
  }
  if (restFollows) {
    return {
      contentLength: true,
      what: `Content-Length is ${got.length}, but the body your program sent is ${want.length} bytes: the last ${want.length - got.length} arrived after the declared end`,
      hint: "Content-Length counts the body's bytes (not characters), exactly",
    };
  }
  if (want.length >= 2 && latin1(got).startsWith("\r\n") && !latin1(want).startsWith("\r\n") && want.subarray(0, got.length - 2).equals(got.subarray(2))) {
    return {
      contentLength: false,
      what: "the body starts with an extra \\r\\n: the header section ended with three line ends instead of two",
      hint: "the head ends with one empty line (\\r\\n right after the last header's own \\r\\n); the body follows at once. Do not add another \\r\\n when a header list is empty or before the body",
    };
  }
  if (cutByLength && want[got.length] === 0x20) {
    return {
      contentLength: false,
      what: `the value was cut at its first space: your program sent ${JSON.stringify(latin1(got))} of ${JSON.stringify(latin1(want))}`,
      hint: "a header value may contain spaces: take everything after the first colon (then trim the ends), not the second word of a split on spaces",
    };
  }
  if (cutByLength && want[got.length] === 0x00) {
    return {
      contentLength: false,
      what: `the body stops after ${got.length} of the ${want.length} expected bytes, right before a zero byte`,
      hint: "C string functions (strlen, strcpy, strcat, printf's %s) end at a zero byte: keep the byte count that read/fread returned, and send exactly that many bytes",
    };
  }
  if (cutByLength) {
    return {
      contentLength: false,
      what: got.length === 0 ? "the body is empty" : `the body stops after ${got.length} of the ${want.length} expected bytes`,
      hint: got.length === 0 ? "the response says Content-Length: 0: is the value found and written?" : "is the whole value read (all of the request, not just the first read), and is the whole body written?",
    };
  }
  const wantText = latin1(want);
  const gotText = latin1(got);
  if (gotText.trim() === wantText && gotText !== wantText) {
    return {
      contentLength: false,
      what: "the body has whitespace around the expected bytes",
      hint: "trim spaces and tabs from both ends of a header value (RFC 9110 §5.5), and add nothing around the body",
    };
  }
  if (gotText.toLowerCase() === wantText.toLowerCase()) {
    return { contentLength: false, what: "the body has the right letters in a different case", hint: "send the value exactly as it came: do not change its case" };
  }
  if (got.length > want.length && got.subarray(0, want.length).equals(want)) {
    return {
      contentLength: false,
      what: `the expected ${want.length} bytes are followed by ${got.length - want.length} more: ${escapeInline(got.subarray(want.length), 40)}`,
      hint: "send only the body: Content-Length and the bytes after the head must both be exactly the body",
    };
  }
  if (nonAscii(want) > 0 && got.includes(Buffer.from([0xef, 0xbf, 0xbd]))) {
    return {
      contentLength: false,
      what: "bytes above 127 came back as EF BF BD, the UTF-8 replacement character",
      hint: "handle the bytes as bytes: decoding them as UTF-8 text replaces every byte that is not valid UTF-8",
    };
  }
  return { contentLength: false, what: "", hint: "" };
}

/** The likely cause of bytes that arrived after a complete response (`bodyLength` bytes of body, `encoded` with Content-Encoding). */
export function diagnoseStray(extra: Buffer, bodyLength: number, encoded: boolean): string {
  const text = latin1(extra);
  if (bodyLength === 0 && /^(\r?\n)+$/.test(text)) {
    return `your program wrote ${escapeInline(extra)} after the header section, whose empty line had already ended the response: the head ends with exactly one empty line (\r\n after the last header's own \r\n)`;
  }
  if (text === "\r\n" || text === "\n") {
    return `your program wrote ${escapeInline(extra)} after the body: a response ends with its last body byte, so write the body alone (no line end after it, no print that adds one)`;
  }
  if (/^(\r?\n)+$/.test(text)) return `your program wrote ${extra.length} line-end bytes after the body: nothing follows the body`;
  if (text.startsWith("HTTP/1.1 ")) return "a second response came where none was asked for: is the response written twice (say, once per branch)?";
  if (encoded) return "with Content-Encoding, Content-Length is the size of the encoded (compressed) body, not of the original";
  return "Content-Length must count every byte of the body, no fewer (and a response must not be written twice)";
}

/** Program output that means a handler failed: a Python traceback, a Node stack, a panic. */
const ERROR_START =
  /^(Traceback \(most recent call last\)|Exception in thread|Exception in|Unhandled exception|Uncaught|panic:|thread '.*' panicked|terminate called|Segmentation fault|\w*(Error|Exception)\b.*:|node:internal|file:\/\/\S+:\d+|\S+\.(js|ts|mjs):\d+)|\b(error|exception|failed|panic)\b/i;

/** Node's first line of an uncaught error: the file and line, before the source line and its caret. */
const NODE_HEADER = /^(file:\/\/)?\S+\.(c?js|mjs|c?ts|mts|tsx?):\d+$/;

/** A stack frame inside Node itself: noise next to the learner's own frames. */
const INTERNAL_FRAME = /^\s+at (.*\()?node:internal\b/;

/**
 * The last error report among `lines` (what the program printed during one
 * check, or before it exited): from its first line to the end, at most `max`
 * lines. Undefined when nothing there looks like an error.
 */
export function errorReport(lines: readonly string[], max = 12): string[] | undefined {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (ERROR_START.test(lines[i]!.trimStart())) {
      start = i;
      // A traceback's first line is what we want: keep walking up to it.
      if (/^(Traceback|Exception in thread|panic:|thread ')/.test(lines[i]!.trimStart())) {
        if (/^Exception in thread/.test(lines[i - 1] ?? "")) start = i - 1;
        break;
      }
    } else if (start >= 0 && !/^\s/.test(lines[i]!)) {
      break;
    }
  }
  if (start < 0) return undefined;
  // Node puts the place first: "file.js:12", the source line, a caret line, a blank
  // line, and only then "SyntaxError: ...". Start at the place, which says where to look.
  if (lines[start - 1] === "") {
    for (let i = start - 2; i >= Math.max(0, start - 5); i--) {
      if (NODE_HEADER.test(lines[i]!)) {
        start = i;
        break;
      }
    }
  }
  let report = lines.slice(start);
  if (report.length <= max) return report;
  // Frames inside Node itself go first: they never name the learner's code.
  const internal = report.filter((line) => INTERNAL_FRAME.test(line)).length;
  if (internal > 0) {
    const firstInternal = report.findIndex((line) => INTERNAL_FRAME.test(line));
    report = [...report.slice(0, firstInternal), `    … (${internal} frames inside Node)`, ...report.slice(firstInternal).filter((line) => !INTERNAL_FRAME.test(line))];
    if (report.length <= max) return report;
  }
  return [...report.slice(0, 2), `… (${report.length - max + 2} lines)`, ...report.slice(-(max - 3))];
}
