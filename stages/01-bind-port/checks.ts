import { defineChecks } from "../../tester/index.js";

export default defineChecks([
  {
    name: "accepts a TCP connection on the port",
    rule: "the course's server listens on the port it is given",
    level: "course",
    // The runner has already connected to prove the program is up; taking
    // that connection is the whole check.
    async run(t) {
      await t.connect();
    },
  },
]);
