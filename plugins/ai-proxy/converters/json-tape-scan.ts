// The scanner behind JsonDoc (json-tape.ts): one pass over UTF-16 JSON text that validates it
// (RFC 8259) and writes the token tape. One function over raw pointers and integer locals: no
// managed references, so the compiler adds no shadow-stack traffic to the per-character loop.
//
// Tape: 4 i32 per token: [kind | flags, start, end, next]. start/end is the raw span in the source
// (strings include their quotes); `next` is the token after this value's subtree.

export const K_OBJ: i32 = 1;
export const K_ARR: i32 = 2;
export const K_STR: i32 = 3;
export const K_NUM: i32 = 4;
export const K_TRUE: i32 = 5;
export const K_FALSE: i32 = 6;
export const K_NULL: i32 = 7;
export const F_ESC: i32 = 0x100; // string holds a backslash escape
export const MAX_DEPTH: i32 = 256;

@inline export function chAt(base: usize, i: i32): i32 {
  return <i32>load<u16>(base + (<usize>i << 1));
}

@inline export function isWs(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline export function isDigit(c: i32): bool {
  return <u32>(c - 0x30) < 10;
}

@inline export function hexVal(c: i32): i32 {
  if (<u32>(c - 0x30) < 10) return c - 0x30;
  const l = c | 0x20;
  if (<u32>(l - 0x61) < 6) return l - 0x61 + 10;
  return -1;
}

// scan() returns the token count, or one of these negative codes.

export const TAPE_FULL: i32 = -1;
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

/** Offset of the last scan error. */
export function scanErrorPos(): i32 {
  return errPos;
}


/** Message for a negative scan() code. */
export function scanErrorText(code: i32): string {
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

@inline export function slot(tape: usize, t: i32): usize {
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

/**
 * Scans src[0, len) (UTF-16 at `base`) onto `tape` (room for `cap` tokens), using `stack` (room for
 * MAX_DEPTH i32) for open containers. Returns the token count, TAPE_FULL, or an error code.
 */
export function scan(base: usize, len: i32, tape: usize, cap: i32, stack: usize): i32 {
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
