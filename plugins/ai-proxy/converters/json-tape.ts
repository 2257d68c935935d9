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

// ---------------------------------------------------------------- scanner
// One function over raw pointers and integer locals: no managed references, so the compiler adds no
// shadow-stack traffic to the per-character loop. Returns the token count, or a negative code.

const TAPE_FULL: i32 = -1;
const E_END: i32 = -2;
const E_CHAR: i32 = -3;
const E_KEY: i32 = -4;
const E_COLON: i32 = -5;
const E_COMMA_OBJ: i32 = -6;
const E_COMMA_ARR: i32 = -7;
const E_CTRL: i32 = -8;
const E_ESC: i32 = -9;
const E_NUM: i32 = -10;
const E_DEPTH: i32 = -11;
const E_TRAIL: i32 = -12;
const E_STR_END: i32 = -13;
let errPos: i32 = 0;
const STACK = new StaticArray<i32>(MAX_DEPTH);

function errorText(code: i32): string {
  if (code == E_END) return "unexpected end of input";
  if (code == E_KEY) return "expected a string key";
  if (code == E_COLON) return "expected ':' after object key";
  if (code == E_COMMA_OBJ) return "expected ',' or '}'";
  if (code == E_COMMA_ARR) return "expected ',' or ']'";
  if (code == E_CTRL) return "control character in string";
  if (code == E_ESC) return "bad escape";
  if (code == E_NUM) return "bad number";
  if (code == E_DEPTH) return "nesting deeper than " + MAX_DEPTH.toString();
  if (code == E_TRAIL) return "unexpected text after the JSON value";
  if (code == E_STR_END) return "unterminated string";
  return "unexpected character";
}

/** n UTF-16 units at a and b are equal (short keys: a plain loop beats a memory.compare call). */
@inline function sameChars(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (load<u64>(a + (<usize>i << 1)) != load<u64>(b + (<usize>i << 1))) return false;
  for (; i < n; i++) if (load<u16>(a + (<usize>i << 1)) != load<u16>(b + (<usize>i << 1))) return false;
  return true;
}

@inline function slot(tape: usize, t: i32): usize {
  return tape + (<usize>t << 4);
}

// Scans the string starting at the quote at pos; returns the index after the closing quote, or a
// negative code. Sets *flags (F_ESC) through the returned high bit trick: escapes -> pos | 1<<30.
@inline function scanString(base: usize, pos: i32, len: i32): i32 {
  let i = pos + 1;
  let esc = 0;
  while (true) {
    // Skip 4 plain characters at a time (SWAR on 16-bit lanes): stop at a quote, a backslash or a
    // control character. False positives only fall through to the exact check below.
    while (i + 4 <= len) {
      const x = load<u64>(base + (<usize>i << 1));
      const q = x ^ 0x0022002200220022;
      const b = x ^ 0x005c005c005c005c;
      const hit = ((q - 0x0001000100010001) & ~q) | ((b - 0x0001000100010001) & ~b) | ((x - 0x0020002000200020) & ~x);
      if (hit & 0x8000800080008000) break;
      i += 4;
    }
    if (i >= len) {
      errPos = pos;
      return E_STR_END;
    }
    const c = chAt(base, i);
    if (c == 0x22) break;
    if (c == 0x5c) {
      esc = 1 << 30;
      if (i + 1 >= len) {
        errPos = i;
        return E_STR_END;
      }
      const e = chAt(base, i + 1);
      if (e == 0x75) {
        if (i + 5 >= len || (hexVal(chAt(base, i + 2)) | hexVal(chAt(base, i + 3)) | hexVal(chAt(base, i + 4)) | hexVal(chAt(base, i + 5))) < 0) {
          errPos = i;
          return E_ESC;
        }
        i += 6;
        continue;
      }
      if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
        errPos = i;
        return E_ESC;
      }
      i += 2;
      continue;
    }
    if (c < 0x20) {
      errPos = i;
      return E_CTRL;
    }
    i++;
  }
  return (i + 1) | esc;
}

@inline function scanNumber(base: usize, pos: i32, len: i32): i32 {
  let i = pos;
  if (chAt(base, i) == 0x2d) i++;
  if (i >= len || !isDigit(chAt(base, i))) {
    errPos = i;
    return E_NUM;
  }
  if (chAt(base, i) == 0x30) i++;
  else while (i < len && isDigit(chAt(base, i))) i++;
  if (i < len && chAt(base, i) == 0x2e) {
    i++;
    if (i >= len || !isDigit(chAt(base, i))) {
      errPos = i;
      return E_NUM;
    }
    while (i < len && isDigit(chAt(base, i))) i++;
  }
  if (i < len && (chAt(base, i) | 0x20) == 0x65) {
    i++;
    if (i < len && (chAt(base, i) == 0x2b || chAt(base, i) == 0x2d)) i++;
    if (i >= len || !isDigit(chAt(base, i))) {
      errPos = i;
      return E_NUM;
    }
    while (i < len && isDigit(chAt(base, i))) i++;
  }
  return i;
}

// true / false / null by their first letter; returns the end or E_CHAR.
@inline function scanLiteral(base: usize, pos: i32, len: i32, c: i32): i32 {
  // "true" = 74 72 75 65, "false" = 66 61 6c 73 65, "null" = 6e 75 6c 6c (as u16 pairs in a u64)
  if (c == 0x74 && pos + 4 <= len && load<u64>(base + (<usize>pos << 1)) == 0x0065007500720074) return pos + 4;
  if (c == 0x6e && pos + 4 <= len && load<u64>(base + (<usize>pos << 1)) == 0x006c006c0075006e) return pos + 4;
  if (c == 0x66 && pos + 5 <= len && load<u64>(base + (<usize>pos << 1) + 2) == 0x00650073006c0061) return pos + 5;
  errPos = pos;
  return E_CHAR;
}

@inline function skipWs(base: usize, pos: i32, len: i32): i32 {
  while (pos < len && isWs(chAt(base, pos))) pos++;
  return pos;
}

function scan(base: usize, len: i32, tape: usize, cap: i32, stack: usize): i32 {
  let n = 0; // tokens written
  let sp = 0;
  let pos = skipWs(base, 0, len);
  let expectKey = false;
  while (true) {
    if (n + 2 > cap) return TAPE_FULL; // a key and its value may both be added below
    if (expectKey) {
      // ---- object key and ':'
      expectKey = false;
      if (pos >= len || chAt(base, pos) != 0x22) {
        errPos = pos;
        return pos >= len ? E_END : E_KEY;
      }
      const e = scanString(base, pos, len);
      if (e < 0) return e;
      const k = slot(tape, n);
      store<i32>(k, K_STR | (e >> 30 ? F_ESC : 0));
      store<i32>(k, pos, 4);
      store<i32>(k, e & 0x3fffffff, 8);
      store<i32>(k, ++n, 12);
      pos = skipWs(base, e & 0x3fffffff, len);
      if (pos >= len || chAt(base, pos) != 0x3a) {
        errPos = pos;
        return pos >= len ? E_END : E_COLON;
      }
      pos = skipWs(base, pos + 1, len);
    }
    // ---- one value at pos
    if (pos >= len) {
      errPos = pos;
      return E_END;
    }
    let c = chAt(base, pos);
    const t = slot(tape, n);
    store<i32>(t, pos, 4);
    if (c == 0x22) {
      const e = scanString(base, pos, len);
      if (e < 0) return e;
      store<i32>(t, K_STR | (e >> 30 ? F_ESC : 0));
      pos = e & 0x3fffffff;
      store<i32>(t, pos, 8);
      store<i32>(t, ++n, 12);
    } else if (c == 0x7b || c == 0x5b) {
      store<i32>(t, c == 0x7b ? K_OBJ : K_ARR);
      const close = c + 2; // '{'+2 = '}', '['+2 = ']'
      pos = skipWs(base, pos + 1, len);
      if (pos < len && chAt(base, pos) == close) {
        pos++;
        store<i32>(t, pos, 8);
        store<i32>(t, ++n, 12);
      } else {
        if (sp >= MAX_DEPTH) {
          errPos = load<i32>(t, 4);
          return E_DEPTH;
        }
        store<i32>(stack + (<usize>sp << 2), n);
        sp++;
        n++;
        expectKey = c == 0x7b;
        continue;
      }
    } else if (c == 0x2d || isDigit(c)) {
      pos = scanNumber(base, pos, len);
      if (pos < 0) return pos;
      store<i32>(t, K_NUM);
      store<i32>(t, pos, 8);
      store<i32>(t, ++n, 12);
    } else {
      const e = scanLiteral(base, pos, len, c);
      if (e < 0) return e;
      store<i32>(t, c == 0x74 ? K_TRUE : c == 0x66 ? K_FALSE : K_NULL);
      pos = e;
      store<i32>(t, pos, 8);
      store<i32>(t, ++n, 12);
    }
    // ---- after a value: close containers or move to the next member
    while (true) {
      pos = skipWs(base, pos, len);
      if (sp == 0) {
        if (pos != len) {
          errPos = pos;
          return E_TRAIL;
        }
        return n;
      }
      const top = slot(tape, load<i32>(stack + (<usize>(sp - 1) << 2)));
      const isObj = load<i32>(top) == K_OBJ;
      if (pos >= len) {
        errPos = pos;
        return E_END;
      }
      c = chAt(base, pos);
      if (c == 0x2c) {
        pos = skipWs(base, pos + 1, len);
        expectKey = isObj;
        break;
      }
      if (c == (isObj ? 0x7d : 0x5d)) {
        pos++;
        store<i32>(top, pos, 8);
        store<i32>(top, n, 12);
        sp--;
        continue;
      }
      errPos = pos;
      return isObj ? E_COMMA_OBJ : E_COMMA_ARR;
    }
  }
  return E_END;
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
        this.error = "invalid JSON at offset " + errPos.toString() + ": " + errorText(n);
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
