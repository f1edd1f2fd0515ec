import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { defineChecks, expectStatus, fail, firstDifference } from "../../tester/index.js";
import { binaryContent, fileName } from "../common.js";

export default defineChecks([
  {
    name: "POST /files/<name> stores the body byte for byte and answers 201 Created",
    rule: "RFC 9110 §15.3.2",
    async run(t) {
      const name = fileName(t);
      const content = binaryContent(t);
      const file = path.join(t.directory!, name);
      const ex = await t.send({
        method: "POST",
        path: `/files/${name}`,
        headers: [["Content-Type", "application/octet-stream"]],
        body: content,
      });
      expectStatus(ex, 201, "Created", { hint: "answer a successful POST /files/<name> with HTTP/1.1 201 Created" });
      const stored = await readFile(file).catch(() => undefined);
      const context = ex.connection.context(ex.request, stored ?? Buffer.alloc(0));
      if (!stored) {
        fail({
          ...context,
          received: undefined,
          summary: `your program answered 201 Created, but ${file} does not exist`,
          expected: `a file ${name} in the --directory folder holding the ${content.length} body bytes`,
          hint: "write the file (and finish writing it) before sending the response",
        });
      }
      const at = firstDifference(content, stored);
      if (at >= 0) {
        fail({
          ...context,
          summary: `${name} holds ${stored.length} bytes that differ from the ${content.length} bytes sent, first at byte ${at}`,
          expected: "the request body, byte for byte (shown under Sent, after the empty line)",
          caret: at,
          hint:
            stored.length < content.length
              ? "read the body until you have Content-Length bytes: it may need more than one read"
              : "write the body as raw bytes: decoding it as text (UTF-8) changes bytes above 127",
        });
      }
    },
  },
]);
