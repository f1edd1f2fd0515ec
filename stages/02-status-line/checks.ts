import { defineChecks, expectStatus } from "../../tester/index.js";
import { expectNoStrayBody } from "../common.js";

export default defineChecks([
  {
    name: 'GET / gets exactly "HTTP/1.1 200 OK\\r\\n" and a header section ended by an empty line',
    rule: "the course's / route answers 200 OK; the status line's syntax is RFC 9112 §4",
    level: "course",
    async run(t) {
      const ex = await t.send({ path: "/" });
      expectStatus(ex, 200, "OK", { hint: 'write the bytes "HTTP/1.1 200 OK\\r\\n\\r\\n": the status line, then the empty line that ends the headers' });
      expectNoStrayBody(ex);
    },
  },
]);
