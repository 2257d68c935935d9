// A strict (RFC 8259) JSON reader that records every value as a token on a flat "tape" instead of
// building objects: one pass, one growing i32 array, no per-value allocation, never traps.
// Converters read fields through it and copy untouched values to the output as raw text spans
// (a schema, a string already escaped, a number), so nothing is decoded and re-encoded unless it
// must change. Why not json-as: it traps on malformed input and on wrong types, and a dynamic parse
// of a 3 KB chat request measured ~14 us, the whole budget of one conversion.
//
// Tape: 4 i32 per token: [kind | flags, start, end, next]. start/end is the raw span in the source
// (strings include their quotes); `next` is the token after this value's subtree, so siblings are
// walked by jumping. An object's members are key (a string token) then value; an array's elements
// follow it directly.
//
//   {"a":[1,"x"]}  ->  0 OBJ next=5 | 1 STR "a" next=2 | 2 ARR next=5 | 3 NUM next=4 | 4 STR next=5

import { K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL, F_ESC, MAX_DEPTH, TAPE_FULL, scan, scanErrorPos, scanErrorText, slot, chAt, hexVal, isDigit } from "./json-tape-scan";

export { K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL };

const STACK = new StaticArray<i32>(MAX_DEPTH);

/** Name of a token kind for error messages ("expected string, got number"). */
export function kindName(k: i32): string {
  if (k == K_OBJ) return "object";
  if (k == K_ARR) return "array";
  if (k == K_STR) return "string";
  if (k == K_NUM) return "number";
  if (k == K_NULL) return "null";
  if (k == K_TRUE || k == K_FALSE) return "boolean";
  return "nothing";
}

/** n UTF-16 units at a and b are equal (short keys: a plain loop beats a memory.compare call). */
@inline function sameChars(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (load<u64>(a + (<usize>i << 1)) != load<u64>(b + (<usize>i << 1))) return false;
  for (; i < n; i++) if (load<u16>(a + (<usize>i << 1)) != load<u16>(b + (<usize>i << 1))) return false;
  return true;
}

export class JsonDoc {
  src: string = "";
  tape: StaticArray<i32>;
  count: i32 = 0;
  /** "" when the text parsed; else "invalid JSON at offset N: ..." */
  error: string = "";

  constructor(capacityTokens: i32 = 64) {
    this.tape = new StaticArray<i32>(capacityTokens << 2);
  }

  /** Parses `src` into this document, reusing its buffers. Returns false (and sets error) on bad input. */
  parse(src: string): bool {
    this.src = src;
    this.error = "";
    this.count = 0;
    // A tape grown for one huge document is not kept for the small ones after it.
    if (this.tape.length > 1 << 18 && src.length < 1 << 16) this.tape = new StaticArray<i32>(1024);
    while (true) {
      const n = scan(changetype<usize>(src), src.length, changetype<usize>(this.tape), this.tape.length >> 2, changetype<usize>(STACK));
      if (n >= 0) {
        this.count = n;
        return true;
      }
      if (n != TAPE_FULL) {
        this.error = "invalid JSON at offset " + scanErrorPos().toString() + ": " + scanErrorText(n);
        return false;
      }
      // Tape too small: double it and scan again (the tape is kept, so this happens rarely).
      this.tape = new StaticArray<i32>(this.tape.length << 1);
    }
    return false;
  }

  // ---------------------------------------------------------------- reading

  /** Kind of token t; 0 for t < 0 (absent), so lookups can be chained without checks. */
  @inline kind(t: i32): i32 {
    return t < 0 ? 0 : unchecked(this.tape[t << 2]) & 0xff;
  }
  @inline start(t: i32): i32 {
    return unchecked(this.tape[(t << 2) + 1]);
  }
  @inline end(t: i32): i32 {
    return unchecked(this.tape[(t << 2) + 2]);
  }
  /** The token after t's whole subtree (its next sibling, or its container's end). */
  @inline after(t: i32): i32 {
    return unchecked(this.tape[(t << 2) + 3]);
  }
  /** First element (array) or first key (object); equals after(t) when empty. */
  @inline first(t: i32): i32 {
    return t + 1;
  }

  /** Value token of `key` in object o, or -1 (last duplicate wins, as in JavaScript). */
  get(o: i32, key: string): i32 {
    if (o < 0) return -1;
    const tape = changetype<usize>(this.tape);
    const so = slot(tape, o);
    if ((load<i32>(so) & 0xff) != K_OBJ) return -1;
    const stop = load<i32>(so, 12);
    const src = changetype<usize>(this.src);
    const kp = changetype<usize>(key);
    const klen = key.length;
    let found = -1;
    let k = o + 1;
    while (k < stop) {
      const sk = slot(tape, k);
      const a = load<i32>(sk, 4) + 1;
      if (load<i32>(sk) & F_ESC) {
        if (this.str(k) == key) found = k + 1;
      } else if (load<i32>(sk, 8) - 1 - a == klen && sameChars(src + (<usize>a << 1), kp, klen)) found = k + 1;
      k = load<i32>(slot(tape, k + 1), 12);
    }
    return found;
  }

  /** Number of elements (array) or members (object). */
  size(t: i32): i32 {
    const stop = this.after(t);
    const step = this.kind(t) == K_OBJ ? 1 : 0;
    let n = 0;
    let e = t + 1;
    while (e < stop) {
      n++;
      e = this.after(e + step);
    }
    return n;
  }

  /** True when string token t's decoded value equals s (no allocation unless t has escapes). */
  strIs(t: i32, s: string): bool {
    if (this.kind(t) != K_STR) return false;
    const a = this.start(t) + 1;
    const n = this.end(t) - 1 - a;
    if (unchecked(this.tape[t << 2]) & F_ESC) return this.str(t) == s;
    return n == s.length && sameChars(changetype<usize>(this.src) + (<usize>a << 1), changetype<usize>(s), n);
  }

  /** Decoded value of string token t. */
  str(t: i32): string {
    const a = this.start(t) + 1;
    const b = this.end(t) - 1;
    if (!(unchecked(this.tape[t << 2]) & F_ESC)) return this.src.substring(a, b);
    return decodeJsonString(this.src, a, b);
  }

  /** True when string token t has escapes (its raw content differs from its value). */
  @inline hasEscapes(t: i32): bool {
    return (unchecked(this.tape[t << 2]) & F_ESC) != 0;
  }

  /** Raw source text of token t (strings with quotes). */
  raw(t: i32): string {
    return this.src.substring(this.start(t), this.end(t));
  }

  /** Number token t as f64 (NaN when t is not a number). */
  num(t: i32): f64 {
    if (this.kind(t) != K_NUM) return NaN;
    return parseFloat(this.raw(t));
  }

  /** Number token t as an integer, or i64.MIN_VALUE when it is not a whole number that fits. */
  int(t: i32): i64 {
    if (this.kind(t) != K_NUM) return i64.MIN_VALUE;
    const base = changetype<usize>(this.src);
    let i = this.start(t);
    const b = this.end(t);
    let neg = false;
    if (chAt(base, i) == 0x2d) {
      neg = true;
      i++;
    }
    let v: i64 = 0;
    if (b - i > 18) return this.intSlow(t);
    for (; i < b; i++) {
      const c = chAt(base, i);
      if (!isDigit(c)) return this.intSlow(t);
      v = v * 10 + (c - 0x30);
    }
    return neg ? -v : v;
  }

  // "1e3", "2.0", very long: go through f64 and accept only exact whole numbers.
  private intSlow(t: i32): i64 {
    const f = this.num(t);
    if (!isFinite(f) || f != Math.floor(f) || Math.abs(f) > 9007199254740991.0) return i64.MIN_VALUE;
    return <i64>f;
  }

}

/** Decodes the escapes of a JSON string body src[a, b) (already validated). */
export function decodeJsonString(src: string, a: i32, b: i32): string {
  const base = changetype<usize>(src);
  const out = new StaticArray<u16>(b - a);
  let n = 0;
  let i = a;
  while (i < b) {
    let c = chAt(base, i);
    if (c != 0x5c) {
      unchecked((out[n++] = <u16>c));
      i++;
      continue;
    }
    const e = chAt(base, i + 1);
    i += 2;
    if (e == 0x75) {
      c = (hexVal(chAt(base, i)) << 12) | (hexVal(chAt(base, i + 1)) << 8) | (hexVal(chAt(base, i + 2)) << 4) | hexVal(chAt(base, i + 3));
      i += 4;
    } else if (e == 0x6e) c = 0x0a;
    else if (e == 0x74) c = 0x09;
    else if (e == 0x72) c = 0x0d;
    else if (e == 0x62) c = 0x08;
    else if (e == 0x66) c = 0x0c;
    else c = e; // \" \\ \/
    unchecked((out[n++] = <u16>c));
  }
  return String.UTF16.decodeUnsafe(changetype<usize>(out), <usize>n << 1);
}
