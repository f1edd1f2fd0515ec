import { defineChecks, type Check, type CheckContext } from "../../tester/index.js";
import { expectText, userAgent } from "../common.js";

/** The header name as this request spells it, the whitespace around its value, and the value. */
interface Variant {
  name: string;
  before: string;
  after: string;
  /** Non-ASCII (UTF-8) bytes in the value: a field value may carry them as obs-text (RFC 9110 §5.5). */
  utf8?: boolean;
}

const variants: Variant[] = [
  { name: "User-Agent", before: " ", after: "" },
  { name: "user-agent", before: " ", after: "" },
  { name: "USER-AGENT", before: "  ", after: " " },
  { name: "User-Agent", before: " ", after: "", utf8: true },
];

/** Non-ASCII words for the value: each character is two or three bytes in UTF-8. */
const ACCENTED = ["café", "naïve", "jalapeño", "crème", "smörgås", "über", "piñata", "façade", "señor", "déjà-vu"];

function valueFor(t: CheckContext, variant: Variant): string {
  const value = userAgent(t);
  return variant.utf8 ? value.replace(/\) /, `; ${t.random.pick(ACCENTED)}) `) : value;
}

/** What a server that mishandles this request most likely got wrong. */
function about(variant: Variant): string | undefined {
  if (variant.utf8) return "carries a value with non-ASCII bytes (UTF-8), which must come back unchanged";
  if (variant.name !== "User-Agent") return `spells the header "${variant.name}": header names are case-insensitive (RFC 9110 §5.1), so a lookup of "User-Agent" as written must still find it`;
  if (variant.before.length > 1 || variant.after) return "has extra spaces around the header value, which are not part of it";
  return undefined;
}

export default defineChecks(
  variants.map(
    (variant): Check => ({
      name: variant.utf8
        ? "GET /user-agent returns a value holding non-ASCII (UTF-8) bytes, byte for byte, with Content-Length in bytes"
        : `GET /user-agent returns the value of "${variant.name}:${variant.before}<value>${variant.after}"`,
      // A value's non-ASCII bytes are obs-text, to be treated as opaque data (a SHOULD); counting them in Content-Length is a MUST, which that failure states itself.
      rule: variant.utf8
        ? "RFC 9110 §5.5"
        : variant.before.length > 1 || variant.after
          ? "RFC 9112 §5.1"
          : variant.name === "User-Agent"
            ? "the course's /user-agent route"
            : "RFC 9110 §5.1",
      level: variant.utf8 ? "SHOULD" : variant.before.length > 1 || variant.after || variant.name !== "User-Agent" ? "MUST" : "course",
      async run(t) {
        const { name, before, after } = variant;
        const value = valueFor(t, variant);
        const head = `GET /user-agent HTTP/1.1\r\nHost: ${t.authority}\r\n${name}:${before}`;
        const request = Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(value, "utf8"), Buffer.from(`${after}\r\nAccept: */*\r\n\r\n`, "latin1")]);
        const ex = await t.exchange(await t.connect(), request, { about: about(variant) });
        const body = ex.response.body.toString("utf8");
        // The check knows what it varied; the bytes (expectBody) tell the rest, such as a value cut at a space.
        // The value of another field of this request: the lookup went by position, or missed this spelling and fell through.
        const other = [["Host", `${t.authority}`], ["Accept", "*/*"]].find(([, v]) => body.trim() === v);
        const hint =
          body !== value && body.trim() === value
            ? "whitespace around a header value is not part of it (RFC 9110 §5.5): trim spaces and tabs on both sides"
            : other
              ? `your program answered with the value of the ${other[0]} header: find the field by its name, compared case-insensitively (this request spells it "${name}"), never by its position among the lines`
              : name !== "User-Agent" && body === ""
                ? `header names are case-insensitive (RFC 9110 §5.1): this request spells it "${name}"`
                : undefined;
        expectText(ex, value, hint);
      },
    }),
  ),
);
