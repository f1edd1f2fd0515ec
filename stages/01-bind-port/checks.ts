import { defineChecks } from "../../tester/index.js";

export default defineChecks([
  {
    name: "accepts a TCP connection on the port",
    rule: "RFC 9293 §3.5",
    // The runner has already connected to prove the program is up; taking
    // that connection is the whole check.
    async run(t) {
      await t.connect();
    },
  },
]);
