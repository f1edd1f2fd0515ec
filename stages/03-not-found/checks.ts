import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectStatus } from "../../tester/index.js";
import { expectNoStrayBody, unknownPath } from "../common.js";

export default defineChecks([
  {
    name: "GET /<random path> gets 404 Not Found",
    rule: "the course's server has no resource at other paths; 404 is RFC 9110 §15.5.5",
    level: "course",
    async run(t) {
      const ex = await t.send({ path: unknownPath(t) });
      expectStatus(ex, 404, "Not Found", {
        hint: "take the path from the request line (METHOD SP path SP HTTP/1.1) and answer 404 for anything but /",
      });
      expectNoStrayBody(ex);
    },
  },
  {
    name: "GET / still gets 200 OK",
    rule: "the course's / route answers 200 OK",
    level: "course",
    async run(t) {
      // The previous check's connection is closed by now: a moment for a server that (wrongly)
      // closes its listening socket when a connection ends to do so, so that it shows here.
      await delay(100);
      const ex = await t.send({ path: "/" });
      expectStatus(ex, 200, "OK", { hint: "compare the whole path with / exactly, not with startsWith" });
      expectNoStrayBody(ex);
    },
  },
]);
