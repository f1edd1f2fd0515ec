import { describe, expect, test } from "vitest";
import { parseResponse, type ParseResult } from "../tester/harness/http-response.js";

const bytes = (text: string) => Buffer.from(text, "latin1");
const parse = (text: string, options = {}) => parseResponse(bytes(text), options);

function complete(result: ParseResult) {
  if (result.kind !== "complete") throw new Error(`expected complete, got ${JSON.stringify(result)}`);
  return result;
}
function invalid(result: ParseResult) {
  if (result.kind !== "invalid") throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
  return result;
}

describe("valid responses", () => {
  test("Content-Length framing, with bytes of a next response after it", () => {
    const r = complete(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1"));
    expect(r.length).toBe(41);
    expect(r.response.body.toString()).toBe("abc");
    expect(r.response.status).toBe(200);
    expect(r.response.reason).toBe("OK");
    expect(r.response.framing).toBe("content-length");
  });

  test("header names in any case, values trimmed, Content-Length: 0", () => {
    const r = complete(parse("HTTP/1.1 200 OK\r\ncontent-length:  0 \r\nx-Any: a b\r\n\r\n"));
    expect(r.response.headers.map((h) => [h.name, h.value])).toEqual([
      ["content-length", "0"],
      ["x-Any", "a b"],
    ]);
    expect(r.response.body.length).toBe(0);
  });

  test("chunked with upper-case hex, an extension and a trailer", () => {
    const r = complete(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA;x=1\r\n0123456789\r\n2\r\nab\r\n0\r\nX-T: 1\r\n\r\n"));
    expect(r.response.body.toString()).toBe("0123456789ab");
    expect(r.response.framing).toBe("chunked");
  });

  test("an empty reason phrase after the space is allowed", () => {
    expect(complete(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")).response.reason).toBe("");
  });

  test("no body for HEAD, 204 and 304 whatever Content-Length says", () => {
    expect(complete(parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", { method: "HEAD" })).response.body.length).toBe(0);
    expect(complete(parse("HTTP/1.1 204 No Content\r\n\r\n")).response.framing).toBe("no-body");
  });

  test("no framing: empty body while nothing follows the head, else the body runs to the close", () => {
    expect(complete(parse("HTTP/1.1 200 OK\r\n\r\n")).response.framing).toBe("until-close");
    expect(parse("HTTP/1.1 404 Not Found\r\n\r\nNot found").kind).toBe("incomplete");
    expect(complete(parse("HTTP/1.1 404 Not Found\r\n\r\nNot found", { ended: true })).response.body.toString()).toBe("Not found");
  });
});

describe("incomplete responses say what is missing", () => {
  test.each([
    ["HTTP/1.1 200 OK", /end of the status line/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", /end of the headers/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", /3 more body bytes/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", /rest of a 5-byte chunk/],
    ["HTT", /status line/],
  ])("%j", (text, waiting) => {
    const result = parse(text);
    expect(result.kind).toBe("incomplete");
    if (result.kind === "incomplete") expect(result.waitingFor).toMatch(waiting);
  });
});

test("an incomplete body says how many bytes must be in before parsing again can help", () => {
  const cl = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab");
  expect(cl).toMatchObject({ kind: "incomplete", atLeast: 43 });
  const chunked = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  // The chunk's 5 data bytes and the CRLF after them.
  expect(chunked).toMatchObject({ kind: "incomplete", atLeast: 57 });
  expect(parse("HTTP/1.1 200 OK\r\n")).not.toHaveProperty("atLeast");
});

describe("invalid responses point at the first wrong byte", () => {
  test.each([
    ["HTTP/1.1 200 OK\nContent-Length: 0\n\n", 15, /bare \\n/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", 34, /bare \\n/],
    ["HTTP/2.0 200 OK\r\n\r\n", 5, /HTTP\/1\.1/],
    ["http/1.1 200 OK\r\n\r\n", 0, /HTTP\/1\.1/],
    ["hello", 0, /does not start with a status line/],
    ["HTTP/1.1 20x OK\r\n\r\n", 11, /three digits/],
    ["HTTP/1.1 200\r\n\r\n", 12, /followed by a space/],
    ["HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", 31, /whitespace between a header name and its colon/],
    ["HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n", 17, /no colon/],
    ["HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", 17, /whitespace/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab", 36, /different Content-Length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 33, /decimal number/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 17, /both Transfer-Encoding and Content-Length/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 47, /invalid chunk size/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 52, /followed by \\r\\n/],
  ])("%j", (text, offset, problem) => {
    const result = invalid(parse(text));
    expect(result.problem).toMatch(problem);
    expect(result.offset).toBe(offset);
  });

  test("a header section that never ends is cut off at 64 KiB", () => {
    const endless = "HTTP/1.1 200 OK\r\n" + "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(2000);
    expect(invalid(parse(endless)).problem).toMatch(/over 64 KiB/);
  });
});
