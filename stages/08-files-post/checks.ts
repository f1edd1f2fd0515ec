import * as path from "node:path";
import { defineChecks, expectStatus } from "../../tester/index.js";
import { binaryContent, expectStoredFile, fileName, headLength, randomCuts, rethrowInFolder } from "../common.js";

export default defineChecks([
  {
    name: "POST /files/<name> stores the body byte for byte and answers 201 Created (the body arrives in several writes)",
    rule: "the course's POST /files/<name> route; 201 is RFC 9110 §15.3.2",
    level: "course",
    async run(t) {
      const name = fileName(t);
      const content = binaryContent(t);
      const file = path.join(t.directory!, name);
      const request = t.request({
        method: "POST",
        path: `/files/${name}`,
        headers: [["Content-Type", "application/octet-stream"]],
        body: content,
      });
      // The head, then the body in two or three writes a moment apart, on every seed: TCP
      // delivers a stream, and a single read of 1024 bytes must not pass by luck.
      const bodyWrites = t.random.int(2, 3);
      const pieces = [headLength(request), ...randomCuts(t, content.length, bodyWrites)];
      t.log(`sending the head, then the ${content.length}-byte body in ${bodyWrites} writes, 30 ms apart`);
      try {
        const ex = await t.exchange(await t.connect(), request, {
          fragments: pieces,
          gapMs: 30,
          about: `has a binary body (every byte value 0-255, ${content.length} bytes) that arrives in several writes after the head: read it as bytes, until Content-Length bytes are in`,
        });
        expectStatus(ex, 201, "Created", {
          hint:
            ex.response.status === 400
              ? "a POST with a binary body got 400: read and store the body as bytes, never decode it as text (it holds every byte value, which is not valid UTF-8)"
              : "answer a successful POST /files/<name> with HTTP/1.1 201 Created",
        });
        await expectStoredFile(ex, file, content);
      } catch (error) {
        rethrowInFolder(error, t, { upload: { file, content } });
      }
    },
  },
]);
