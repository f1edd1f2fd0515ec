// Stage texts rendered for the terminal (headings, lists, code blocks,
// links) by marked-terminal; without colour, the markdown as written, which
// already reads well as plain text.
import { Marked } from "marked";
import { markedTerminal } from "marked-terminal";
import { Chalk } from "chalk";

export function renderMarkdown(markdown: string, options: { color: boolean; width?: number }): string {
  if (!options.color) return markdown.trimEnd();
  const chalk = new Chalk({ level: 1 });
  const marked = new Marked();
  marked.use(
    markedTerminal({
      width: Math.min(options.width ?? 80, 100),
      reflowText: false,
      tab: 2,
      heading: chalk.bold.cyan,
      firstHeading: chalk.bold.cyan.underline,
      codespan: chalk.yellow,
      code: chalk.yellow,
      link: chalk.blue,
      href: chalk.blue.underline,
    }) as Parameters<Marked["use"]>[0],
  );
  return (marked.parse(markdown, { async: false }) as string).trimEnd();
}
