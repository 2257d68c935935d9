// Safe configuration reading on top of json-as: syntax is checked first (json-as traps on
// malformed input), then every field is read through a typed getter that records an error naming
// the field ("providers[1].timeout: expected integer") instead of trapping. Pure: no host calls.
import { JSON } from "json-as";
import { validateJson } from "./validate";

/** "a" + "b" -> "a.b"; "" + "b" -> "b". */
export function fieldPath(parent: string, key: string): string {
  return parent.length == 0 ? key : parent + "." + key;
}

/** "a" + 2 -> "a[2]". */
export function indexPath(parent: string, index: i32): string {
  return parent + "[" + index.toString() + "]";
}

function typeName(t: u16): string {
  if (t == JSON.Types.Null) return "null";
  if (t == JSON.Types.Bool) return "boolean";
  if (t == JSON.Types.String) return "string";
  if (t == JSON.Types.Object) return "object";
  if (t == JSON.Types.Array) return "array";
  return "number";
}

function isNumber(t: u16): bool {
  return t >= JSON.Types.U8 && t <= JSON.Types.F64;
}

/**
 * Typed getters over JSON.Obj that keep the FIRST error. A missing key gives the default; null
 * counts as missing. Check `ok` (or `error`) once at the end of a parser.
 */
export class ConfigReader {
  error: string = "";

  get ok(): bool {
    return this.error.length == 0;
  }

  /** Records an error (only the first one is kept). Returns false for `return r.fail(...)`. */
  fail(path: string, message: string): bool {
    if (this.error.length == 0) this.error = path + ": " + message;
    return false;
  }

  private present(obj: JSON.Obj, key: string): JSON.Value | null {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return null;
    return v;
  }

  private wrong(path: string, expected: string, v: JSON.Value): void {
    this.fail(path, "expected " + expected + ", got " + typeName(v.type));
  }

  has(obj: JSON.Obj, key: string): bool {
    return this.present(obj, key) !== null;
  }

  /** Fails with "<path>: required" when the key is missing or null. */
  require(obj: JSON.Obj, key: string, path: string): bool {
    if (this.present(obj, key) !== null) return true;
    return this.fail(fieldPath(path, key), "required");
  }

  string(obj: JSON.Obj, key: string, path: string, def: string = ""): string {
    const v = this.present(obj, key);
    if (v === null) return def;
    if (v.type != JSON.Types.String) { this.wrong(fieldPath(path, key), "string", v); return def; }
    return v.get<string>();
  }

  bool(obj: JSON.Obj, key: string, path: string, def: bool = false): bool {
    const v = this.present(obj, key);
    if (v === null) return def;
    if (v.type != JSON.Types.Bool) { this.wrong(fieldPath(path, key), "boolean", v); return def; }
    return v.get<bool>();
  }

  number(obj: JSON.Obj, key: string, path: string, def: f64 = 0): f64 {
    const v = this.present(obj, key);
    if (v === null) return def;
    if (!isNumber(v.type)) { this.wrong(fieldPath(path, key), "number", v); return def; }
    return numberOf(v);
  }

  /** An integral number within [min, max]. */
  int(obj: JSON.Obj, key: string, path: string, def: i64 = 0, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    const v = this.present(obj, key);
    if (v === null) return def;
    const p = fieldPath(path, key);
    if (!isNumber(v.type)) { this.wrong(p, "integer", v); return def; }
    const n = numberOf(v);
    // Bounds in f64 first: converting an out-of-range f64 to i64 traps.
    if (!isFinite(n) || n != Math.floor(n)) { this.fail(p, "expected integer"); return def; }
    // 2^63 is the first f64 past i64 range (<f64>i64.MAX_VALUE rounds up to it).
    if (n >= 9223372036854775808.0 || n < <f64>min || n > <f64>max) {
      this.fail(p, "must be between " + min.toString() + " and " + max.toString());
      return def;
    }
    return <i64>n;
  }

  object(obj: JSON.Obj, key: string, path: string): JSON.Obj | null {
    const v = this.present(obj, key);
    if (v === null) return null;
    if (v.type != JSON.Types.Object) { this.wrong(fieldPath(path, key), "object", v); return null; }
    return v.get<JSON.Obj>();
  }

  array(obj: JSON.Obj, key: string, path: string): JSON.Arr | null {
    const v = this.present(obj, key);
    if (v === null) return null;
    if (v.type != JSON.Types.Array) { this.wrong(fieldPath(path, key), "array", v); return null; }
    return v.get<JSON.Arr>();
  }

  /** Array of strings; each wrong element is reported with its index. Missing -> []. */
  stringArray(obj: JSON.Obj, key: string, path: string): string[] {
    const out = new Array<string>();
    const arr = this.array(obj, key, path);
    if (arr === null) return out;
    const p = fieldPath(path, key);
    for (let i = 0; i < arr.length; i++) {
      const e = arr.at(i);
      if (e.type != JSON.Types.String) { this.wrong(indexPath(p, i), "string", e); continue; }
      out.push(e.get<string>());
    }
    return out;
  }

  /** Element i of an array as an object (wrong type reported with its index). */
  objectAt(arr: JSON.Arr, i: i32, path: string): JSON.Obj | null {
    const e = arr.at(i);
    if (e.type != JSON.Types.Object) { this.wrong(indexPath(path, i), "object", e); return null; }
    return e.get<JSON.Obj>();
  }
}

function numberOf(v: JSON.Value): f64 {
  const t = v.type;
  if (t == JSON.Types.F64) return v.get<f64>();
  if (t == JSON.Types.F32) return <f64>v.get<f32>();
  if (t == JSON.Types.I64) return <f64>v.get<i64>();
  if (t == JSON.Types.U64) return <f64>v.get<u64>();
  if (t == JSON.Types.I32) return <f64>v.get<i32>();
  if (t == JSON.Types.U32) return <f64>v.get<u32>();
  if (t == JSON.Types.I16) return <f64>v.get<i16>();
  if (t == JSON.Types.U16) return <f64>v.get<u16>();
  if (t == JSON.Types.I8) return <f64>v.get<i8>();
  return <f64>v.get<u8>();
}

/** Result of parseJsonObject: the object, or the error. */
export class JsonObjectResult {
  constructor(public value: JSON.Obj | null, public error: string) {}
}

/** Validates then parses text that must be one JSON object. Empty text counts as {}. */
export function parseJsonObject(text: string, what: string = "configuration"): JsonObjectResult {
  let start = 0;
  while (start < text.length) {
    const c = text.charCodeAt(start);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    start++;
  }
  if (start == text.length) return new JsonObjectResult(new JSON.Obj(), "");
  const syntax = validateJson(text);
  if (syntax.length > 0) return new JsonObjectResult(null, what + ": invalid JSON at " + syntax);
  if (text.charCodeAt(start) != 0x7b) return new JsonObjectResult(null, what + ": expected a JSON object");
  return new JsonObjectResult(JSON.parse<JSON.Obj>(text), "");
}

/** Parses one configuration object into T. Set `error` (naming the field) and return null on
 *  failure; `path` is the location of `obj` ("" for the top level, "_rules_[2]" for a rule). */
export abstract class ConfigParser<T> {
  error: string = "";
  abstract parse(obj: JSON.Obj, path: string): T | null;
}
