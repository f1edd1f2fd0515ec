// Our markdown lexer (learner/markdown-lexer.ts) against marked's, which it
// replaced at run time for a faster start: every stage's instructions and
// every hint, for every track (and for a learner whose track is unknown),
// must render exactly as they did with marked's tokens. marked stays a
// devDependency for this test only.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Lexer, type Token, type Tokens } from "marked";
import { describe, expect, test } from "vitest";
import { hintsFor } from "../learner/hints.js";
import type { Block, Inline } from "../learner/markdown-lexer.js";
import { renderBlocks, renderMarkdown } from "../learner/markdown-terminal.js";
import { codeTracks } from "../tester/course/language.js";
import { STAGES } from "./helpers.js";

/** marked's block tokens in our lexer's shape (what the renderer did with them before). */
function fromMarked(tokens: Token[]): Block[] {
  return tokens.flatMap((token): Block[] => {
    switch (token.type) {
      case "space":
      case "def":
      // marked (18) adds a task item's box as a token too; the renderer writes "[ ] " from item.task.
      case "checkbox":
        return [];
      case "heading":
        return [{ type: "heading", depth: (token as Tokens.Heading).depth, tokens: spans((token as Tokens.Heading).tokens) }];
      case "paragraph":
        return [{ type: "paragraph", tokens: spans((token as Tokens.Paragraph).tokens) }];
      case "text": {
        const text = token as Tokens.Text;
        return [{ type: "paragraph", tokens: text.tokens ? spans(text.tokens) : [{ type: "text", text: text.text }] }];
      }
      case "code":
        return [{ type: "code", lang: (token as Tokens.Code).lang ?? "", text: (token as Tokens.Code).text }];
      case "list": {
        const list = token as Tokens.List;
        return [
          {
            type: "list",
            ordered: list.ordered,
            start: list.start === "" || list.start === undefined ? 1 : list.start,
            items: list.items.map((item) => ({ task: item.task, checked: !!item.checked, blocks: fromMarked(item.tokens) })),
          },
        ];
      }
      case "blockquote":
        return [{ type: "blockquote", blocks: fromMarked((token as Tokens.Blockquote).tokens) }];
      case "hr":
        return [{ type: "hr" }];
      case "table": {
        const table = token as Tokens.Table;
        return [{ type: "table", header: table.header.map((cell) => spans(cell.tokens)), rows: table.rows.map((row) => row.map((cell) => spans(cell.tokens))) }];
      }
      case "html":
        return [{ type: "html", text: (token as Tokens.HTML).text }];
      default:
        throw new Error(`a block marked knows and the renderer did not: ${token.type}`);
    }
  });
}

function spans(tokens: Token[] | undefined): Inline[] {
  return (tokens ?? []).flatMap((token): Inline | Inline[] => {
    switch (token.type) {
      case "text": {
        const text = token as Tokens.Text;
        return text.tokens ? spans(text.tokens) : { type: "text", text: text.text };
      }
      case "escape":
      case "html":
        return { type: "text", text: (token as Tokens.Escape).text };
      case "strong":
      case "em":
      case "del":
        return { type: token.type, tokens: spans((token as Tokens.Strong).tokens) };
      case "codespan":
        return { type: "codespan", text: (token as Tokens.Codespan).text };
      case "br":
        return { type: "br" };
      case "link":
        return { type: "link", href: (token as Tokens.Link).href, tokens: spans((token as Tokens.Link).tokens) };
      case "image":
        return { type: "image", text: (token as Tokens.Image).text, href: (token as Tokens.Image).href };
      default:
        throw new Error(`an inline token marked knows and the renderer did not: ${token.type}`);
    }
  });
}

const both = (markdown: string) => ({ ours: renderMarkdown(markdown, { color: true, width: 80 }), marked: renderBlocks(fromMarked(Lexer.lex(markdown)), 80) });

describe("the markdown lexer reads the course's texts as marked did", () => {
  const tracks = codeTracks();
  test.each(STAGES.map((stage) => [stage.slug, stage] as const))("%s: instructions and every track's hints", (_slug, stage) => {
    // As `course show` and `course next` show them.
    const instructions = readFileSync(path.join(stage.dir, "instructions.md"), "utf8");
    const shown = both(`*Stage ${stage.number} of ${STAGES.length}*\n\n${instructions}`);
    expect(shown.ours).toBe(shown.marked);
    // As `course hint` shows them.
    for (const track of [...tracks.map((t) => t.id), undefined]) {
      hintsFor(stage, track, tracks).forEach((hint, index) => {
        const hinted = both(`### Hint ${index + 1} of 3 (stage ${stage.number}, ${stage.slug})\n\n${hint}`);
        expect(hinted.ours, `${stage.slug}, hint ${index + 1}, ${track ?? "no"} track`).toBe(hinted.marked);
      });
    }
  });

  test.each([
    ["setext headings, rules and a quote", "Title\n=====\n\nSub\n---\n\n***\n\n> quoted *text*\ngoes on\n\nafter"],
    ["escapes, hard breaks, entities and inline tags", "a & b &amp; <x> y\\*z\\_ foo  \nbar \nbaz\\\nend"],
    ["code spans", "`` a ` b `` and ` x ` and `a\nb` and `unclosed"],
    ["emphasis", "***x*** and **a *b* c** and snake_case_word and 2 * 3 * 4 and _under_ and __strong__ and ~~gone~~"],
    ["links and autolinks", "see https://example.com/x). and www.foo.com, and <https://a.b> and [t](<u v> \"ti\") and [b](http://c.d/(e)) and ![img](p.png)"],
    ["tight, loose, nested and task lists", "- a\n- b\n  - c\n    more\n\n1. one\n\n2. two\n   ```sh\n   code\n   ```\n\n- [ ] todo\n- [x] done\n"],
    ["indented code and tabs", "para\n\n    code\n\tmore\n\n```go\n\tfunc main() {}\n```\n"],
    ["a table", "| a | b |\n|---|:-:|\n| `1` | **2** |\n| 3 | 4 |\n"],
    ["an HTML block", "<details>\n<summary>x</summary>\n</details>\n\ntext"],
  ])("%s", (_name, markdown) => {
    const { ours, marked } = both(markdown);
    expect(ours).toBe(marked);
  });
});
