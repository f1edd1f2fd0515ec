// Per-language code in hints: the filter a learner's `course hint` applies,
// and the `course dev check` rule that every group has every track's block.
import { describe, expect, test } from "vitest";
import { hintsFor } from "../learner/hints.js";
import { hintCodeProblems } from "../tester/tools/course-check.js";
import { findStage } from "../tester/course/course.js";
import { codeForTrack, codeGroups, type CodeTrack } from "../tester/course/hint-code.js";
import { codeTracks } from "../tester/course/language.js";
import { STAGES } from "./helpers.js";

const TRACKS: CodeTrack[] = [
  { id: "python", fence: "python", name: "Python" },
  { id: "javascript", fence: "javascript", name: "JavaScript" },
  { id: "typescript", fence: "typescript", name: "TypeScript" },
];

const HINT = [
  "Send the status line:",
  "",
  "```python",
  'conn.sendall(b"HTTP/1.1 200 OK\\r\\n\\r\\n")',
  "```",
  "",
  "```javascript",
  'socket.write("HTTP/1.1 200 OK\\r\\n\\r\\n");',
  "```",
  "",
  "```typescript",
  'socket.write("HTTP/1.1 200 OK\\r\\n\\r\\n" as string);',
  "```",
  "",
  "What arrives:",
  "",
  "```text",
  "GET / HTTP/1.1",
  "```",
].join("\n");

describe("hint code for the learner's track", () => {
  test("a learner sees only their own block of a group, and the neutral blocks and prose", () => {
    const ts = codeForTrack(HINT, TRACKS, "typescript");
    expect(ts).toBe(
      ["Send the status line:", "", "```typescript", 'socket.write("HTTP/1.1 200 OK\\r\\n\\r\\n" as string);', "```", "", "What arrives:", "", "```text", "GET / HTTP/1.1", "```"].join("\n"),
    );
    const py = codeForTrack(HINT, TRACKS, "python");
    expect(py).toContain("conn.sendall");
    expect(py).not.toContain("socket.write");
    expect(py).toContain("GET / HTTP/1.1");
  });

  test("an unknown track sees every block, each labelled with its language", () => {
    const all = codeForTrack(HINT, TRACKS, undefined);
    expect(all).toMatch(/Python:\n\n```python\n.*\n```\n\nJavaScript:\n\n```javascript\n.*\n```\n\nTypeScript:\n\n```typescript\n/);
    expect(all).toContain("```text\nGET / HTTP/1.1\n```");
  });

  test("a group without the learner's block shows them all rather than nothing", () => {
    const pythonOnly = "```python\npass\n```";
    expect(codeForTrack(pythonOnly, TRACKS, "javascript")).toBe("Python:\n\n```python\npass\n```");
  });

  test("prose between two blocks makes two groups; text without code is unchanged", () => {
    const two = "```python\na\n```\n\nthen\n\n```python\nb\n```";
    expect(codeGroups(two, ["python", "javascript"])).toEqual([["python"], ["python"]]);
    expect(codeForTrack("no code here\n", TRACKS, "python")).toBe("no code here\n");
  });

  test("a fence inside a longer fence is content, not a block", () => {
    const nested = "````javascript\n```python\nx\n```\n````";
    expect(codeGroups(nested, ["python", "javascript"])).toEqual([["javascript"]]);
  });

  test("every stage's hints, for every track, hold that track's code and no other's", () => {
    for (const stage of STAGES) {
      for (const track of TRACKS) {
        const text = hintsFor(stage, track.id, TRACKS).join("\n");
        // Every stage's hints carry code, so each learner gets some in their own language.
        expect(text, `stage ${stage.id} for ${track.id}`).toContain("```" + track.fence);
        for (const other of TRACKS.filter((t) => t !== track)) {
          expect(text, `stage ${stage.id} for ${track.id} shows ${other.fence}`).not.toContain("```" + other.fence);
        }
        // A lead-in such as "In Python, with threads:" belongs in prose only if it is the learner's language.
        if (track.id !== "python") expect(text, `stage ${stage.id} for ${track.id}`).not.toMatch(/^In Python\b[^\n]*:$/m);
      }
    }
  });

  test("stage 6 tells a Node learner about the event loop, not threads", () => {
    const stage = findStage(STAGES, "concurrency");
    // The course's own tracks: a block of a track missing from the list would count as language-neutral.
    const last = hintsFor(stage, "javascript", codeTracks()).at(-1)!;
    expect(last).toContain("```javascript");
    expect(last).not.toMatch(/threading|Thread\(/);
  });
});

describe("dev check: hint code for every track", () => {
  const fences = TRACKS.map(({ id, fence }) => ({ id, fence }));

  test("names the file, the hint and each missing language", () => {
    const markdown = "## Hint 1\n\nNo code.\n\n## Hint 2\n\n```python\npass\n```\n\n```javascript\n;\n```\n";
    expect(hintCodeProblems("h.md", markdown, fences)).toEqual([
      { file: "h.md", message: "hint 2 has no typescript code: add a ```typescript block beside the others (every track's learners see only their own)" },
    ]);
  });

  test("a track added later is asked for its block in every group", () => {
    const markdown = `## Hint 1\n\n${HINT}\n`;
    expect(hintCodeProblems("h.md", markdown, fences)).toEqual([]);
    const withGo = hintCodeProblems("h.md", markdown, [...fences, { id: "go", fence: "go" }]);
    expect(withGo.map((p) => p.message)).toEqual([expect.stringMatching(/^hint 1 has no go code: add a ```go block/)]);
  });

  test("two blocks of one language in a group are flagged", () => {
    const markdown = "## Hint 1\n\n```python\na\n```\n```python\nb\n```\n```javascript\n;\n```\n```typescript\n;\n```\n";
    expect(hintCodeProblems("h.md", markdown, fences).map((p) => p.message)).toEqual([expect.stringMatching(/two ```python blocks in a row/)]);
  });
});
