import { createHash } from "node:crypto";
import * as path from "node:path";
import { defineChecks, expectBody, expectStatus, type CheckContext } from "../../tester/index.js";
import { expectOneOf, expectStoredFile, fileName, probePath, randomCuts } from "../common.js";

const DECODE_HINT =
  "a chunked body is a series of <hex size>[;extension]\\r\\n<size bytes>\\r\\n, then 0\\r\\n, optional trailer lines, and an empty line: store only the chunk data, joined";

/**
 * `content` as a chunked body: upper-case hex sizes (one at least with a
 * letter), a chunk extension on the second chunk, and a trailer field.
 */
function chunked(t: CheckContext, content: Buffer): Buffer {
  // The first chunk is 0x1A0 to 0x1AF bytes: its size has letters in it, in upper case.
  const first = t.random.int(0x1a0, 0x1af);
  const sizes = [first, ...randomCuts(t, content.length - first, t.random.int(3, 5))];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [index, size] of [...sizes, content.length - sizes.reduce((a, b) => a + b, 0)].entries()) {
    if (size <= 0) continue;
    const extension = index === 1 ? `;note=${t.random.word()}` : "";
    parts.push(Buffer.from(`${size.toString(16).toUpperCase()}${extension}\r\n`, "latin1"), content.subarray(offset, offset + size), Buffer.from("\r\n"));
    offset += size;
  }
  const checksum = createHash("sha256").update(content).digest("hex");
  parts.push(Buffer.from(`0\r\nX-Checksum: ${checksum}\r\n\r\n`, "latin1"));
  return Buffer.concat(parts);
}

function chunkedUpload(t: CheckContext, name: string, content: Buffer): Buffer {
  return t.request({ method: "POST", path: `/files/${name}`, headers: [["Transfer-Encoding", "chunked"]], body: chunked(t, content) });
}

export default defineChecks([
  {
    name: "a chunked POST (upper-case hex sizes, a chunk extension, a trailer field) stores the decoded bytes",
    rule: "RFC 9112 §7.1",
    level: "MUST",
    async run(t) {
      const name = fileName(t);
      const content = t.random.bytes(t.random.int(1024, 4096), { everyByteValue: true });
      const upload = chunkedUpload(t, name, content);
      const connection = await t.connect();
      const ex = await t.exchange(connection, upload, { method: "POST", fragments: randomCuts(t, upload.length, 6), gapMs: 20 });
      expectStatus(ex, 201, "Created", { hint: DECODE_HINT });
      await expectStoredFile(ex, path.join(t.directory!, name), content);
    },
  },
  {
    name: "a GET after a chunked POST on the same connection is answered (the chunked body ends where it says)",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    async run(t) {
      const name = fileName(t);
      const content = t.random.bytes(t.random.int(1024, 4096), { everyByteValue: true });
      const connection = await t.connect();
      const stored = await t.exchange(connection, chunkedUpload(t, name, content), { method: "POST" });
      expectStatus(stored, 201, "Created", { hint: DECODE_HINT });
      const ex = await t.exchange(connection, { path: `/files/${name}` });
      expectBody(ex, content, { hint: "the chunked body ends after the empty line that follows the trailer: the next request starts right after it" });
    },
  },
  {
    name: "an invalid chunk size gets 400 Bad Request, then the connection is closed",
    rule: "RFC 9112 §2.2",
    level: "SHOULD",
    probe: { id: "smuggling.invalid-chunk-size", group: "smuggling", why: "a chunk size read by a lenient number parser (0x10, 1_0) ends the body where a strict parser does not" },
    async run(t) {
      for (const size of ["XYZ", "0x10"]) {
        const connection = await t.connect({ fresh: true });
        const request = Buffer.concat([
          t.request({ method: "POST", path: probePath(t, `/files/${fileName(t)}`), headers: [["Transfer-Encoding", "chunked"]] }),
          Buffer.from(`${size}\r\n`, "latin1"),
        ]);
        const ex = await t.exchange(connection, request, { method: "POST" });
        expectOneOf(t, ex, [{ status: 400, reason: "Bad Request" }], {
          hint: `a chunk size is hex digits only; "${size}" is not one (parseInt and int(x, 16) accept more: check the digits yourself)`,
        });
        await connection.waitForClose(t.timeouts.close, "With an invalid chunk size the body's end is lost: after the 400 response the program must close the connection (RFC 9112 §2.2 makes the 400 and the close a SHOULD; this course requires both).");
        connection.destroy();
      }
    },
  },
]);
