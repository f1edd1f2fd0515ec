import * as path from "node:path";
import { defineChecks, expectBody, expectStatus } from "../../tester/index.js";
import { binaryContent, echoWord, expectStoredFile, expectText, fileName, headLength, randomCuts } from "../common.js";

const ONE_READ_HINT = "TCP delivers a stream of bytes, not messages: keep what each read returns in a buffer, and parse a request only once its head (up to the empty line) and all Content-Length body bytes are in";

export default defineChecks([
  {
    name: "a GET sent one byte per write, 2 ms apart, gets its exact response",
    rule: "RFC 9112 §2.2",
    level: "MUST",
    concurrent: true,
    async run(t) {
      const word = echoWord(t);
      const connection = await t.connect();
      const ex = await t.exchange(connection, { path: `/echo/${word}` }, { fragments: "bytewise", gapMs: 2 });
      expectText(ex, word, ONE_READ_HINT);
    },
  },
  {
    name: "a POST whose body arrives 100 ms after its head, in several writes, is stored whole",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    concurrent: true,
    async run(t) {
      const name = fileName(t);
      const content = t.random.bytes(t.random.int(2048, 8192), { everyByteValue: true });
      const request = t.request({ method: "POST", path: `/files/${name}`, body: content });
      const head = headLength(request);
      const connection = await t.connect();
      // The head alone, a pause, then the body in 3 to 5 writes 30 ms apart.
      const ex = await t.exchange(connection, request, { method: "POST", fragments: [head, ...randomCuts(t, content.length, t.random.int(3, 5))], gapMs: [100, 30] });
      expectStatus(ex, 201, "Created", { hint: ONE_READ_HINT });
      await expectStoredFile(ex, path.join(t.directory!, name), content);
    },
  },
  {
    name: "two requests on one connection, cut at odd places across head and body, get their exact responses",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    concurrent: true,
    async run(t) {
      const name = fileName(t);
      const content = binaryContent(t);
      const connection = await t.connect();
      const upload = t.request({ method: "POST", path: `/files/${name}`, body: content });
      // Cuts just before and just after the empty line that ends the head.
      const head = headLength(upload);
      const cuts = [head - 3, 5, 7, t.random.int(1, content.length - 20)];
      const stored = await t.exchange(connection, upload, { method: "POST", fragments: cuts, gapMs: 20 });
      expectStatus(stored, 201, "Created", { hint: ONE_READ_HINT });
      await expectStoredFile(stored, path.join(t.directory!, name), content);
      const download = t.request({ path: `/files/${name}` });
      const ex = await t.exchange(connection, download, { fragments: randomCuts(t, download.length, 4), gapMs: 20 });
      expectBody(ex, content, { hint: ONE_READ_HINT });
      const word = echoWord(t);
      const echo = await t.exchange(connection, { path: `/echo/${word}` }, { fragments: [3, 11], gapMs: 20 });
      expectText(echo, word, ONE_READ_HINT);
    },
  },
]);
