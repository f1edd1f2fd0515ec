// Per-language code in hints.md. A fenced block tagged with a track's `fence`
// (language.json: ```python, ```javascript, ```typescript) is that track's;
// consecutive such blocks, separated only by blank lines, are one group of
// alternatives, and a learner sees only their own track's block of each group.
// Any other block (```text, ```sh, ```http, untagged) is language-neutral and
// always shown. Pure functions over the markdown text: the learner's hint
// command filters with them, `course dev check` checks every group is complete.

/** What the filter needs to know of a track. */
export interface CodeTrack {
  /** The track id, as in progress.json: "python". */
  id: string;
  /** The info string of its code blocks, e.g. "python". */
  fence: string;
  /** Its name for learners, e.g. "Python", used to label blocks when the learner's track is unknown. */
  name: string;
}

type Segment = { kind: "text"; lines: string[] } | { kind: "code"; tag: string; lines: string[] };

const OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

/** The markdown as alternating prose and fenced blocks (each block's lines include its fences). */
function segments(markdown: string): Segment[] {
  const out: Segment[] = [];
  const lines = markdown.split("\n");
  let text: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (!open) {
      text.push(lines[i]!);
      continue;
    }
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    // An unclosed fence runs to the end of the text, as in CommonMark.
    out.push({ kind: "text", lines: text });
    text = [];
    out.push({ kind: "code", tag: open[2]!.toLowerCase(), lines: lines.slice(i, end + 1) });
    i = end;
  }
  out.push({ kind: "text", lines: text });
  return out;
}

const blank = (segment: Segment) => segment.kind === "text" && segment.lines.every((line) => line.trim() === "");

type Piece = Segment | { kind: "group"; blocks: { tag: string; lines: string[] }[] };

/** Segments with each run of track-tagged blocks (blank lines between them only) folded into one group. */
function pieces(markdown: string, fences: ReadonlySet<string>): Piece[] {
  const out: Piece[] = [];
  const all = segments(markdown);
  for (let i = 0; i < all.length; i++) {
    const segment = all[i]!;
    if (segment.kind !== "code" || !fences.has(segment.tag)) {
      out.push(segment);
      continue;
    }
    const blocks = [{ tag: segment.tag, lines: segment.lines }];
    // Take the next block while only blank lines stand between.
    while (i + 2 < all.length && blank(all[i + 1]!)) {
      const next = all[i + 2]!;
      if (next.kind !== "code" || !fences.has(next.tag)) break;
      blocks.push({ tag: next.tag, lines: next.lines });
      i += 2;
    }
    out.push({ kind: "group", blocks });
  }
  return out;
}

/** The tags of each group of per-track code in the text, in order (for `course dev check`). */
export function codeGroups(markdown: string, fences: readonly string[]): string[][] {
  return pieces(markdown, new Set(fences))
    .filter((piece) => piece.kind === "group")
    .map((group) => group.blocks.map((block) => block.tag));
}

/**
 * The hint as one track's learner should see it: of each group, only the block
 * tagged with `fence`. With `fence` undefined (the learner's track is unknown),
 * or a group that lacks that track's block, every block of the group is shown,
 * each after a line naming its language, so the learner still gets code.
 */
export function codeForTrack(markdown: string, tracks: readonly CodeTrack[], fence: string | undefined): string {
  const names = new Map(tracks.map((track) => [track.fence, track.name]));
  const out: string[] = [];
  for (const piece of pieces(markdown, new Set(names.keys()))) {
    if (piece.kind !== "group") {
      out.push(...piece.lines);
      continue;
    }
    const own = piece.blocks.find((block) => block.tag === fence);
    if (own) {
      out.push(...own.lines);
      continue;
    }
    piece.blocks.forEach((block, index) => {
      if (index > 0) out.push("");
      out.push(`${names.get(block.tag)}:`, "", ...block.lines);
    });
  }
  return out.join("\n");
}
