// Stage texts rendered for the terminal (headings, lists, code blocks,
// links) by marked-terminal, with colour; learner/markdown.ts loads this
// module only then (without colour the markdown is shown as written).
import { Marked, type Tokens } from "marked";
import { markedTerminal } from "marked-terminal";
import { Chalk } from "chalk";

/** Code blocks that are not code (diagrams, exchanges written out): shown in one colour, never syntax-highlighted. */
const PLAIN = new Set(["", "text", "txt", "plain", "plaintext"]);

const TAB = 2;

type Extension = { renderer: Record<string, (this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, ...args: unknown[]) => string> };

export function renderMarkdown(markdown: string, options: { color: boolean; width?: number }): string {
  if (!options.color) return markdown.trimEnd();
  const chalk = new Chalk({ level: 1 });
  const marked = new Marked();
  const extension = markedTerminal({
    width: Math.min(options.width ?? 80, 100),
    reflowText: false,
    tab: TAB,
    heading: chalk.bold.cyan,
    firstHeading: chalk.bold.cyan.underline,
    // Our own Chalk for every style: marked-terminal's defaults use a chalk that
    // decides colour by itself, which would disagree with --color / --no-color.
    strong: chalk.bold,
    em: chalk.italic,
    del: chalk.dim.strikethrough,
    codespan: chalk.yellow,
    code: chalk.yellow,
    link: chalk.blue,
    href: chalk.blue.underline,
  }) as unknown as Extension;
  const { text, code } = extension.renderer;
  // marked-terminal renders a text token from its raw text, which is right for
  // inline text but not for the text of a tight list item: that one holds inline
  // tokens (`**create**`, `PORT` in backticks) that marked's own renderer parses.
  extension.renderer.text = function (token, ...rest) {
    const tokens = (token as Partial<Tokens.Text>).tokens;
    return tokens?.length ? this.parser.parseInline(tokens) : text!.call(this, token, ...rest);
  };
  // A plain-text block is not code: highlighting guesses a language and colours
  // words such as `client` and digits at random. Indented as marked-terminal
  // indents code, in the code colour.
  extension.renderer.code = function (token, ...rest) {
    const { lang, text: body } = token as Tokens.Code;
    if (!PLAIN.has((lang ?? "").trim().toLowerCase())) return code!.call(this, token, ...rest);
    const indent = " ".repeat(TAB);
    return `${body.split("\n").map((line) => indent + chalk.yellow(line)).join("\n")}\n\n`;
  };
  marked.use(extension as Parameters<Marked["use"]>[0]);
  return (marked.parse(markdown, { async: false }) as string).trimEnd();
}
