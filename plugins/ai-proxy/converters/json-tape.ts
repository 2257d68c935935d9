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

export const K_OBJ: i32 = 1;
export const K_ARR: i32 = 2;
export const K_STR: i32 = 3;
export const K_NUM: i32 = 4;
export const K_TRUE: i32 = 5;
export const K_FALSE: i32 = 6;
export const K_NULL: i32 = 7;
const F_ESC: i32 = 0x100; // string holds a backslash escape
const MAX_DEPTH: i32 = 256;

@inline function chAt(base: usize, i: i32): i32 {
  return <i32>load<u16>(base + (<usize>i << 1));
}

@inline function isWs(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isDigit(c: i32): bool {
  return <u32>(c - 0x30) < 10;
}

@inline function hexVal(c: i32): i32 {
  if (<u32>(c - 0x30) < 10) return c - 0x30;
  const l = c | 0x20;
  if (<u32>(l - 0x61) < 6) return l - 0x61 + 10;
  return -1;
}

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

export class JsonDoc {
  src: string = "";
  tape: StaticArray<i32>;
  count: i32 = 0;
  /** "" when the text parsed; else "invalid JSON at offset N: ..." */
  error: string = "";
  private stack: StaticArray<i32> = new StaticArray<i32>(16);

  constructor(capacityTokens: i32 = 64) {
    this.tape = new StaticArray<i32>(capacityTokens << 2);
  }

  /** Parses `src` into this document, reusing its buffers. Returns false (and sets error) on bad input. */
  parse(src: string): bool {
    this.src = src;
    this.count = 0;
    this.error = "";
    const base = changetype<usize>(src);
    const len = src.length;
    let sp = 0;
    let pos = this.ws(base, 0, len);
    while (true) {
      // ---- one value at pos
      if (pos >= len) return this.fail(pos, "unexpected end of input");
      let c = chAt(base, pos);
      if (c == 0x7b || c == 0x5b) {
        const t = this.add(c == 0x7b ? K_OBJ : K_ARR, pos);
        pos = this.ws(base, pos + 1, len);
        const close = c + 2; // '{'+2 = '}', '['+2 = ']'
        if (pos < len && chAt(base, pos) == close) {
          this.close(t, pos + 1);
          pos++;
        } else {
          if (sp >= MAX_DEPTH) return this.fail(pos, "nesting deeper than " + MAX_DEPTH.toString());
          if (sp >= this.stack.length) this.growStack();
          unchecked((this.stack[sp++] = t));
          if (c == 0x7b) {
            pos = this.key(base, pos, len);
            if (pos < 0) return false;
          }
          continue;
        }
      } else if (c == 0x22) {
        pos = this.str(base, pos, len);
        if (pos < 0) return false;
      } else if (c == 0x2d || isDigit(c)) {
        pos = this.num(base, pos, len);
        if (pos < 0) return false;
      } else if (c == 0x74) {
        pos = this.lit(base, pos, len, "true", K_TRUE);
        if (pos < 0) return false;
      } else if (c == 0x66) {
        pos = this.lit(base, pos, len, "false", K_FALSE);
        if (pos < 0) return false;
      } else if (c == 0x6e) {
        pos = this.lit(base, pos, len, "null", K_NULL);
        if (pos < 0) return false;
      } else {
        return this.fail(pos, "unexpected character");
      }
      // ---- after a value: close containers or move to the next member
      while (true) {
        pos = this.ws(base, pos, len);
        if (sp == 0) {
          if (pos != len) return this.fail(pos, "unexpected text after the JSON value");
          return true;
        }
        const top = unchecked(this.stack[sp - 1]);
        const isObj = (unchecked(this.tape[top << 2]) & 0xff) == K_OBJ;
        if (pos >= len) return this.fail(pos, "unexpected end of input");
        c = chAt(base, pos);
        if (c == 0x2c) {
          pos = this.ws(base, pos + 1, len);
          if (isObj) {
            pos = this.key(base, pos, len);
            if (pos < 0) return false;
          }
          break;
        }
        if (c == (isObj ? 0x7d : 0x5d)) {
          this.close(top, pos + 1);
          sp--;
          pos++;
          continue;
        }
        return this.fail(pos, isObj ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    return false; // unreachable; keeps the compiler's flow analysis happy
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
    if (o < 0 || this.kind(o) != K_OBJ) return -1;
    const stop = this.after(o);
    let found = -1;
    let k = o + 1;
    while (k < stop) {
      if (this.strIs(k, key)) found = k + 1;
      k = this.after(k + 1);
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
    const b = this.end(t) - 1;
    if (unchecked(this.tape[t << 2]) & F_ESC) return this.str(t) == s;
    if (b - a != s.length) return false;
    return memory.compare(changetype<usize>(this.src) + (<usize>a << 1), changetype<usize>(s), <usize>(b - a) << 1) == 0;
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

  // ---------------------------------------------------------------- parsing helpers

  private fail(pos: i32, msg: string): bool {
    this.error = "invalid JSON at offset " + pos.toString() + ": " + msg;
    return false;
  }

  @inline private ws(base: usize, pos: i32, len: i32): i32 {
    while (pos < len && isWs(chAt(base, pos))) pos++;
    return pos;
  }

  private add(kind: i32, start: i32): i32 {
    const t = this.count;
    if ((t + 1) << 2 > this.tape.length) this.growTape();
    const o = t << 2;
    unchecked((this.tape[o] = kind));
    unchecked((this.tape[o + 1] = start));
    this.count = t + 1;
    return t;
  }

  @inline private close(t: i32, end: i32): void {
    const o = t << 2;
    unchecked((this.tape[o + 2] = end));
    unchecked((this.tape[o + 3] = this.count));
  }

  private growTape(): void {
    const bigger = new StaticArray<i32>(this.tape.length << 1);
    memory.copy(changetype<usize>(bigger), changetype<usize>(this.tape), <usize>this.tape.length << 2);
    this.tape = bigger;
  }

  private growStack(): void {
    const bigger = new StaticArray<i32>(this.stack.length << 1);
    memory.copy(changetype<usize>(bigger), changetype<usize>(this.stack), <usize>this.stack.length << 2);
    this.stack = bigger;
  }

  // An object key then ':'; returns the position of the member's value, or -1.
  private key(base: usize, pos: i32, len: i32): i32 {
    if (pos >= len || chAt(base, pos) != 0x22) {
      this.fail(pos, "expected a string key");
      return -1;
    }
    pos = this.str(base, pos, len);
    if (pos < 0) return -1;
    pos = this.ws(base, pos, len);
    if (pos >= len || chAt(base, pos) != 0x3a) {
      this.fail(pos, "expected ':' after object key");
      return -1;
    }
    return this.ws(base, pos + 1, len);
  }

  private str(base: usize, pos: i32, len: i32): i32 {
    const t = this.add(K_STR, pos);
    let i = pos + 1;
    let flags = 0;
    while (true) {
      if (i >= len) {
        this.fail(pos, "unterminated string");
        return -1;
      }
      const c = chAt(base, i);
      if (c == 0x22) break;
      if (c < 0x20) {
        this.fail(i, "control character in string");
        return -1;
      }
      if (c == 0x5c) {
        flags = F_ESC;
        if (i + 1 >= len) {
          this.fail(i, "unterminated escape");
          return -1;
        }
        const e = chAt(base, i + 1);
        if (e == 0x75) {
          if (i + 5 >= len || hexVal(chAt(base, i + 2)) < 0 || hexVal(chAt(base, i + 3)) < 0 || hexVal(chAt(base, i + 4)) < 0 || hexVal(chAt(base, i + 5)) < 0) {
            this.fail(i, "bad \\u escape");
            return -1;
          }
          i += 6;
          continue;
        }
        if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
          this.fail(i, "bad escape");
          return -1;
        }
        i += 2;
        continue;
      }
      i++;
    }
    const o = t << 2;
    unchecked((this.tape[o] = K_STR | flags));
    unchecked((this.tape[o + 2] = i + 1));
    unchecked((this.tape[o + 3] = t + 1));
    return i + 1;
  }

  private num(base: usize, pos: i32, len: i32): i32 {
    const t = this.add(K_NUM, pos);
    let i = pos;
    if (chAt(base, i) == 0x2d) i++;
    if (i >= len || !isDigit(chAt(base, i))) {
      this.fail(i, "bad number");
      return -1;
    }
    if (chAt(base, i) == 0x30) i++;
    else while (i < len && isDigit(chAt(base, i))) i++;
    if (i < len && chAt(base, i) == 0x2e) {
      i++;
      if (i >= len || !isDigit(chAt(base, i))) {
        this.fail(i, "bad number fraction");
        return -1;
      }
      while (i < len && isDigit(chAt(base, i))) i++;
    }
    if (i < len && (chAt(base, i) | 0x20) == 0x65) {
      i++;
      if (i < len && (chAt(base, i) == 0x2b || chAt(base, i) == 0x2d)) i++;
      if (i >= len || !isDigit(chAt(base, i))) {
        this.fail(i, "bad number exponent");
        return -1;
      }
      while (i < len && isDigit(chAt(base, i))) i++;
    }
    const o = t << 2;
    unchecked((this.tape[o + 2] = i));
    unchecked((this.tape[o + 3] = t + 1));
    return i;
  }

  private lit(base: usize, pos: i32, len: i32, word: string, kind: i32): i32 {
    const n = word.length;
    if (pos + n > len || memory.compare(base + (<usize>pos << 1), changetype<usize>(word), <usize>n << 1) != 0) {
      this.fail(pos, "unexpected character");
      return -1;
    }
    const t = this.add(kind, pos);
    const o = t << 2;
    unchecked((this.tape[o + 2] = pos + n));
    unchecked((this.tape[o + 3] = t + 1));
    return pos + n;
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
