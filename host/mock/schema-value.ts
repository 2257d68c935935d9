// A deterministic value for a JSON Schema, used for tool-call arguments and for structured output
// (OpenAI response_format json_schema, Gemini responseSchema). Works on JSON Schema and on Gemini's
// OpenAPI subset (upper-case type names such as "STRING").
//
// Rule (documented in README.md):
//   enum -> its first value; const -> the const; string -> the prompt text; integer -> minimum or 1;
//   number -> minimum or 1.5; boolean -> true; null -> null; array -> [one item] when minItems > 0,
//   else []; object -> every declared property in declaration order; no type -> the prompt text.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MAX_DEPTH = 8;

export function valueForSchema(schema: unknown, text: string, depth = 0): Json {
  if (!isObject(schema) || depth > MAX_DEPTH) return text;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as Json;
  if ("const" in schema) return schema.const as Json;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return valueForSchema(variants[0], text, depth + 1);
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => String(t).toLowerCase() !== "null") ?? type[0];
  switch (String(type ?? (isObject(schema.properties) ? "object" : "")).toLowerCase()) {
    case "object": {
      const out: { [k: string]: Json } = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      for (const [name, sub] of Object.entries(props)) out[name] = valueForSchema(sub, text, depth + 1);
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return min > 0 ? [valueForSchema(schema.items, text, depth + 1)] : [];
    }
    case "integer":
      return typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : 1;
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1.5;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return text;
  }
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
