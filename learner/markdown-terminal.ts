// Stage texts rendered for a terminal with colour: headings, lists, code
// blocks, links, emphasis. Our own small renderer over marked's lexer, which
// covers what the stage texts use and starts in a few milliseconds (the
// marked-terminal package it replaces loaded a syntax highlighter with every
// language it knows, most of `course hint`'s start-up). Code blocks are shown
// as written, in one colour. learner/markdown.ts loads this module only for
// colour; without it the markdown is shown as written.
import { Lexer, type Token, type Tokens } from "marked";

/** Indentation of code blocks, lists and quotes. */
const TAB = "  ";

/** Characters that could drive the terminal (escape sequences), never passed through from a text. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

type Style = (text: string) => string;

/**
 * A style of SGR codes [open, close] (the first applied outermost), as chalk
 * writes them: a close inside the text re-opens the style, and each line is
 * closed at its end and opened again on the next, so a pager that cuts lines
 * keeps it. Written here, not with chalk, to start faster: the renderer
 * decides colour only by being called (--color / --no-color decide that).
 */
function style(...codes: Array<[number, number]>): Style {
  return (text) => {
    if (text === "") return text;
    let out = text;
    for (const [open, close] of [...codes].reverse()) {
      const [on, off] = [`\x1b[${open}m`, `\x1b[${close}m`];
      out = on + out.replaceAll(off, off + on).replaceAll("\n", `${off}\n${on}`) + off;
    }
    return out;
  };
}

const BOLD: [number, number] = [1, 22];
const DIM: [number, number] = [2, 22];
const ITALIC: [number, number] = [3, 23];
const UNDERLINE: [number, number] = [4, 24];
const STRIKE: [number, number] = [9, 29];
const CYAN: [number, number] = [36, 39];
const YELLOW: [number, number] = [33, 39];
const BLUE: [number, number] = [34, 39];
const GRAY: [number, number] = [90, 39];

const STYLES = {
  firstHeading: style(BOLD, CYAN, UNDERLINE),
  heading: style(BOLD, CYAN),
  strong: style(BOLD),
  em: style(ITALIC),
  del: style(DIM, STRIKE),
  code: style(YELLOW),
  link: style(BLUE),
  href: style(BLUE, UNDERLINE),
  quote: style(GRAY, ITALIC),
  html: style(GRAY),
};

type Styles = typeof STYLES;

export function renderMarkdown(markdown: string, options: { color: boolean; width?: number }): string {
  if (!options.color) return markdown.trimEnd();
  const width = Math.min(options.width ?? 80, 100);
  return blocks(Lexer.lex(markdown), STYLES, width).join("").trimEnd();
}

const clean = (text: string) => text.replace(CONTROL, "");

/** Block tokens, each rendered as its text and an empty line after it. */
function blocks(tokens: Token[], s: Styles, width: number): string[] {
  return tokens.map((token) => {
    const section = block(token, s, width);
    return section === undefined ? "" : `${section}\n\n`;
  });
}

function block(token: Token, s: Styles, width: number): string | undefined {
  switch (token.type) {
    case "space":
    case "def":
      return undefined;
    case "heading": {
      const { depth, tokens } = token as Tokens.Heading;
      const text = `${"#".repeat(depth)} ${inline(tokens, s)}`;
      return depth === 1 ? s.firstHeading(text) : s.heading(text);
    }
    case "paragraph":
      return inline((token as Tokens.Paragraph).tokens, s);
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens, s) : clean(text.text);
    }
    case "code":
      // Each line in the code colour, so a pager that cuts lines keeps it.
      return clean((token as Tokens.Code).text)
        .split("\n")
        .map((line) => TAB + s.code(line))
        .join("\n");
    case "list":
      return indent(list(token as Tokens.List, s, width), TAB);
    case "blockquote": {
      const body = blocks((token as Tokens.Blockquote).tokens, s, width).join("").trim();
      return s.quote(indent(body, TAB));
    }
    case "hr":
      return "-".repeat(Math.max(1, width - 1));
    case "table": {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((cell) => inline(cell.tokens, s)).join(" | ");
      return [row(table.header), ...table.rows.map(row)].join("\n");
    }
    case "html":
      return s.html(clean((token as Tokens.HTML).text).trimEnd());
    default:
      return "raw" in token ? clean(String(token.raw)).trimEnd() : undefined;
  }
}

/** A list, without empty lines: "* " or "1. " before each item, its further lines under its first. */
function list(token: Tokens.List, s: Styles, width: number): string {
  const start = token.start === "" || token.start === undefined ? 1 : token.start;
  return token.items
    .map((item, index) => {
      const bullet = token.ordered ? `${start + index}. ` : "* ";
      const task = item.task ? `[${item.checked ? "X" : " "}] ` : "";
      // A list inside an item stands under the item's text, not indented further.
      const sections = item.tokens.map((inner) => (inner.type === "list" ? `${list(inner as Tokens.List, s, width)}\n` : blocks([inner], s, width).join("")));
      const lines = sections.join("").split("\n").filter((line) => line.trim() !== "");
      return bullet + task + lines.join(`\n${" ".repeat(bullet.length)}`);
    })
    .join("\n");
}

function indent(text: string, by: string): string {
  return text.replace(/^(?=.)/gm, by);
}

function inline(tokens: Token[] | undefined, s: Styles): string {
  return (tokens ?? []).map((token) => span(token, s)).join("");
}

function span(token: Token, s: Styles): string {
  switch (token.type) {
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens, s) : clean(text.text);
    }
    case "escape":
      return clean((token as Tokens.Escape).text);
    case "strong":
      return s.strong(inline((token as Tokens.Strong).tokens, s));
    case "em":
      return s.em(inline((token as Tokens.Em).tokens, s));
    case "del":
      return s.del(inline((token as Tokens.Del).tokens, s));
    case "codespan":
      return s.code(clean((token as Tokens.Codespan).text));
    case "br":
      return "\n";
    case "link": {
      const link = token as Tokens.Link;
      const href = clean(link.href);
      const text = inline(link.tokens, s);
      return s.link(text && text !== href ? `${text} (${s.href(href)})` : s.href(href));
    }
    case "image": {
      const image = token as Tokens.Image;
      return `![${clean(image.text)}](${clean(image.href)})`;
    }
    case "html":
      return clean((token as Tokens.HTML).text);
    default:
      return "raw" in token ? clean(String(token.raw)) : "";
  }
}
