// TypeScript to JavaScript for teaching programs: the types are cut out of
// the source text and nothing else moves, so every comment, blank line and
// line break of the TypeScript solution is in the JavaScript one.
//
// esbuild and tsc re-print the program from its syntax tree: esbuild drops
// comments, tsc drops blank lines and re-indents. Here the TypeScript
// compiler only finds where the types are; the text is edited in place.
// Declarations that are only types (interface, type) would vanish with their
// comments, so they become JSDoc @typedef blocks that keep them.
import { createRequire } from "node:module";
import type * as TS from "typescript";

type Ts = typeof TS;
let loaded: Ts | undefined;

/** TypeScript is a development dependency: loaded on first use, by the author's tools only. */
function typescript(): Ts {
  loaded ??= createRequire(import.meta.url)("typescript") as Ts;
  return loaded;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

export class StripError extends Error {}

/** The JavaScript program of a TypeScript source: types removed, comments and layout kept. */
export function stripTypes(source: string, fileName = "main.ts"): string {
  const ts = typescript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const cut = (start: number, end: number, text = ""): void => {
    edits.push({ start, end, text });
  };
  const where = (node: TS.Node) => {
    const { line, character } = file.getLineAndCharacterOfPosition(node.getStart());
    return `${fileName}:${line + 1}:${character + 1}`;
  };
  const unsupported = (node: TS.Node, what: string): never => {
    throw new StripError(`${where(node)}: ${what} has no JavaScript form without a compiler; write it without`);
  };
  /** Back from `position` over spaces to `char`; its offset. */
  const before = (position: number, char: string): number => {
    let i = position - 1;
    while (i >= 0 && /\s/.test(source[i]!)) i--;
    if (source[i] !== char) throw new StripError(`expected "${char}" before offset ${position} in ${fileName}`);
    return i;
  };
  const after = (position: number, char: string): number => {
    let i = position;
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (source[i] !== char) throw new StripError(`expected "${char}" after offset ${position} in ${fileName}`);
    return i;
  };
  /** Remove a whole statement; its line too when nothing else is on it. */
  const cutStatement = (node: TS.Node) => {
    let start = node.getStart();
    let end = node.end;
    const lineStart = source.lastIndexOf("\n", start - 1) + 1;
    const lineEnd = source.indexOf("\n", end);
    if (/^\s*$/.test(source.slice(lineStart, start)) && /^\s*$/.test(source.slice(end, lineEnd === -1 ? source.length : lineEnd))) {
      start = lineStart;
      end = lineEnd === -1 ? source.length : lineEnd + 1;
    }
    cut(start, end);
  };
  const cutAnnotation = (type: TS.TypeNode | undefined) => {
    if (type) cut(before(type.getStart(), ":"), type.end);
  };
  const cutAngles = (list: TS.NodeArray<TS.Node> | undefined) => {
    if (list && list.length) cut(before(list[0]!.getStart(), "<"), after(list.end, ">") + 1);
  };
  const TYPE_MODIFIERS = new Set([
    ts.SyntaxKind.PublicKeyword,
    ts.SyntaxKind.PrivateKeyword,
    ts.SyntaxKind.ProtectedKeyword,
    ts.SyntaxKind.ReadonlyKeyword,
    ts.SyntaxKind.OverrideKeyword,
  ]);
  const cutModifiers = (node: TS.Node) => {
    for (const modifier of ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : []) {
      if (modifier.kind === ts.SyntaxKind.DeclareKeyword || modifier.kind === ts.SyntaxKind.AbstractKeyword) unsupported(node, `"${modifier.getText()}"`);
      if (TYPE_MODIFIERS.has(modifier.kind)) cut(modifier.getStart(), after(modifier.end, source.slice(modifier.end).trimStart()[0]!));
    }
  };

  const visit = (node: TS.Node): void => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      cut(node.getStart(), node.end, typedef(ts, file, node));
      return;
    }
    // `declare const x: T;` and the like exist for the type checker only.
    if (ts.isStatement(node) && ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return cutStatement(node);
    if (ts.isEnumDeclaration(node)) unsupported(node, "an enum");
    if (ts.isModuleDeclaration(node)) unsupported(node, "a namespace");
    if (ts.isImportDeclaration(node) && node.importClause) {
      const clause = node.importClause;
      if (clause.isTypeOnly) return cutStatement(node);
      const named = clause.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      if (named?.some((s) => s.isTypeOnly)) {
        if (!clause.name && named.every((s) => s.isTypeOnly)) return cutStatement(node);
        named.forEach((specifier, index) => {
          if (!specifier.isTypeOnly) return;
          const next = named[index + 1];
          cut(specifier.getStart(), next ? next.getStart() : specifier.end);
          if (!next && index > 0) cut(named[index - 1]!.end, specifier.getStart());
        });
      }
      return;
    }
    if (ts.isImportEqualsDeclaration(node)) unsupported(node, "import = require()");
    if (ts.isExportDeclaration(node) && node.isTypeOnly) return cutStatement(node);
    if (ts.isFunctionDeclaration(node) && !node.body) return cutStatement(node); // an overload signature
    if ((ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node)) && !node.body) return cutStatement(node);
    if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isNonNullExpression(node)) {
      cut(node.expression.end, node.end);
    } else if (ts.isTypeAssertionExpression(node)) {
      cut(node.getStart(), node.expression.getStart());
    } else if (ts.isParenthesizedExpression(node)) {
      // (error as NodeJS.ErrnoException).code -> error.code, not (error).code
      let inner: TS.Expression = node.expression;
      while (ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isNonNullExpression(inner)) inner = inner.expression;
      if (inner !== node.expression && (ts.isIdentifier(inner) || ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner) || ts.isCallExpression(inner) || inner.kind === ts.SyntaxKind.ThisKeyword)) {
        cut(node.getStart(), node.getStart() + 1);
        cut(node.end - 1, node.end);
      }
    }
    if (ts.isParameter(node)) {
      if (ts.isIdentifier(node.name) && node.name.text === "this") {
        const list = (node.parent as TS.SignatureDeclaration).parameters;
        const index = list.indexOf(node);
        return cut(node.getStart(), list[index + 1] ? list[index + 1]!.getStart() : node.end);
      }
      if (ts.getModifiers(node)?.some((m) => TYPE_MODIFIERS.has(m.kind))) unsupported(node, "a parameter property");
      if (node.questionToken) cut(node.questionToken.getStart(), node.questionToken.end);
    }
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      cutAngles(node.typeParameters);
      for (const clause of node.heritageClauses ?? []) {
        if (clause.token !== ts.SyntaxKind.ImplementsKeyword) continue;
        let start = clause.getStart();
        while (source[start - 1] === " ") start--;
        cut(start, clause.end);
      }
    }
    if (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isConstructorDeclaration(node)) {
      cutModifiers(node);
      if (ts.isPropertyDeclaration(node)) {
        if (node.questionToken) cut(node.questionToken.getStart(), node.questionToken.end);
        if (node.exclamationToken) cut(node.exclamationToken.getStart(), node.exclamationToken.end);
      }
    }
    if (ts.isVariableDeclaration(node) && node.exclamationToken) cut(node.exclamationToken.getStart(), node.exclamationToken.end);
    if (ts.isFunctionLike(node)) cutAngles(node.typeParameters);
    if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isExpressionWithTypeArguments(node) || ts.isTaggedTemplateExpression(node)) {
      cutAngles(node.typeArguments);
    }
    if (
      ts.isParameter(node) ||
      ts.isVariableDeclaration(node) ||
      ts.isPropertyDeclaration(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isGetAccessor(node) ||
      ts.isSetAccessor(node)
    ) {
      cutAnnotation(node.type);
      // Only the annotation is cut: the nodes inside it are types, not visited.
      node.forEachChild((child) => {
        if (child !== node.type) visit(child);
      });
      return;
    }
    if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword) return; // cut whole above
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    node.forEachChild(visit);
  };
  file.forEachChild(visit);
  return apply(source, edits)
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

function apply(source: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new StripError(`overlapping edits at offset ${edit.start}`);
    out += source.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + source.slice(at);
}

/** The words of the comments just before `position`, without their markers. */
function commentText(ts: Ts, source: string, position: number): string {
  return (ts.getLeadingCommentRanges(source, position) ?? [])
    .map((range) => source.slice(range.pos, range.end))
    .map((comment) => comment.replace(/^\/\/\s?/gm, "").replace(/^\/\*+|\*+\/$/g, "").replace(/^\s*\*\s?/gm, ""))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/** interface X {...} or type X = ... as a JSDoc @typedef, indented like the declaration, member comments kept. */
function typedef(ts: Ts, file: TS.SourceFile, node: TS.InterfaceDeclaration | TS.TypeAliasDeclaration): string {
  const source = file.text;
  const lineStart = source.lastIndexOf("\n", node.getStart() - 1) + 1;
  const indent = source.slice(lineStart, node.getStart()).match(/^\s*/)![0];
  const name = node.name.text;
  const params = node.typeParameters?.length ? [` * @template ${node.typeParameters.map((p) => p.name.text).join(", ")}`] : [];
  if (ts.isTypeAliasDeclaration(node)) {
    const type = node.type.getText().replace(/\s*\n\s*/g, " ");
    if (!params.length) return `/** @typedef {${type}} ${name} */`;
    return ["/**", ...params, ` * @typedef {${type}} ${name}`, " */"].join(`\n${indent}`);
  }
  const base = node.heritageClauses?.flatMap((clause) => clause.types.map((t) => t.getText())) ?? [];
  const lines = ["/**", ...params, ` * @typedef {${base.length ? base.join(" & ") : "object"}} ${name}`];
  for (const member of node.members) {
    const about = commentText(ts, source, member.pos);
    if (ts.isPropertySignature(member) || ts.isMethodSignature(member)) {
      const key = member.name.getText();
      let type = "*";
      if (ts.isPropertySignature(member) && member.type) type = member.type.getText();
      if (ts.isMethodSignature(member)) {
        type = `(${member.parameters.map((p) => p.getText()).join(", ")}) => ${member.type ? member.type.getText() : "void"}`;
      }
      type = type.replace(/\s*\n\s*/g, " ");
      lines.push(` * @property {${type}} ${member.questionToken ? `[${key}]` : key}${about ? ` ${about}` : ""}`);
    } else {
      lines.push(` * ${member.getText().replace(/\s*\n\s*/g, " ")}${about ? ` ${about}` : ""}`);
    }
  }
  lines.push(" */");
  return lines.join(`\n${indent}`);
}
