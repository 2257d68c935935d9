// Test helper: structural JSON comparison (key order ignored, numbers by value, strings decoded).
// Returns "" when equal, else the first difference with its path, so a failing fixture says which
// field is wrong ("$.choices[0].finish_reason: expected "stop", got "length"").
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM } from "../../converters/json-tape";

const A = new JsonDoc(256);
const B = new JsonDoc(256);

export function jsonDiff(expected: string, actual: string): string {
  if (!A.parse(expected)) return "expected text is not JSON: " + A.error;
  if (!B.parse(actual)) return "actual text is not JSON: " + B.error + " in " + actual;
  return diff(0, 0, "$");
}

function show(d: JsonDoc, t: i32): string {
  const s = d.raw(t);
  return s.length > 120 ? s.substring(0, 117) + "..." : s;
}

function diff(a: i32, b: i32, path: string): string {
  const ka = A.kind(a);
  const kb = B.kind(b);
  if (ka != kb) return path + ": expected " + show(A, a) + ", got " + show(B, b);
  if (ka == K_STR) return A.str(a) == B.str(b) ? "" : path + ": expected " + show(A, a) + ", got " + show(B, b);
  if (ka == K_NUM) return A.num(a) == B.num(b) ? "" : path + ": expected " + show(A, a) + ", got " + show(B, b);
  if (ka == K_ARR) {
    if (A.size(a) != B.size(b)) return path + ": expected " + A.size(a).toString() + " elements, got " + B.size(b).toString() + " in " + show(B, b);
    let i = 0;
    let y = B.first(b);
    for (let x = A.first(a); x < A.after(a); x = A.after(x)) {
      const r = diff(x, y, path + "[" + i.toString() + "]");
      if (r.length > 0) return r;
      y = B.after(y);
      i++;
    }
    return "";
  }
  if (ka == K_OBJ) {
    for (let k = A.first(a); k < A.after(a); k = A.after(k + 1)) {
      const key = A.str(k);
      const v = B.get(b, key);
      if (v < 0) return path + "." + key + ": missing";
      const r = diff(k + 1, v, path + "." + key);
      if (r.length > 0) return r;
    }
    for (let k = B.first(b); k < B.after(b); k = B.after(k + 1)) {
      const key = B.str(k);
      if (A.get(a, key) < 0) return path + "." + key + ": unexpected member " + show(B, k + 1);
    }
    return "";
  }
  return ""; // true, false, null: same kind is equal
}
