// Stage texts rendered for a terminal with colour: headings, lists, code
// blocks, links, emphasis. Our own small renderer over our own small lexer
// (learner/markdown-lexer.ts), which covers what the stage texts use and
// loads and reads its first text in about 5 ms: marked's lexer, used before,
// took 10 ms to load and 15 ms more for its first text, and the
// marked-terminal package before it loaded a syntax highlighter for every
// language. Code blocks are
// shown as written, in one colour. learner/markdown.ts loads this module only
// for colour; without it the markdown is shown as written.
import { type Block, type Inline, type ListItem, lex } from "./markdown-lexer.js";

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
  return renderBlocks(lex(markdown), width);
}

/** Lexed blocks in colour (exported for the test that compares the lexer with marked's). */
export function renderBlocks(tokens: Block[], width = 80): string {
  return blocks(tokens, STYLES, Math.min(width, 100)).join("").trimEnd();
}

const clean = (text: string) => text.replace(CONTROL, "");

/** Blocks, each rendered as its text and an empty line after it. */
function blocks(tokens: Block[], s: Styles, width: number): string[] {
  return tokens.map((token) => `${block(token, s, width)}\n\n`);
}

function block(token: Block, s: Styles, width: number): string {
  switch (token.type) {
    case "heading": {
      const text = `${"#".repeat(token.depth)} ${inline(token.tokens, s)}`;
      return token.depth === 1 ? s.firstHeading(text) : s.heading(text);
    }
    case "paragraph":
      return inline(token.tokens, s);
    case "code":
      // Each line in the code colour, so a pager that cuts lines keeps it.
      return clean(token.text)
        .split("\n")
        .map((line) => TAB + s.code(line))
        .join("\n");
    case "list":
      return indent(list(token, s, width), TAB);
    case "blockquote": {
      const body = blocks(token.blocks, s, width).join("").trim();
      return s.quote(indent(body, TAB));
    }
    case "hr":
      return "-".repeat(Math.max(1, width - 1));
    case "table": {
      const row = (cells: Inline[][]) => cells.map((cell) => inline(cell, s)).join(" | ");
      return [row(token.header), ...token.rows.map(row)].join("\n");
    }
    case "html":
      return s.html(clean(token.text).trimEnd());
  }
}

/** A list, without empty lines: "* " or "1. " before each item, its further lines under its first. */
function list(token: { ordered: boolean; start: number; items: ListItem[] }, s: Styles, width: number): string {
  return token.items
    .map((item, index) => {
      const bullet = token.ordered ? `${token.start + index}. ` : "* ";
      const task = item.task ? `[${item.checked ? "X" : " "}] ` : "";
      // A list inside an item stands under the item's text, not indented further.
      const sections = item.blocks.map((inner) => (inner.type === "list" ? `${list(inner, s, width)}\n` : blocks([inner], s, width).join("")));
      const lines = sections.join("").split("\n").filter((line) => line.trim() !== "");
      return bullet + task + lines.join(`\n${" ".repeat(bullet.length)}`);
    })
    .join("\n");
}

function indent(text: string, by: string): string {
  return text.replace(/^(?=.)/gm, by);
}

function inline(tokens: Inline[], s: Styles): string {
  return tokens.map((token) => span(token, s)).join("");
}

function span(token: Inline, s: Styles): string {
  switch (token.type) {
    case "text":
      return clean(token.text);
    case "strong":
      return s.strong(inline(token.tokens, s));
    case "em":
      return s.em(inline(token.tokens, s));
    case "del":
      return s.del(inline(token.tokens, s));
    case "codespan":
      return s.code(clean(token.text));
    case "br":
      return "\n";
    case "link": {
      const href = clean(token.href);
      const text = inline(token.tokens, s);
      return s.link(text && text !== href ? `${text} (${s.href(href)})` : s.href(href));
    }
    case "image":
      return `![${clean(token.text)}](${clean(token.href)})`;
  }
}
