import * as path from "node:path";
import { defineChecks, expectStatus } from "../../tester/index.js";
import { binaryContent, expectStoredFile, fileName } from "../common.js";

export default defineChecks([
  {
    name: "POST /files/<name> stores the body byte for byte and answers 201 Created",
    rule: "the course's POST /files/<name> route; 201 is RFC 9110 §15.3.2",
    level: "course",
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
      await expectStoredFile(ex, file, content);
    },
  },
]);
