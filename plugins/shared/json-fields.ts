// Typed reads from a json-as JSON.Obj that never trap: a wrong type records an error naming the
// field path (`providers[0].timeout: expected number`) and returns a fallback. The first error
// wins, so a config parser can read every field and check `error` once at the end.
//
//   const f = new JsonFields();
//   const name = f.str(obj, "name", "providers[0]", "");      // optional, "" when absent
//   const t = f.int(obj, "timeout", "providers[0]", 30000);
//   if (f.error !== null) return reject(f.error);
import { JSON } from "json-as";

/** Joins a parent path and a key: ("", "a") -> "a", ("a", "b") -> "a.b". */
export function fieldPath(parent: string, key: string): string {
  return parent.length == 0 ? key : parent + "." + key;
}

/** Joins a parent path and an index: ("a", 2) -> "a[2]". */
export function indexPath(parent: string, index: i32): string {
  return parent + "[" + index.toString() + "]";
}

/** Name of a json-as value type, for error messages. */
export function jsonTypeName(v: JSON.Value): string {
  const t = v.type;
  if (t == JSON.Types.Null) return "null";
  if (t == JSON.Types.Bool) return "boolean";
  if (t == JSON.Types.String) return "string";
  if (t == JSON.Types.Object) return "object";
  if (t == JSON.Types.Array) return "array";
  return "number";
}

export function isJsonNumber(v: JSON.Value): bool {
  const t = v.type;
  return t >= JSON.Types.U8 && t <= JSON.Types.F64;
}

export class JsonFields {
  /** First error met, or null. */
  error: string | null = null;

  fail(path: string, message: string): void {
    if (this.error === null) this.error = path + ": " + message;
  }

  /** Records `path: expected <what>, got <type>`. */
  expected(path: string, what: string, v: JSON.Value): void {
    this.fail(path, "expected " + what + ", got " + jsonTypeName(v));
  }

  /** True when obj[key] exists and is not null. */
  present(obj: JSON.Obj, key: string): bool {
    const v = obj.get(key);
    return v !== null && v.type != JSON.Types.Null;
  }

  /** Missing or null key -> records "required" and returns false. */
  require(obj: JSON.Obj, key: string, parent: string): bool {
    if (this.present(obj, key)) return true;
    this.fail(fieldPath(parent, key), "required");
    return false;
  }

  str(obj: JSON.Obj, key: string, parent: string, fallback: string): string {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return fallback;
    if (v.type != JSON.Types.String) {
      this.expected(fieldPath(parent, key), "string", v);
      return fallback;
    }
    return v.get<string>();
  }

  num(obj: JSON.Obj, key: string, parent: string, fallback: f64): f64 {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return fallback;
    if (!isJsonNumber(v)) {
      this.expected(fieldPath(parent, key), "number", v);
      return fallback;
    }
    return v.get<f64>();
  }

  /** An integer within [min, max]; fractions and out-of-range values are errors. */
  int(obj: JSON.Obj, key: string, parent: string, fallback: i64, min: i64 = 0, max: i64 = i64.MAX_VALUE): i64 {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return fallback;
    if (!isJsonNumber(v)) {
      this.expected(fieldPath(parent, key), "integer", v);
      return fallback;
    }
    const f = v.get<f64>();
    if (f != Math.floor(f) || f < <f64>min || f > <f64>max) {
      this.fail(fieldPath(parent, key), "expected an integer from " + min.toString() + " to " + max.toString());
      return fallback;
    }
    return <i64>f;
  }

  bool(obj: JSON.Obj, key: string, parent: string, fallback: bool): bool {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return fallback;
    if (v.type != JSON.Types.Bool) {
      this.expected(fieldPath(parent, key), "boolean", v);
      return fallback;
    }
    return v.get<bool>();
  }

  /** A nested object, or null when absent (or wrong type, recorded). */
  obj(obj: JSON.Obj, key: string, parent: string): JSON.Obj | null {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return null;
    if (v.type != JSON.Types.Object) {
      this.expected(fieldPath(parent, key), "object", v);
      return null;
    }
    return v.get<JSON.Obj>();
  }

  /** An array, or null when absent (or wrong type, recorded). */
  arr(obj: JSON.Obj, key: string, parent: string): JSON.Arr | null {
    const v = obj.get(key);
    if (v === null || v.type == JSON.Types.Null) return null;
    if (v.type != JSON.Types.Array) {
      this.expected(fieldPath(parent, key), "array", v);
      return null;
    }
    return v.get<JSON.Arr>();
  }

  /** An array of strings (absent -> empty array). */
  strings(obj: JSON.Obj, key: string, parent: string): string[] {
    const out = new Array<string>();
    const items = this.arr(obj, key, parent);
    if (items === null) return out;
    const p = fieldPath(parent, key);
    for (let i = 0; i < items.length; i++) {
      const v = items.at(i);
      if (v.type != JSON.Types.String) {
        this.expected(indexPath(p, i), "string", v);
        continue;
      }
      out.push(v.get<string>());
    }
    return out;
  }

  /** Element i of an array as an object, recording an error when it is not one. */
  itemObj(items: JSON.Arr, i: i32, path: string): JSON.Obj | null {
    const v = items.at(i);
    if (v.type != JSON.Types.Object) {
      this.expected(indexPath(path, i), "object", v);
      return null;
    }
    return v.get<JSON.Obj>();
  }

  /** Records an error for every key of obj that is not in `known` (catches typos in config). */
  rejectUnknown(obj: JSON.Obj, known: string[], parent: string): void {
    const keys = obj.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (!known.includes(k)) this.fail(fieldPath(parent, k), "unknown field");
    }
  }
}
