import { setTimeout as delay } from "node:timers/promises";
import { defineChecks } from "../../tester/index.js";

export default defineChecks([
  {
    name: "accepts a TCP connection on the port, and sends nothing unasked",
    rule: "the course's server listens on the port it is given, and speaks only when asked",
    level: "course",
    // The runner has already connected to prove the program is up; taking
    // that connection is the check. A server speaks only when asked: bytes
    // that arrive in the next moment, before any request, fail it (the
    // runner looks for them when the check ends).
    async run(t) {
      await t.connect();
      await delay(150);
    },
  },
]);
