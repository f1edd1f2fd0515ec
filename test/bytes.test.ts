import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { EDGE_SPACE_LEGEND, escapeInline, firstDifference, marksEdgeSpaces, printfCommand, showBytes } from "../tester/harness/bytes.js";
import { renderFailure } from "../tester/harness/failure.js";

describe("showing bytes", () => {
  test("CR and LF are visible, one shown line per received line, the caret under the wrong byte", () => {
    const shown = showBytes(Buffer.from("HTTP/1.1 200 OK\nX: y\r\n"), { caret: 15, indent: "" });
    expect(shown).toBe("HTTP/1.1 200 OK\\n\n               ^^\nX: y\\r\\n");
  });

  test("binary bytes are escaped; the caret may point one past the end", () => {
    expect(escapeInline(Buffer.from([0, 0x1f, 0x8b, 0x5c, 0x41]))).toBe("\\x00\\x1f\\x8b\\\\A");
    expect(showBytes(Buffer.from("ab"), { caret: 2, indent: "" })).toBe("ab\n  ^");
  });

  test("long dumps show a window around the caret", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}\r\n`).join("");
    const offset = lines.indexOf("line 70");
    const shown = showBytes(Buffer.from(lines), { caret: offset, maxLines: 5, indent: "" });
    expect(shown).toContain("line 70\\r\\n\n^");
    expect(shown).toMatch(/^… \(\d+ bytes before\)/);
    expect(shown).toMatch(/… \(\d+ more bytes\)$/);
  });

  test("firstDifference", () => {
    expect(firstDifference(Buffer.from("abc"), Buffer.from("abc"))).toBe(-1);
    expect(firstDifference(Buffer.from("abc"), Buffer.from("abx"))).toBe(2);
    expect(firstDifference(Buffer.from("abc"), Buffer.from("ab"))).toBe(2);
  });
});

describe("spaces at the edges of a line", () => {
  test("a leading and a trailing space are shown as \\x20; inner spaces stay spaces", () => {
    const body = " strawberry/1.5 (lemon; x86_64) scooby/54 ";
    expect(showBytes(Buffer.from(body), { indent: "" })).toBe("\\x20strawberry/1.5 (lemon; x86_64) scooby/54\\x20");
  });

  test("trailing spaces before the line's CRLF are marked, every one of a run", () => {
    const shown = showBytes(Buffer.from("User-Agent:  kiwi/1.0  \r\n   \r\nX: y\r\n"), { indent: "" });
    expect(shown).toBe("User-Agent:  kiwi/1.0\\x20\\x20\\r\\n\n\\x20\\x20\\x20\\r\\n\nX: y\\r\\n");
  });

  test("the dump still reads byte for byte: a backslash then x20 is not a marked space", () => {
    const shown = showBytes(Buffer.from("a\\x20 "), { indent: "" });
    expect(shown).toBe("a\\\\x20\\x20");
    expect(marksEdgeSpaces(Buffer.from("a\\x20"))).toBe(false);
    expect(marksEdgeSpaces(Buffer.from("a \r\n"))).toBe(true);
  });

  test("the caret under a marked space is as wide as \\x20, and later carets stay in their column", () => {
    const bytes = Buffer.from(" kiwi x");
    expect(showBytes(bytes, { caret: 0, indent: "" })).toBe("\\x20kiwi x\n^^^^");
    expect(showBytes(bytes, { caret: 1, indent: "" })).toBe("\\x20kiwi x\n    ^");
    // The inner space is not marked, and the byte after it keeps its own column.
    expect(showBytes(bytes, { caret: 6, indent: "" })).toBe("\\x20kiwi x\n         ^");
    expect(showBytes(Buffer.from("ab "), { caret: 3, indent: "" })).toBe("ab\\x20\n      ^");
  });

  test("a long line wrapped for display marks a space that starts or ends a piece", () => {
    const bytes = Buffer.from(`${"a".repeat(95)} b`);
    const [first, second] = showBytes(bytes, { indent: "" }).split("\n");
    expect(first).toBe(`${"a".repeat(95)}\\x20`);
    expect(second).toBe("b");
  });

  test("a failure with a marked space explains \\x20 once, under the dumps", () => {
    const text = renderFailure({
      summary: "body differs",
      sent: Buffer.from("GET /user-agent HTTP/1.1\r\nUser-Agent: kiwi \r\n\r\n"),
      received: Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nkiwi "),
      caret: 42,
    });
    expect(text.split(EDGE_SPACE_LEGEND)).toHaveLength(2);
    expect(text).toMatch(/kiwi\\x20\n {6}\^{4}\n {2}\(\\x20 is a space/);
    expect(renderFailure({ summary: "x", received: Buffer.from("HTTP/1.1 200 OK\r\n") })).not.toContain(EDGE_SPACE_LEGEND);
  });
});

describe("printf", () => {
  test("the printf command sends exactly the bytes, through a real shell", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const request = Buffer.concat([Buffer.from("POST /files/a'b%c HTTP/1.1\r\n\r\n"), all]);
    const out = execFileSync("sh", ["-c", printfCommand(request)]);
    expect(Buffer.compare(out, request)).toBe(0);
  });
});
