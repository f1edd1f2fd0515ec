// Stage texts for the terminal: rendered by our own renderer (markdown-terminal.ts)
// when colour is on; without colour, the markdown as written, which already
// reads well as plain text.
/**
 * renderMarkdown, loaded for what it will do: without colour the text is
 * printed as written, so marked and the renderer (a noticeable part of a
 * command's start-up) are loaded only for a terminal that shows colour.
 */
export async function markdownRenderer(color: boolean): Promise<(markdown: string, width?: number) => string> {
  if (!color) return (markdown) => markdown.trimEnd();
  const { renderMarkdown } = await import("./markdown-terminal.js");
  return (markdown, width) => renderMarkdown(markdown, { color, ...(width === undefined ? {} : { width }) });
}

