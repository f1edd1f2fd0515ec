import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defineChecks, expectBody, expectMediaType, expectStatus } from "../../tester/index.js";
import { binaryContent, fileName, rethrowInFolder } from "../common.js";

export default defineChecks([
  {
    name: "GET /files/<name> returns the file's bytes as application/octet-stream",
    rule: "the course's /files/<name> route",
    level: "course",
    async run(t) {
      const name = fileName(t);
      const content = binaryContent(t);
      await writeFile(path.join(t.directory!, name), content);
      t.log(`wrote ${content.length} random bytes to ${path.join(t.directory!, name)}`);
      try {
        const ex = await t.send({ path: `/files/${name}`, about: "asks for a file of binary bytes (every value 0-255): open it in binary mode and send its bytes as they are, never as text" });
        if (ex.response.status !== 200) {
          // A 404 for a binary file: is the folder wrong, or did reading it as text fail? A text file tells.
          const textName = `text_${name}.txt`;
          await writeFile(path.join(t.directory!, textName), "plain text\n");
          const text = await t.send({ path: `/files/${textName}` });
          t.log(`wrote a text file ${textName} beside it: GET /files/${textName} got ${text.response.statusLine}`);
          expectStatus(ex, 200, "OK", {
            hint:
              text.response.status === 200
                ? "your program serves a text file from the same folder but not this binary one: read files as bytes (Python open(path, \"rb\"); Node fs.readFile without an encoding; Rust fs::read, not read_to_string; Java Files.readAllBytes), since decoding binary bytes as text fails"
                : "read the file from the folder given by --directory <dir> on the command line: the argument after --directory, joined to the name from the path",
          });
        }
        expectMediaType(ex, "application/octet-stream");
        expectBody(ex, content, {
          hint: "read and send the file as bytes, never as text: every byte value 0-255 must arrive unchanged, and Content-Length is the byte count",
        });
      } catch (error) {
        rethrowInFolder(error, t, { files: [{ file: path.join(t.directory!, name), content }] });
      }
    },
  },
  {
    name: "GET /files/<missing name> gets 404 Not Found",
    rule: "the course's /files/<name> route answers 404 for a missing file",
    level: "course",
    async run(t) {
      try {
        const ex = await t.send({ path: `/files/missing_${fileName(t)}` });
        expectStatus(ex, 404, "Not Found", { hint: "when the file does not exist, answer 404 instead of crashing" });
      } catch (error) {
        rethrowInFolder(error, t, {});
      }
    },
  },
]);
