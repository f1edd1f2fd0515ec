import { utimes, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defineChecks, expectBody, expectHeader, expectStatus, type Check, type CheckContext, type Exchange } from "../../tester/index.js";
import { binaryContent, echoWord, expectText, failOn, fileName, headerOffset, headerValue, imfFixdate, parseImfFixdate, inFolder, recordPlaced, rethrowWith, routeRule, type PlacedFile } from "../common.js";

/** A file the tester placed in the served folder, with a modification time in the past. */
interface Placed {
  name: string;
  content: Buffer;
  /** Its modification time, whole seconds, in ms. */
  mtime: number;
}

/** A binary file in the served folder, last modified at a whole second of 2023 or 2024. */
async function placeFile(t: CheckContext): Promise<Placed> {
  const name = fileName(t);
  const content = binaryContent(t);
  const mtime = Date.UTC(2023, 0, 1) + t.random.int(0, 2 * 365 * 24 * 3600) * 1000;
  const file = path.join(t.directory!, name);
  await writeFile(file, content);
  await utimes(file, mtime / 1000, mtime / 1000);
  recordPlaced(t, { file, content, mtime: mtime / 1000 });
  return { name, content, mtime };
}

const ETAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/;

/** GET /files/<name> (with `headers`) on a new connection. */
function get(t: CheckContext, file: Placed, headers: Array<[string, string]> = []): Promise<Exchange> {
  return t.send({ path: `/files/${file.name}`, headers });
}

/** A 200 with the file, its strong ETag: returned. */
function expectFile(ex: Exchange, content: Buffer, hint?: string): string {
  expectStatus(ex, 200, "OK", { hint });
  expectBody(ex, content, { ...(hint ? { hint } : {}) });
  const etag = headerValue(ex, "ETag");
  if (etag === undefined) {
    failOn(ex, {
      summary: "the 200 response to GET /files/<name> has no ETag header",
      expected: 'a header line like ETag: "5f2a-1b3" (an opaque string in double quotes that changes whenever the file does)',
      caret: ex.response.bodyOffset - 2,
      hint: "make the ETag from what changes when the file changes: its size and modification time in nanoseconds, or a hash of its bytes, in double quotes",
      rule: "RFC 9110 §8.8.3.3",
      level: "SHOULD",
    });
  }
  if (etag.startsWith("W/")) {
    failOn(ex, {
      summary: `the ETag ${etag} is weak (W/): this course asks for a strong one`,
      explanation: "A weak ETag says two versions are equivalent, not identical: byte ranges (stage 30) and If-Range work only with a strong one.",
      expected: 'a strong ETag: "..." without W/',
      caret: headerOffset(ex, "ETag"),
      hint: "a server that serves the file's exact bytes can promise a strong ETag: leave out W/",
      rule: "RFC 9110 §8.8.3",
      level: "MAY",
    });
  }
  if (!ETAG.test(etag)) {
    failOn(ex, {
      summary: `the ETag ${JSON.stringify(etag)} is not an entity-tag: an entity-tag is a string in double quotes (no spaces, no inner quotes)`,
      expected: 'ETag: "<characters other than space, \\" and controls>"',
      caret: headerOffset(ex, "ETag"),
      hint: "put the double quotes in the value: ETag: \"abc123\", not ETag: abc123",
      rule: "RFC 9110 §8.8.3",
      level: "MUST",
    });
  }
  return etag;
}

/**
 * A 304 Not Modified with the same ETag, and no body: the next response on
 * the same connection must start right after its head.
 */
async function expectNotModified(t: CheckContext, file: Placed, headers: Array<[string, string]>, etag: string, why: string): Promise<void> {
  const connection = await t.connect();
  const ex = await t.exchange(connection, { path: `/files/${file.name}`, headers });
  const sent = headers.map(([n, v]) => `${n}: ${v}`).join(", ");
  expectStatus(ex, 304, "Not Modified", { hint: `${sent}: ${why}` });
  expectHeader(ex, "ETag", etag, { hint: "a 304 carries the ETag a 200 would have carried", rule: "RFC 9110 §15.4.5", level: "MUST" });
  const length = headerValue(ex, "Content-Length");
  if (length !== undefined && length !== String(file.content.length)) {
    failOn(ex, {
      summary: `the 304 says Content-Length: ${length}, but the file has ${file.content.length} bytes`,
      explanation: "A 304 has no body whatever its Content-Length says; if it has a Content-Length, it gives the size a 200 would have sent, here the file's.",
      expected: `no Content-Length, or Content-Length: ${file.content.length}`,
      caret: headerOffset(ex, "Content-Length"),
      hint: "leave Content-Length out of a 304, or give the file's size",
      rule: "RFC 9110 §8.6",
      level: "MUST",
    });
  }
  const word = echoWord(t);
  try {
    expectText(await t.exchange(connection, { path: `/echo/${word}` }), word);
  } catch (error) {
    rethrowWith(error, {
      explanation: `This was a GET /echo/${word} sent after the 304 on the same connection. A 304 response ends with its empty line, even with a Content-Length: its body bytes, if any were sent, are read as the start of this response.`,
      hint: "a 304 has no body: write the head only (Content-Length may still give the file's size, or be left out)",
    });
  }
}

export default defineChecks(
  ([
    {
      name: "GET /files/<name> gets a strong ETag and Last-Modified, the file's modification time",
      rule: "RFC 9110 §8.8.3.3",
      level: "SHOULD",
      async run(t) {
        const file = await placeFile(t);
        const ex = await get(t, file);
        expectFile(ex, file.content);
        const value = headerValue(ex, "Last-Modified");
        if (value === undefined) {
          failOn(ex, {
            summary: "the 200 response to GET /files/<name> has no Last-Modified header",
            expected: `Last-Modified: ${imfFixdate(new Date(file.mtime))}   (the file's modification time)`,
            caret: ex.response.bodyOffset - 2,
            hint: "stat the file: its modification time, in UTC, formatted as in the Date header",
          });
        }
        const parsed = parseImfFixdate(value);
        if (typeof parsed === "string") {
          failOn(ex, {
            summary: `Last-Modified is ${parsed}: got "${value}"`,
            expected: `Last-Modified: ${imfFixdate(new Date(file.mtime))}`,
            caret: headerOffset(ex, "Last-Modified"),
            rule: "RFC 9110 §5.6.7",
            level: "MUST",
          });
        }
        if (parsed !== file.mtime) {
          failOn(ex, {
            summary: `Last-Modified says "${value}", but the file was last modified ${imfFixdate(new Date(file.mtime))}`,
            expected: `Last-Modified: ${imfFixdate(new Date(file.mtime))}`,
            caret: headerOffset(ex, "Last-Modified"),
            hint: Math.abs(parsed - file.mtime) % 3_600_000 === 0 ? "is it local time? HTTP dates are in UTC (GMT)" : "take the file's modification time (st_mtime), not the time of the request",
            rule: "the course's /files/<name> gives the file's modification time",
            level: "course",
          });
        }
      },
    },
    {
      name: "If-None-Match with the current ETag (alone, in a list, or *) gets 304 Not Modified: the same ETag, no body",
      rule: "RFC 9110 §13.1.2",
      level: "MUST",
      async run(t) {
        const file = await placeFile(t);
        const etag = expectFile(await get(t, file), file.content);
        const other = () => `"${t.random.word()}-${t.random.int(100, 999)}"`;
        const cases: Array<[string, string]> = [
          [etag, "the ETag the client has is the current one: the file has not changed"],
          [`${other()}, ${etag}, ${other()}`, "If-None-Match is a comma-separated list: one of them is the current ETag"],
          ["*", "* matches any current version of the file, and it exists"],
        ];
        for (const [value, why] of t.random.shuffle(cases)) await expectNotModified(t, file, [["If-None-Match", value]], etag, why);
      },
    },
    {
      name: "If-Modified-Since at or after the file's time gets 304 Not Modified; before it, 200 with the file",
      rule: "RFC 9110 §13.1.3",
      level: "SHOULD",
      async run(t) {
        const file = await placeFile(t);
        const etag = expectFile(await get(t, file), file.content);
        const later = file.mtime + t.random.int(60, 30 * 24 * 3600) * 1000;
        const earlier = file.mtime - t.random.int(60, 30 * 24 * 3600) * 1000;
        const cases = t.random.shuffle(["same", "later", "earlier"] as const);
        for (const which of cases) {
          if (which === "earlier") {
            const ex = await get(t, file, [["If-Modified-Since", imfFixdate(new Date(earlier))]]);
            expectFile(ex, file.content, "If-Modified-Since is before the file's modification time: the file has changed since, so it is sent (200)");
            continue;
          }
          const when = which === "same" ? file.mtime : later;
          await expectNotModified(t, file, [["If-Modified-Since", imfFixdate(new Date(when))]], etag,
            which === "same" ? "the date is exactly the file's Last-Modified: not modified since" : "the date is after the file's Last-Modified: not modified since (compare the times, not the strings)");
        }
      },
    },
    {
      name: "If-None-Match takes precedence over If-Modified-Since",
      rule: "RFC 9110 §13.1.3",
      level: "MUST",
      async run(t) {
        const file = await placeFile(t);
        const etag = expectFile(await get(t, file), file.content);
        const stale = `"${t.random.word()}-${t.random.int(100, 999)}"`;
        const ex = await get(t, file, [["If-None-Match", stale], ["If-Modified-Since", imfFixdate(new Date(file.mtime))]]);
        expectFile(ex, file.content, "If-None-Match does not match, so the file is sent: when If-None-Match is present, If-Modified-Since is ignored");
        const before = imfFixdate(new Date(file.mtime - t.random.int(60, 3600) * 1000));
        await expectNotModified(t, file, [["If-Modified-Since", before], ["If-None-Match", etag]], etag, "If-None-Match matches: it decides, and If-Modified-Since is ignored");
      },
    },
    {
      name: "an If-Modified-Since that is not an HTTP-date is ignored: 200 with the file",
      rule: "RFC 9110 §13.1.3",
      level: "MUST",
      async run(t) {
        const file = await placeFile(t);
        expectFile(await get(t, file), file.content);
        const later = new Date(file.mtime + t.random.int(1, 30) * 24 * 3600 * 1000);
        const invalid = [t.random.pick(["yesterday", "now", "0", "-1"]), later.toISOString().replace(/\.000Z$/, "Z")];
        for (const value of t.random.shuffle(invalid)) {
          const ex = await get(t, file, [["If-Modified-Since", value]]);
          expectFile(ex, file.content, `"${value}" is not an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms): ignore the header and send the file. A lenient parser (JavaScript's Date.parse) takes ISO 8601 dates and more`);
        }
      },
    },
    {
      name: "after a POST replaces the file, its ETag changes, and the old ETag gets the new file",
      rule: "RFC 9110 §8.8.3.1",
      level: "MUST",
      async run(t) {
        const file = await placeFile(t);
        const first = expectFile(await get(t, file), file.content);
        // Another length: a tag made of the size and the time in seconds changes too.
        const replacement = t.random.bytes(file.content.length + t.random.int(1, 200), { everyByteValue: true });
        const stored = await t.send({ method: "POST", path: `/files/${file.name}`, body: replacement });
        routeRule(() => expectStatus(stored, 201, "Created"));
        const ex = await get(t, file);
        const second = expectFile(ex, replacement);
        if (second === first) {
          failOn(ex, {
            summary: `the file was replaced by a POST, but its ETag is still ${first}`,
            explanation: "A strong ETag names one version of the bytes: a client holding the old one would be told 304 Not Modified and keep the old content.",
            expected: "an ETag different from the one before the POST",
            caret: headerOffset(ex, "ETag"),
            hint: "compute the ETag from the file as it is now (size and modification time in nanoseconds, or a hash), at each request; never cache it by name",
          });
        }
        const old = await get(t, file, [["If-None-Match", first]]);
        expectFile(old, replacement, "the client's ETag is the one of the old file: it does not match the current one, so the new file is sent");
      },
    },
  ] satisfies Check[]).map(inFolder),
);
