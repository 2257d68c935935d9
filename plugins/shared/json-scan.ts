// Allocation-free reads of a few fields from JSON text, for hot paths (one SSE event, one response
// body) where building a json-as tree would cost more than the whole event. The scanner is lenient
// and never traps: malformed text simply yields "not found" (-1). Positions are UTF-16 indexes.
//
//   const c = new JsonCursor();
//   if (c.open(s, 0, s.length)) while (c.next()) if (c.keyIs("usage")) { ... c.valueStart ... }

import { findUnit2 } from "./swar";

@inline function ch(base: usize, i: i32): u32 {
  return <u32>load<u16>(base + (<usize>i << 1));
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** First non-whitespace index at or after i (or `end`). */
export function skipWs(s: string, i: i32, end: i32): i32 {
  const base = changetype<usize>(s);
  while (i < end && isWs(ch(base, i))) i++;
  return i;
}

/** Index after the string starting at s[i] == '"', or -1. */
export function skipString(s: string, i: i32, end: i32): i32 {
  const base = changetype<usize>(s);
  let j = i + 1;
  while (j < end) {
    j = findUnit2(base, j, end, 0x22, 0x5c);
    if (j >= end) return -1;
    if (ch(base, j) == 0x22) return j + 1;
    j += 2; // an escape: skip the escaped unit
  }
  return -1;
}

/** Index after the value starting at s[i] (no leading whitespace), or -1 when it runs off `end`. */
export function skipValue(s: string, i: i32, end: i32): i32 {
  if (i >= end) return -1;
  const base = changetype<usize>(s);
  const c = ch(base, i);
  if (c == 0x22) return skipString(s, i, end);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    let j = i;
    while (j < end) {
      const d = ch(base, j);
      if (d == 0x22) {
        j = skipString(s, j, end);
        if (j < 0) return -1;
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  // number, true, false, null: up to a delimiter
  let j = i;
  while (j < end) {
    const d = ch(base, j);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isWs(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** Walks the members of one object. Keys are compared in place; nothing is allocated. */
export class JsonCursor {
  s: string = "";
  pos: i32 = 0;
  end: i32 = 0;
  keyStart: i32 = 0; // after the opening quote
  keyEnd: i32 = 0; // at the closing quote
  valueStart: i32 = 0;
  valueEnd: i32 = 0;
  /** false once the object ended or turned out malformed */
  ok: bool = false;

  /** Positions the cursor on the object starting at or after `start` (after whitespace). */
  open(s: string, start: i32, end: i32): bool {
    this.s = s;
    this.end = end;
    const i = skipWs(s, start, end);
    this.ok = i < end && load<u16>(changetype<usize>(s) + (<usize>i << 1)) == 0x7b;
    this.pos = i + 1;
    return this.ok;
  }

  /** Advances to the next member; false at the end of the object or on malformed text. */
  next(): bool {
    if (!this.ok) return false;
    const s = this.s;
    const end = this.end;
    const base = changetype<usize>(s);
    let i = skipWs(s, this.pos, end);
    if (i >= end) return (this.ok = false);
    let c = ch(base, i);
    if (c == 0x2c) {
      i = skipWs(s, i + 1, end);
      if (i >= end) return (this.ok = false);
      c = ch(base, i);
    }
    if (c != 0x22) return (this.ok = false); // '}' or garbage
    const k = skipString(s, i, end);
    if (k < 0) return (this.ok = false);
    this.keyStart = i + 1;
    this.keyEnd = k - 1;
    i = skipWs(s, k, end);
    if (i >= end || ch(base, i) != 0x3a) return (this.ok = false);
    i = skipWs(s, i + 1, end);
    const v = skipValue(s, i, end);
    if (v < 0) return (this.ok = false);
    this.valueStart = i;
    this.valueEnd = v;
    this.pos = v;
    return true;
  }

  /** The current key equals `key` (keys with escapes never match; API field names have none). */
  keyIs(key: string): bool {
    const n = this.keyEnd - this.keyStart;
    if (n != key.length) return false;
    return memory.compare(changetype<usize>(this.s) + (<usize>this.keyStart << 1), changetype<usize>(key), <usize>n << 1) == 0;
  }

  /** First character of the current value. */
  valueChar(): u32 {
    return ch(changetype<usize>(this.s), this.valueStart);
  }

  isNull(): bool {
    return this.valueChar() == 0x6e;
  }

  isObject(): bool {
    return this.valueChar() == 0x7b;
  }

  isArray(): bool {
    return this.valueChar() == 0x5b;
  }

  isString(): bool {
    return this.valueChar() == 0x22;
  }

  /** The value is the JSON string `v` (compared in place, no escapes). */
  valueIs(v: string): bool {
    const n = this.valueEnd - this.valueStart - 2;
    if (n != v.length || this.valueChar() != 0x22) return false;
    return memory.compare(changetype<usize>(this.s) + (<usize>(this.valueStart + 1) << 1), changetype<usize>(v), <usize>n << 1) == 0;
  }

  /** The value as a non-negative integer, or -1 when it is not one. */
  int(): i64 {
    return sliceInt(this.s, this.valueStart, this.valueEnd);
  }

  /** The value as a decoded string, or null when it is not a string. */
  str(): string | null {
    return sliceString(this.s, this.valueStart, this.valueEnd);
  }
}

/** s[start, end) as a non-negative integer (a fraction is truncated: "12.0" -> 12), else -1. */
export function sliceInt(s: string, start: i32, end: i32): i64 {
  const base = changetype<usize>(s);
  let v: i64 = 0;
  let i = start;
  if (i >= end || ch(base, i) - 0x30 >= 10) return -1;
  while (i < end) {
    const d = ch(base, i) - 0x30;
    if (d >= 10) break;
    if (v > 92233720368547757) return -1; // would overflow
    v = v * 10 + <i64>d;
    i++;
  }
  if (i < end) {
    const c = ch(base, i);
    if (c == 0x2e) {
      // "12.0": keep the integer part, skip the fraction digits
      i++;
      while (i < end && ch(base, i) - 0x30 < 10) i++;
    }
    if (i < end && (ch(base, i) | 0x20) == 0x65) return -1; // exponent: not a plain count
  }
  return v;
}

function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** Decodes the JSON string at s[start, end) (quotes included), or null when it is not a string. */
export function sliceString(s: string, start: i32, end: i32): string | null {
  const base = changetype<usize>(s);
  if (end - start < 2 || ch(base, start) != 0x22 || ch(base, end - 1) != 0x22) return null;
  // Fast path: no escapes.
  let hasEscape = false;
  for (let i = start + 1; i < end - 1; i++) {
    if (ch(base, i) == 0x5c) {
      hasEscape = true;
      break;
    }
  }
  if (!hasEscape) return s.substring(start + 1, end - 1);
  const out = new Array<u16>();
  let i = start + 1;
  while (i < end - 1) {
    const c = ch(base, i);
    if (c != 0x5c) {
      out.push(<u16>c);
      i++;
      continue;
    }
    if (i + 1 >= end - 1) return null;
    const e = ch(base, i + 1);
    i += 2;
    if (e == 0x6e) out.push(0x0a);
    else if (e == 0x74) out.push(0x09);
    else if (e == 0x72) out.push(0x0d);
    else if (e == 0x62) out.push(0x08);
    else if (e == 0x66) out.push(0x0c);
    else if (e == 0x75) {
      if (i + 4 > end - 1) return null;
      let v: i32 = 0;
      for (let k = 0; k < 4; k++) {
        const h = hexVal(ch(base, i + k));
        if (h < 0) return null;
        v = (v << 4) | h;
      }
      out.push(<u16>v);
      i += 4;
    } else out.push(<u16>e); // \" \\ \/
  }
  const str = changetype<string>(__new(<usize>out.length << 1, idof<string>()));
  for (let k = 0; k < out.length; k++) store<u16>(changetype<usize>(str) + (<usize>k << 1), unchecked(out[k]));
  return str;
}

/** Finds `key` in the object at s[start, end); packs the value's [start, end) as i64, or -1. */
export function findMember(s: string, start: i32, end: i32, key: string, cursor: JsonCursor): i64 {
  if (!cursor.open(s, start, end)) return -1;
  while (cursor.next()) {
    if (cursor.keyIs(key)) return packSlice(cursor.valueStart, cursor.valueEnd);
  }
  return -1;
}

/** Finds element `index` of the array at s[start, end); packed slice or -1. */
export function findElement(s: string, start: i32, end: i32, index: i32): i64 {
  const base = changetype<usize>(s);
  let i = skipWs(s, start, end);
  if (i >= end || ch(base, i) != 0x5b) return -1;
  i = skipWs(s, i + 1, end);
  let n = 0;
  while (i < end) {
    const c = ch(base, i);
    if (c == 0x5d) return -1;
    const v = skipValue(s, i, end);
    if (v < 0) return -1;
    if (n == index) return packSlice(i, v);
    n++;
    i = skipWs(s, v, end);
    if (i < end && ch(base, i) == 0x2c) i = skipWs(s, i + 1, end);
    else return -1;
  }
  return -1;
}

/** Number of elements of the array at s[start, end), or -1. */
export function countElements(s: string, start: i32, end: i32): i32 {
  const base = changetype<usize>(s);
  let i = skipWs(s, start, end);
  if (i >= end || ch(base, i) != 0x5b) return -1;
  i = skipWs(s, i + 1, end);
  if (i < end && ch(base, i) == 0x5d) return 0;
  let n = 0;
  while (i < end) {
    const v = skipValue(s, i, end);
    if (v < 0) return -1;
    n++;
    i = skipWs(s, v, end);
    if (i >= end) return -1;
    const c = ch(base, i);
    if (c == 0x5d) return n;
    if (c != 0x2c) return -1;
    i = skipWs(s, i + 1, end);
  }
  return -1;
}

@inline export function packSlice(start: i32, end: i32): i64 {
  return (<i64>start << 32) | <i64>(<u32>end);
}

@inline export function sliceStartOf(packed: i64): i32 {
  return <i32>(packed >> 32);
}

@inline export function sliceEndOf(packed: i64): i32 {
  return <i32>(<u32>packed);
}
