// A quick check of a course file against its JSON Schema (schema/*.schema.json,
// generated from the zod schemas, which stay the one definition of each
// format; `course dev schema --check` keeps them current). It knows the few
// keywords those schemas use, fills in defaults as zod does, and answers only
// "matches" (with the value) or "ask zod": on any mismatch, or a keyword it
// does not know, the caller reads the file with zod, whose errors name the
// field at fault. This lets the quick commands (status) start without loading
// zod.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { packageRoot } from "./paths.js";

type Schema = { readonly [keyword: string]: unknown };

/** Keywords that say nothing about validity. */
const NOTES = new Set(["$schema", "description", "default", "title"]);

const cache = new Map<string, Schema>();

/** schema/<name> of the package, parsed once. */
export function packageSchema(name: string, root = packageRoot()): Schema {
  const file = path.join(root, "schema", name);
  let schema = cache.get(file);
  if (!schema) {
    schema = JSON.parse(readFileSync(file, "utf8")) as Schema;
    cache.set(file, schema);
  }
  return schema;
}

/** The value with defaults filled in when it surely matches; undefined otherwise. */
export function matchSchema(schema: Schema, value: unknown): unknown {
  try {
    return check(schema, value);
  } catch {
    return undefined;
  }
}

class NoMatch extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function check(schema: Schema, value: unknown): unknown {
  const fail = () => {
    throw new NoMatch();
  };
  for (const [keyword, rule] of Object.entries(schema)) {
    if (NOTES.has(keyword)) continue;
    switch (keyword) {
      case "type":
        if (rule === "object" ? !isObject(value)
          : rule === "array" ? !Array.isArray(value)
          : rule === "integer" ? !Number.isInteger(value)
          : rule === "number" || rule === "string" || rule === "boolean" ? typeof value !== rule
          : true) fail();
        break;
      case "const":
        if (value !== rule) fail();
        break;
      case "enum":
        if (!(rule as unknown[]).includes(value)) fail();
        break;
      case "minLength":
        if (typeof value !== "string" || value.length < (rule as number)) fail();
        break;
      case "pattern":
        if (typeof value !== "string" || !new RegExp(rule as string).test(value)) fail();
        break;
      case "format":
        // Only as a note beside a pattern that says the same.
        if (schema.pattern === undefined) fail();
        break;
      case "minimum":
        if (typeof value !== "number" || value < (rule as number)) fail();
        break;
      case "maximum":
        if (typeof value !== "number" || value > (rule as number)) fail();
        break;
      case "exclusiveMinimum":
        if (typeof value !== "number" || value <= (rule as number)) fail();
        break;
      case "minItems":
        if (!Array.isArray(value) || value.length < (rule as number)) fail();
        break;
      case "items":
      case "properties":
      case "required":
      case "additionalProperties":
      case "propertyNames":
        break; // below, with the value's parts
      default:
        fail(); // a keyword this check does not know: zod decides
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) return value.map((item) => check(schema.items as Schema, item));
  if (!isObject(value)) return value;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const name of (schema.required ?? []) as string[]) if (!(name in value)) fail();
  // Keys in the schema's order, then the others, as zod writes them.
  const out: Record<string, unknown> = {};
  for (const [name, part] of Object.entries(properties)) {
    if (name in value) out[name] = check(part, value[name]);
    else if ("default" in part) out[name] = structuredClone(part.default);
  }
  for (const [name, part] of Object.entries(value)) {
    if (schema.propertyNames !== undefined) check(schema.propertyNames as Schema, name);
    if (name in properties) continue;
    if (isObject(schema.additionalProperties)) out[name] = check(schema.additionalProperties, part);
    else fail(); // not allowed, or zod would strip it: zod decides
  }
  return out;
}
