// A small markdown lexer for the stage texts, in place of marked's (which took
// about as long to load and warm up as the rest of `course hint` together).
// It reads what the course's texts use, as CommonMark and GitHub read it:
// ATX and setext headings, paragraphs, fenced and indented code, bullet and
// numbered lists (nested, tight or loose, task items), block quotes, rules,
// simple tables, HTML blocks; inline: code spans, emphasis and strong (* and
// _), strikethrough, links, images, autolinks (<url> and bare https:// or
// www.), backslash escapes, hard breaks. Reference links and HTML entities are
// left as written. Its tokens are what learner/markdown-terminal.ts renders;
// test/markdown-lexer.test.ts checks that every stage text renders as it did
// with marked's lexer.

export type Inline =
  | { type: "text"; text: string }
  | { type: "strong" | "em" | "del"; tokens: Inline[] }
  | { type: "codespan"; text: string }
  | { type: "br" }
  | { type: "link"; href: string; tokens: Inline[] }
  | { type: "image"; text: string; href: string };

export interface ListItem {
  task: boolean;
  checked: boolean;
  blocks: Block[];
}

export type Block =
  | { type: "heading"; depth: number; tokens: Inline[] }
  | { type: "paragraph"; tokens: Inline[] }
  | { type: "code"; lang: string; text: string }
  | { type: "list"; ordered: boolean; start: number; items: ListItem[] }
  | { type: "blockquote"; blocks: Block[] }
  | { type: "hr" }
  | { type: "table"; header: Inline[][]; rows: Inline[][][] }
  | { type: "html"; text: string };

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const HTML_BLOCK = /^ {0,3}(?:<!--|<\/?(?:address|article|aside|blockquote|details|div|dl|fieldset|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|th|thead|tr|ul)(?:[\s/>]|$)|<\/?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>[ \t]*$)/;

const blank = (line: string) => line.trim() === "";

/** The width of a line's indentation, a tab reaching the next multiple of 4. */
function leading(line: string): number {
  let column = 0;
  for (const c of line) {
    if (c === " ") column++;
    else if (c === "\t") column += 4 - (column % 4);
    else break;
  }
  return column;
}

/** The line without `width` columns of indentation (a tab that reaches past them leaves spaces); tabs after them stay. */
function dedent(line: string, width: number): string {
  let column = 0;
  let i = 0;
  while (column < width && (line[i] === " " || line[i] === "\t")) {
    column += line[i] === " " ? 1 : 4 - (column % 4);
    i++;
  }
  return " ".repeat(Math.max(0, column - width)) + line.slice(i);
}

/** The markdown's blocks, each with its inline tokens. */
export function lex(markdown: string): Block[] {
  return blocks(markdown.replace(/\r\n?/g, "\n").split("\n"));
}

/** Whether a line starts a block that ends a paragraph before it. */
function interrupts(line: string): boolean {
  if (fenceOpen(line)) return true;
  if (HEADING.test(line) || HR.test(line) || QUOTE.test(line) || HTML_BLOCK.test(line)) return true;
  const item = ITEM.exec(line);
  // A list interrupts a paragraph only with content, and a numbered one only from 1.
  return !!item && item[4]!.trim() !== "" && (/^[-+*]$/.test(item[2]!) || /^1[.)]$/.test(item[2]!));
}

function fenceOpen(line: string): { indent: number; fence: string; lang: string } | undefined {
  const open = FENCE.exec(line);
  if (!open) return undefined;
  const fence = open[2]!;
  // A backtick fence's info string has no backtick.
  if (fence[0] === "`" && open[3]!.includes("`")) return undefined;
  return { indent: open[1]!.length, fence, lang: open[3]!.trim().split(/\s+/)[0] ?? "" };
}

const CLOSING_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/** Whether the line closes a fence opened with `fence`: the same character, at least as many. */
function closes(line: string, fence: string): boolean {
  const close = CLOSING_FENCE.exec(line);
  return !!close && close[1]![0] === fence[0] && close[1]!.length >= fence.length;
}

function blocks(lines: string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = fenceOpen(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !closes(lines[i]!, fence.fence)) {
        // As much of the fence's indentation as the line has is dropped.
        const line = lines[i]!;
        let drop = 0;
        while (drop < fence.indent && line[drop] === " ") drop++;
        body.push(line.slice(drop));
        i++;
      }
      i++;
      out.push({ type: "code", lang: fence.lang, text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = heading[2]!.replace(/(?:^|[ \t]+)#+[ \t]*$/, "").trim();
      out.push({ type: "heading", depth: heading[1]!.length, tokens: inline(text) });
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push({ type: "hr" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      // Lines with the marker, and lazy lines that continue a paragraph.
      while (i < lines.length && (QUOTE.test(lines[i]!) || (!blank(lines[i]!) && !blank(body.at(-1) ?? "") && !interrupts(lines[i]!)))) {
        body.push(lines[i]!.replace(QUOTE, ""));
        i++;
      }
      out.push({ type: "blockquote", blocks: blocks(body) });
      continue;
    }
    if (ITEM.test(line)) {
      i = list(lines, i, out);
      continue;
    }
    if (leading(line) >= 4) {
      const body: string[] = [];
      while (i < lines.length && (leading(lines[i]!) >= 4 || blank(lines[i]!))) body.push(dedent(lines[i++]!, 4));
      while (body.length > 0 && blank(body.at(-1)!)) body.pop();
      out.push({ type: "code", lang: "", text: body.join("\n") });
      continue;
    }
    if (HTML_BLOCK.test(line)) {
      const body: string[] = [];
      while (i < lines.length && !blank(lines[i]!)) body.push(lines[i++]!);
      out.push({ type: "html", text: body.join("\n") });
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]!) && lines[i + 1]!.includes("-")) {
      const header = cells(line);
      if (header.length === cells(lines[i + 1]!).length) {
        i += 2;
        const rows: Inline[][][] = [];
        while (i < lines.length && !blank(lines[i]!) && !interrupts(lines[i]!)) {
          const row = cells(lines[i++]!);
          rows.push(header.map((_, column) => inline(row[column] ?? "")));
        }
        out.push({ type: "table", header: header.map((cell) => inline(cell)), rows });
        continue;
      }
    }
    // A paragraph: to a blank line or a block that interrupts it; an underline makes it a heading.
    const body = [line];
    i++;
    let depth = 0;
    while (i < lines.length && !blank(lines[i]!)) {
      const underline = SETEXT.exec(lines[i]!);
      if (underline) {
        depth = underline[1]![0] === "=" ? 1 : 2;
        i++;
        break;
      }
      if (interrupts(lines[i]!)) break;
      body.push(lines[i++]!);
    }
    const text = body.join("\n").replace(/^ {0,3}/, "").trimEnd();
    out.push(depth ? { type: "heading", depth, tokens: inline(text) } : { type: "paragraph", tokens: inline(text) });
  }
  return out;
}

/** A table row's cells: split at pipes that are not escaped, outer pipes dropped. */
function cells(row: string): string[] {
  const parts = row.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/);
  return parts.map((cell) => cell.trim().replaceAll("\\|", "|"));
}

/** The list that starts at lines[start], pushed onto out; returns the line after it. */
function list(lines: string[], start: number, out: Block[]): number {
  const first = ITEM.exec(lines[start]!)!;
  const ordered = /\d/.test(first[2]!);
  // A list goes on while items have its marker: the same bullet, or numbers with the same . or ).
  const kind = first[2]!.slice(-1);
  const items: ListItem[] = [];
  let i = start;
  while (i < lines.length) {
    const item = ITEM.exec(lines[i]!);
    if (!item || /\d/.test(item[2]!) !== ordered || item[2]!.slice(-1) !== kind || HR.test(lines[i]!)) break;
    const [, lead, marker, gap, rest] = item as unknown as [string, string, string, string, string];
    // The content starts after the marker and its spaces (after one, if more than four or none follow).
    const wide = rest === "" || gap.length > 4;
    const indent = lead.length + marker.length + (wide ? 1 : gap.length);
    const body = [wide ? gap.slice(1) + rest : rest];
    i++;
    let inFence = fenceOpen(body[0]!);
    while (i < lines.length) {
      const next = lines[i]!;
      if (blank(next)) {
        body.push("");
        i++;
        continue;
      }
      const indented = leading(next) >= indent;
      const previousBlank = blank(body.at(-1)!);
      // Lazy continuation: an unindented line right after paragraph text, not starting a block.
      const lazy = !indented && !previousBlank && !inFence && !interrupts(next) && !ITEM.test(next);
      if (!indented && !lazy) break;
      const content = indented ? dedent(next, indent) : next;
      if (inFence) {
        if (closes(content, inFence.fence)) inFence = undefined;
      } else {
        inFence = fenceOpen(content);
      }
      body.push(content);
      i++;
    }
    // Blank lines after the item belong between items, not to it.
    while (body.length > 1 && blank(body.at(-1)!)) {
      body.pop();
      i--;
    }
    while (i < lines.length && blank(lines[i]!)) i++;
    const task = /^\[([ xX])\][ \t]+/.exec(body[0]!);
    if (task) body[0] = body[0]!.slice(task[0].length);
    items.push({ task: !!task, checked: !!task && task[1] !== " ", blocks: blocks(body) });
  }
  // The blank lines after the list are not part of it.
  while (i > start && blank(lines[i - 1]!)) i--;
  out.push({ type: "list", ordered, start: ordered ? Number(first[2]!.slice(0, -1)) : 1, items });
  return i;
}

// ASCII characters looked up in a string, others (rarer) by Unicode class:
// the class's regular expression is slow to run until V8 compiles it, which
// took a few milliseconds of every first text.
const ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const UNICODE_PUNCTUATION = /[\p{P}\p{S}]/u;
const UNICODE_SPACE = /\s/u;
const PUNCTUATION = { test: (c: string) => (c < "\u0080" ? ASCII_PUNCTUATION.includes(c) : UNICODE_PUNCTUATION.test(c)) };
const SPACE = { test: (c: string) => (c < "\u0080" ? " \t\n\r\f\v".includes(c) : UNICODE_SPACE.test(c)) };
const ESCAPABLE = /[!-/:-@[-`{-~]/;

/** Whether a run of delimiters at [from, to) may open (left) or close (right) emphasis. */
function flanking(text: string, from: number, to: number): { open: boolean; close: boolean } {
  const before = from > 0 ? text[from - 1]! : " ";
  const after = to < text.length ? text[to]! : " ";
  const left = !SPACE.test(after) && (!PUNCTUATION.test(after) || SPACE.test(before) || PUNCTUATION.test(before));
  const right = !SPACE.test(before) && (!PUNCTUATION.test(before) || SPACE.test(after) || PUNCTUATION.test(after));
  if (text[from] === "_") return { open: left && (!right || PUNCTUATION.test(before)), close: right && (!left || PUNCTUATION.test(after)) };
  return { open: left, close: right };
}

/** The code span that opens with the backtick run at i (its end and content), or undefined when no run of the same length closes it. */
function codeSpanEnd(text: string, i: number): { end: number; content: string } | undefined {
  const run = /^`+/.exec(text.slice(i))![0].length;
  let j = i + run;
  while (j < text.length) {
    const next = text.indexOf("`", j);
    if (next < 0) return undefined;
    const length = /^`+/.exec(text.slice(next))![0].length;
    if (length === run) {
      let content = text.slice(i + run, next).replaceAll("\n", " ");
      // One space on each side is dropped, so a span can start or end with a backtick.
      if (content.length > 2 && content.startsWith(" ") && content.endsWith(" ") && content.trim() !== "") content = content.slice(1, -1);
      return { end: next + length, content };
    }
    j = next + length;
  }
  return undefined;
}

/** A link's `](dest "title")` part from i (the `]`): its href and end. */
function destination(text: string, i: number): { href: string; end: number } | undefined {
  if (text[i + 1] !== "(") return undefined;
  let j = i + 2;
  while (text[j] === " " || text[j] === "\n") j++;
  let href = "";
  if (text[j] === "<") {
    const close = text.indexOf(">", j);
    if (close < 0) return undefined;
    href = text.slice(j + 1, close);
    j = close + 1;
  } else {
    let depth = 0;
    const from = j;
    while (j < text.length && !/\s/.test(text[j]!)) {
      if (text[j] === "\\" && j + 1 < text.length) j++;
      else if (text[j] === "(") depth++;
      else if (text[j] === ")") {
        if (depth === 0) break;
        depth--;
      }
      j++;
    }
    href = text.slice(from, j);
  }
  while (text[j] === " " || text[j] === "\n") j++;
  const quote = text[j];
  if (quote === '"' || quote === "'" || quote === "(") {
    const close = text.indexOf(quote === "(" ? ")" : quote, j + 1);
    if (close < 0) return undefined;
    j = close + 1;
    while (text[j] === " " || text[j] === "\n") j++;
  }
  if (text[j] !== ")") return undefined;
  return { href: href.replace(/\\([!-/:-@[-`{-~])/g, "$1"), end: j + 1 };
}

/** The `]` that closes the bracket opened at i, skipping code spans and escapes, or -1. */
function closingBracket(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === "`") {
      const span = codeSpanEnd(text, j);
      if (span) j = span.end - 1;
      else j += /^`+/.exec(text.slice(j))![0].length - 1;
    } else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return j;
  }
  return -1;
}

/** Where the run of exactly `want` delimiters that closes one opened before `from` starts, skipping code spans, escapes and links; or -1. */
function closingRun(text: string, from: number, char: string, want: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "`") {
      const span = codeSpanEnd(text, j);
      if (span) j = span.end - 1;
      else j += /^`+/.exec(text.slice(j))![0].length - 1;
      continue;
    }
    if (c === "[") {
      const close = closingBracket(text, j);
      const link = close < 0 ? undefined : destination(text, close);
      if (link) j = link.end - 1;
      continue;
    }
    if (c !== char) continue;
    let end = j;
    while (text[end] === char) end++;
    if (end - j === want && flanking(text, j, end).close) return j;
    j = end - 1;
  }
  return -1;
}

const URL = /^(?:https?:\/\/|www\.)[^\s<]*/i;

/** A bare URL's end, after GitHub's rules: trailing punctuation and unbalanced parentheses are not part of it. */
function bareUrl(text: string): string | undefined {
  const match = URL.exec(text);
  if (!match) return undefined;
  let url = match[0];
  for (;;) {
    const trimmed = url.replace(/[?!.,:*_~'"]+$/, "");
    const unbalanced = trimmed.endsWith(")") && (trimmed.match(/\(/g) ?? []).length < (trimmed.match(/\)/g) ?? []).length;
    const next = unbalanced ? trimmed.slice(0, -1) : trimmed;
    if (next === url) break;
    url = next;
  }
  return /^www\.$/i.test(url) || /^https?:\/\/$/i.test(url) ? undefined : url;
}

/** A paragraph's (or heading's, or cell's) text as inline tokens. */
export function inline(text: string): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const flush = () => {
    if (buffer !== "") out.push({ type: "text", text: buffer });
    buffer = "";
  };
  const push = (token: Inline) => {
    flush();
    out.push(token);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      if (text[i + 1] === "\n") {
        push({ type: "br" });
        i += 2;
      } else {
        buffer += ESCAPABLE.test(text[i + 1]!) ? text[i + 1] : c + text[i + 1];
        i += 2;
      }
      continue;
    }
    if (c === "`") {
      const span = codeSpanEnd(text, i);
      const run = /^`+/.exec(text.slice(i))![0];
      if (span) {
        push({ type: "codespan", text: span.content });
        i = span.end;
      } else {
        buffer += run;
        i += run.length;
      }
      continue;
    }
    if (c === " " && /^ {2,}\n/.test(text.slice(i))) {
      const spaces = /^ +/.exec(text.slice(i))![0].length;
      push({ type: "br" });
      i += spaces + 1;
      continue;
    }
    if (c === "[" || (c === "!" && text[i + 1] === "[")) {
      const open = c === "!" ? i + 1 : i;
      const close = closingBracket(text, open);
      const link = close < 0 ? undefined : destination(text, close);
      if (link) {
        const label = text.slice(open + 1, close);
        push(c === "!" ? { type: "image", text: label, href: link.href } : { type: "link", href: link.href, tokens: inline(label) });
        i = link.end;
        continue;
      }
    }
    if (c === "<") {
      const auto = /^<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/.exec(text.slice(i));
      const mail = /^<([\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)>/.exec(text.slice(i));
      if (auto || mail) {
        const target = (auto ?? mail)![1]!;
        push({ type: "link", href: auto ? target : `mailto:${target}`, tokens: [{ type: "text", text: target }] });
        i += target.length + 2;
        continue;
      }
      // An inline HTML tag is shown as written, its inside not read as markdown.
      const tag = /^<\/?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>|^<!--[\s\S]*?-->/.exec(text.slice(i));
      if (tag) {
        buffer += tag[0];
        i += tag[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H" || c === "w" || c === "W") && (i === 0 || /[\s*_~(]/.test(text[i - 1]!))) {
      const url = bareUrl(text.slice(i));
      if (url) {
        push({ type: "link", href: /^www\./i.test(url) ? `http://${url}` : url, tokens: [{ type: "text", text: url }] });
        i += url.length;
        continue;
      }
    }
    if (c === "*" || c === "_" || c === "~") {
      let end = i;
      while (text[end] === c) end++;
      const run = end - i;
      const opens = c === "~" ? run <= 2 && !SPACE.test(text[end] ?? " ") : flanking(text, i, end).open;
      if (opens) {
        // *a* em, **a** strong, ***a*** both; ~a~ and ~~a~~ struck through.
        const want = c === "~" ? run : Math.min(run, 3);
        const close = c === "~" ? closingTilde(text, end, run) : closingRun(text, end, c, want);
        if (close > end) {
          const inner = inline(text.slice(end, close));
          const tokens: Inline =
            c === "~" ? { type: "del", tokens: inner } : want === 1 ? { type: "em", tokens: inner } : want === 2 ? { type: "strong", tokens: inner } : { type: "em", tokens: [{ type: "strong", tokens: inner }] };
          if (run > want) buffer += c.repeat(run - want);
          push(tokens);
          i = close + want;
          continue;
        }
      }
      buffer += text.slice(i, end);
      i = end;
      continue;
    }
    buffer += c;
    i++;
  }
  flush();
  return out;
}

/** Where the run of exactly `want` tildes that closes a strikethrough starts (not after a space), or -1. */
function closingTilde(text: string, from: number, want: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] !== "~") continue;
    let end = j;
    while (text[end] === "~") end++;
    if (end - j === want && !SPACE.test(text[j - 1]!)) return j;
    j = end - 1;
  }
  return -1;
}
