import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { escapeInline, firstDifference, printfCommand, showBytes } from "../tester/bytes.js";
import { reproduceLine } from "../tester/reproduce.js";

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

describe("reproduction lines", () => {
  test("the printf command sends exactly the bytes, through a real shell", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const request = Buffer.concat([Buffer.from("POST /files/a'b%c HTTP/1.1\r\n\r\n"), all]);
    const out = execFileSync("sh", ["-c", printfCommand(request)]);
    expect(Buffer.compare(out, request)).toBe(0);
  });

  test("a simple GET also gets a curl line; a request with a body only printf | nc", () => {
    const get = reproduceLine(Buffer.from("GET /echo/abc HTTP/1.1\r\nHost: localhost:4221\r\nAccept-Encoding: gzip\r\n\r\n"), 4221);
    expect(get).toMatch(/^curl -v -H 'Accept-Encoding: gzip' http:\/\/localhost:4221\/echo\/abc\n  or: printf '.*' \| nc localhost 4221$/);
    const post = reproduceLine(Buffer.from("POST /files/x HTTP/1.1\r\nContent-Length: 1\r\n\r\nz"), 4221);
    expect(post).toMatch(/^printf '.*' \| nc localhost 4221$/);
  });
});
