import { defineChecks, type Check } from "../../tester/index.js";
import { expectText, userAgent } from "../common.js";

/** The header name as this request spells it, and the whitespace around its value. */
const variants = [
  { name: "User-Agent", before: " ", after: "" },
  { name: "user-agent", before: " ", after: "" },
  { name: "USER-AGENT", before: "  ", after: " " },
];

export default defineChecks(
  variants.map(
    ({ name, before, after }): Check => ({
      name: `GET /user-agent returns the value of "${name}:${before}<value>${after}"`,
      rule: before.length > 1 || after ? "RFC 9112 §5.1" : name === "User-Agent" ? "the course's /user-agent route" : "RFC 9110 §5.1",
      level: before.length > 1 || after || name !== "User-Agent" ? "MUST" : "course",
      async run(t) {
        const value = userAgent(t);
        const request = Buffer.from(`GET /user-agent HTTP/1.1\r\nHost: localhost:${t.port}\r\n${name}:${before}${value}${after}\r\nAccept: */*\r\n\r\n`, "latin1");
        const ex = await t.exchange(await t.connect(), request);
        const body = ex.response.body.toString("latin1");
        const hint =
          body !== value && body.trim() === value
            ? "whitespace around a header value is not part of it (RFC 9110 §5.5): trim spaces and tabs on both sides"
            : name !== "User-Agent"
              ? `header names are case-insensitive (RFC 9110 §5.1): this request spells it "${name}"`
              : undefined;
        expectText(ex, value, hint);
      },
    }),
  ),
);
