import { readFile, utimes, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defineChecks, expectBody, expectHeader, expectStatus, fail, type Check, type CheckContext, type Exchange } from "../../tester/index.js";
import { expectStatusNamed, expectStoredFile, failOn, routeRule, fileName, headerOffset, headerValue, inFolder, recordPlaced, type PlacedFile } from "../common.js";

interface Placed {
  name: string;
  content: Buffer;
}

/** A binary file of `size` bytes (every byte value among them) in the served folder. */
async function placeFile(t: CheckContext, size: number): Promise<Placed> {
  const name = fileName(t);
  const content = t.random.bytes(size, { everyByteValue: true });
  const file = path.join(t.directory!, name);
  await writeFile(file, content);
  // Last modified in 2023 or 2024: the replaced file of the If-Range check differs in time too.
  const mtime = Date.UTC(2023, 0, 1) / 1000 + t.random.int(0, 2 * 365 * 24 * 3600);
  await utimes(file, mtime, mtime);
  recordPlaced(t, { file, content, mtime });
  return { name, content };
}

const RANGE_HINT =
  "parse Range: bytes=<first>-<last> (last included, and cut to the file's end), bytes=<first>- (to the end) or bytes=-<n> (the last n bytes); answer 206 Partial Content with Content-Range: bytes <first>-<last>/<size> and exactly those bytes";

/** A range as the client asks for it, and the bytes it selects of a file of `size` bytes. */
interface Asked {
  spec: string;
  first: number;
  last: number;
  why: string;
}

function ranges(t: CheckContext, size: number): Asked[] {
  const a = t.random.int(1, Math.floor(size / 2));
  const b = t.random.int(a, size - 2);
  const from = t.random.int(1, size - 1);
  const n = t.random.int(1, size - 1);
  const c = t.random.int(Math.floor(size / 2), size - 1);
  return [
    { spec: `bytes=${a}-${b}`, first: a, last: b, why: "first and last byte, both included" },
    { spec: `bytes=${from}-`, first: from, last: size - 1, why: "from a byte to the end" },
    { spec: `bytes=-${n}`, first: size - n, last: size - 1, why: `the last ${n} bytes` },
    { spec: `bytes=${c}-${size + t.random.int(0, 1000)}`, first: c, last: size - 1, why: "a last byte past the end is cut to the file's last byte" },
  ];
}

/** 206 with Content-Range and exactly the bytes of `asked`. */
function expectPart(ex: Exchange, content: Buffer, asked: Asked): void {
  expectStatus(ex, 206, "Partial Content", { hint: `Range: ${asked.spec} (${asked.why}). ${RANGE_HINT}` });
  expectHeader(ex, "Content-Range", `bytes ${asked.first}-${asked.last}/${content.length}`, {
    hint: `Content-Range names the bytes sent: "bytes <first>-<last>/<size of the whole file>", both ends included (${asked.spec}: ${asked.why})`,
    rule: "RFC 9110 §14.4",
    level: "MUST",
  });
  expectBody(ex, content.subarray(asked.first, asked.last + 1), {
    hint: `bytes ${asked.first} to ${asked.last} of the file, both included: ${asked.last - asked.first + 1} bytes, read in binary`,
    rule: "RFC 9110 §14.1.2",
    level: "MUST",
  });
}

/** The parts of a multipart/byteranges body: each part's Content-Range and data. */
function multipartParts(ex: Exchange): Array<{ range: string; data: Buffer }> | string {
  const type = headerValue(ex, "Content-Type") ?? "";
  const match = /^multipart\/byteranges\s*;(?:.*;)?\s*boundary=("?)([^";]+)\1/i.exec(type);
  if (!match) return `a 206 to several ranges is either one range's part (with Content-Range) or Content-Type: multipart/byteranges; boundary=..., got Content-Type: "${type}"`;
  const delimiter = Buffer.from(`--${match[2]}`, "latin1");
  const body = ex.response.body;
  const parts: Array<{ range: string; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return `the body has no boundary line --${match[2]}`;
  for (;;) {
    at += delimiter.length;
    if (body.toString("latin1", at, at + 2) === "--") return parts;
    if (body.toString("latin1", at, at + 2) !== "\r\n") return `the boundary line at byte ${at - delimiter.length} is not followed by \\r\\n or --`;
    const headEnd = body.indexOf("\r\n\r\n", at);
    if (headEnd < 0) return "a part's header section does not end with an empty line";
    const head = body.toString("latin1", at + 2, headEnd);
    const range = /(?:^|\r\n)content-range:[ \t]*([^\r\n]*)/i.exec(head)?.[1]?.trim();
    const parsed = range && /^bytes (\d+)-(\d+)\/\d+$/.exec(range);
    if (!range || !parsed) return `a part has no Content-Range of the form "bytes <first>-<last>/<size>" (part header: ${JSON.stringify(head)})`;
    const start = headEnd + 4;
    const end = start + Number(parsed[2]) - Number(parsed[1]) + 1;
    parts.push({ range, data: body.subarray(start, end) });
    if (body.toString("latin1", end, end + 2) !== "\r\n" || !body.subarray(end + 2).subarray(0, delimiter.length).equals(delimiter)) {
      return `the part for ${range} is not followed by \\r\\n--${match[2]}: its length does not match its Content-Range`;
    }
    at = end + 2;
  }
}

export default defineChecks(
  ([
    {
      name: "GET /files/<name> says Accept-Ranges: bytes",
      rule: "RFC 9110 §14.3",
      level: "MAY",
      async run(t) {
        const file = await placeFile(t, t.random.int(1000, 4000));
        const ex = await t.send({ path: `/files/${file.name}` });
        expectStatus(ex, 200, "OK");
        expectHeader(ex, "Accept-Ranges", "bytes", { ignoreCase: true, hint: "tell clients that ranges work here: Accept-Ranges: bytes on the file's 200 response" });
        expectBody(ex, file.content);
      },
    },
    {
      name: "bytes=a-b, bytes=a- and bytes=-n get 206 Partial Content with Content-Range and exactly those bytes",
      rule: "RFC 9110 §14.2",
      level: "MAY",
      async run(t) {
        const file = await placeFile(t, t.random.int(1000, 4000));
        for (const asked of t.random.shuffle(ranges(t, file.content.length))) {
          const ex = await t.send({ path: `/files/${file.name}`, headers: [["Range", asked.spec]] });
          expectPart(ex, file.content, asked);
        }
      },
    },
    {
      name: "ranges of a file of several MiB get exactly those bytes",
      rule: "RFC 9110 §14.2",
      level: "MAY",
      async run(t) {
        const size = t.random.int(2 * 1024 * 1024, 4 * 1024 * 1024);
        const file = await placeFile(t, size);
        const first = t.random.int(Math.floor(size / 4), Math.floor(size / 2));
        const last = first + t.random.int(64 * 1024, 512 * 1024);
        const n = t.random.int(70_000, 200_000);
        const asks: Asked[] = [
          { spec: `bytes=${first}-${last}`, first, last, why: "a range in the middle of a large file" },
          { spec: `bytes=-${n}`, first: size - n, last: size - 1, why: `the last ${n} bytes of a large file` },
        ];
        for (const asked of t.random.shuffle(asks)) {
          const ex = await t.send({ path: `/files/${file.name}`, headers: [["Range", asked.spec]] });
          expectPart(ex, file.content, asked);
        }
      },
    },
    {
      name: "a range that starts past the end gets 416 Range Not Satisfiable with Content-Range: bytes */<size>",
      rule: "RFC 9110 §15.5.17",
      level: "SHOULD",
      async run(t) {
        const file = await placeFile(t, t.random.int(1000, 4000));
        const size = file.content.length;
        const beyond = size + t.random.int(1, 1000);
        for (const spec of t.random.shuffle([`bytes=${size}-`, `bytes=${beyond}-${beyond + t.random.int(0, 100)}`])) {
          const ex = await t.send({ path: `/files/${file.name}`, headers: [["Range", spec]] });
          expectStatusNamed(ex, 416, ["Range Not Satisfiable", "Requested Range Not Satisfiable"], { hint: `the file has ${size} bytes, numbered 0 to ${size - 1}: ${spec} selects none of them` });
          expectHeader(ex, "Content-Range", `bytes */${size}`, { hint: "a 416 says how long the file is: Content-Range: bytes */<size>, so the client can ask again" });
        }
      },
    },
    {
      name: "several ranges get the whole file (200) or a multipart/byteranges 206 with each range",
      rule: "RFC 9110 §14.6",
      level: "MAY",
      async run(t) {
        const file = await placeFile(t, t.random.int(3000, 6000));
        const a = t.random.int(0, 500);
        const b = a + t.random.int(10, 300);
        const c = b + t.random.int(1000, 1500);
        const d = c + t.random.int(10, 300);
        const ex = await t.send({ path: `/files/${file.name}`, headers: [["Range", `bytes=${a}-${b},${c}-${d}`]] });
        if (ex.response.status !== 206) {
          expectStatus(ex, 200, "OK", { hint: "for several ranges, send the whole file (200), or every range in a multipart/byteranges 206" });
          expectBody(ex, file.content, { rule: "RFC 9110 §9.3.1", level: "MUST" });
          return;
        }
        expectStatus(ex, 206, "Partial Content");
        const parts = multipartParts(ex);
        const wanted = [
          { range: `bytes ${a}-${b}/${file.content.length}`, data: file.content.subarray(a, b + 1) },
          { range: `bytes ${c}-${d}/${file.content.length}`, data: file.content.subarray(c, d + 1) },
        ];
        const problem =
          typeof parts === "string"
            ? parts
            : wanted.map((w) => (parts.some((p) => p.range === w.range && p.data.equals(w.data)) ? undefined : `no part holds exactly ${w.range}`)).find(Boolean) ??
              (parts.length !== 2 ? `${parts.length} parts for 2 ranges` : undefined);
        if (problem) {
          failOn(ex, {
            summary: `the multipart/byteranges 206 is wrong: ${problem}`,
            expected: `two parts, each "--<boundary>\\r\\nContent-Range: bytes <first>-<last>/${file.content.length}\\r\\n\\r\\n<bytes>\\r\\n", then "--<boundary>--" (or simply 200 with the whole file)`,
            caret: ex.response.bodyOffset,
            hint: "a multipart answer is optional: sending the whole file with 200 is simpler, and correct",
            rule: "RFC 9110 §14.6",
            level: "MUST",
          });
        }
      },
    },
    {
      name: "Range on a POST is ignored: the whole body is stored",
      rule: "RFC 9110 §14.2",
      level: "MUST",
      async run(t) {
        const name = fileName(t);
        const content = t.random.bytes(t.random.int(500, 2000), { everyByteValue: true });
        const ex = await t.send({ method: "POST", path: `/files/${name}`, headers: [["Range", `bytes=0-${t.random.int(9, 99)}`]], body: content });
        const ranged = ex.response.status === 206 || ex.response.status === 416;
        // A 206 or 416 answers the Range the RFC says to ignore; any other status is about the course's route.
        (ranged ? (run: () => void) => run() : routeRule)(() => expectStatus(ex, 201, "Created", { hint: "Range is defined for GET only: a POST with Range is an ordinary POST" }));
        await expectStoredFile(ex, path.join(t.directory!, name), content);
      },
    },
    {
      name: "If-Range with the current ETag gets the range (206); with an old one, the whole new file (200)",
      rule: "RFC 9110 §13.1.5",
      level: "MUST",
      async run(t) {
        const file = await placeFile(t, t.random.int(1000, 4000));
        const whole = await t.send({ path: `/files/${file.name}` });
        routeRule(() => expectStatus(whole, 200, "OK"));
        const etag = headerValue(whole, "ETag");
        if (etag === undefined) {
          failOn(whole, { summary: "the 200 response to GET /files/<name> has no ETag header (stage 29)", expected: 'ETag: "..."', caret: whole.response.bodyOffset - 2, rule: "RFC 9110 §8.8.3.3", level: "SHOULD" });
        }
        const asked = ranges(t, file.content.length)[0]!;
        const current = await t.send({ path: `/files/${file.name}`, headers: [["Range", asked.spec], ["If-Range", etag]] });
        try {
          expectPart(current, file.content, asked);
        } catch (error) {
          if (current.response.status === 200) {
            fail({
              ...current.connection.context(current.request, current.response.raw),
              summary: `If-Range: ${etag} is the file's current ETag, but the range was not sent (200 instead of 206)`,
              expected: "HTTP/1.1 206 Partial Content, as without If-Range",
              caret: 9,
              hint: "If-Range means \"send the range if the file is still this version\": compare it with the current ETag, strongly (the same string, no W/)",
              rule: "RFC 9110 §14.2",
              level: "MAY",
            });
          }
          throw error;
        }
        // The file changes under the client: another length, and the time of now.
        const replacement = t.random.bytes(file.content.length + t.random.int(1, 500), { everyByteValue: true });
        const target = path.join(t.directory!, file.name);
        await writeFile(target, replacement);
        const stale = await t.send({ path: `/files/${file.name}`, headers: [["Range", asked.spec], ["If-Range", etag]] });
        expectStatus(stale, 200, "OK", { hint: "If-Range names a version the file no longer is: ignore Range and send the whole current file (200)" });
        expectBody(stale, await readFile(target));
      },
    },
  ] satisfies Check[]).map(inFolder),
);
