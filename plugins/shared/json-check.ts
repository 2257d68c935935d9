// Strict RFC 8259 syntax check over a UTF-16 string, run before any json-as parse of untrusted
// text: json-as traps (kills the VM) on malformed input, this returns a message instead.
// Iterative (an explicit container stack), so deep nesting cannot overflow the wasm stack; a depth
// limit also protects json-as, whose parser is recursive.
//
// Accepted: exactly one value surrounded by optional whitespace (space, tab, LF, CR).
// Rejected: trailing commas, leading zeros, bare '-', '.5', '1.', raw control characters in
// strings, unknown escapes, bad \u digits, NaN/Infinity, comments, anything after the value.

export { JsonFields } from "./json-fields";

export const DEFAULT_MAX_DEPTH: i32 = 128;

// Container kinds on the explicit stack.
const IN_OBJECT: u8 = 1;
const IN_ARRAY: u8 = 2;

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

@inline function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

function describe(c: u32): string {
  if (c < 0x20) return "control character 0x" + c.toString(16);
  return "'" + String.fromCharCode(c) + "'";
}

/** Describes a syntax error found by the scanners below. */
class JsonScan {
  error: string | null = null;

  fail(message: string, pos: i32): i32 {
    if (this.error === null) this.error = message + " at position " + pos.toString();
    return -1;
  }
}

/** Scans a string starting at s[i] == '"'; returns the index after the closing quote or -1. */
function scanString(base: usize, len: i32, i: i32, st: JsonScan): i32 {
  let j = i + 1;
  while (j < len) {
    const c = <u32>load<u16>(base + (<usize>j << 1));
    if (c == 0x22) return j + 1;
    if (c == 0x5c) {
      if (j + 1 >= len) return st.fail("unterminated string", i);
      const e = <u32>load<u16>(base + (<usize>(j + 1) << 1));
      if (e == 0x75) {
        if (j + 5 >= len) return st.fail("truncated \\u escape", j);
        for (let k = 2; k < 6; k++) {
          if (!isHex(<u32>load<u16>(base + (<usize>(j + k) << 1)))) return st.fail("bad \\u escape", j);
        }
        j += 6;
        continue;
      }
      if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
        j += 2;
        continue;
      }
      return st.fail("bad escape \\" + String.fromCharCode(e), j);
    }
    if (c < 0x20) return st.fail("unescaped " + describe(c) + " in string", j);
    j++;
  }
  return st.fail("unterminated string", i);
}

/** Scans a number starting at s[i]; returns the index after it or -1. */
function scanNumber(base: usize, len: i32, i: i32, st: JsonScan): i32 {
  let j = i;
  let c: u32 = <u32>load<u16>(base + (<usize>j << 1));
  if (c == 0x2d) {
    j++;
    if (j >= len) return st.fail("bare '-'", i);
    c = <u32>load<u16>(base + (<usize>j << 1));
  }
  if (c == 0x30) {
    j++;
    if (j < len && isDigit(<u32>load<u16>(base + (<usize>j << 1)))) return st.fail("leading zero in number", i);
  } else if (isDigit(c)) {
    j++;
    while (j < len && isDigit(<u32>load<u16>(base + (<usize>j << 1)))) j++;
  } else {
    return st.fail("expected digit", j);
  }
  if (j < len && load<u16>(base + (<usize>j << 1)) == 0x2e) {
    j++;
    if (j >= len || !isDigit(<u32>load<u16>(base + (<usize>j << 1)))) return st.fail("expected digit after '.'", j);
    while (j < len && isDigit(<u32>load<u16>(base + (<usize>j << 1)))) j++;
  }
  if (j < len && (<u32>load<u16>(base + (<usize>j << 1)) | 0x20) == 0x65) {
    j++;
    if (j < len) {
      const s = <u32>load<u16>(base + (<usize>j << 1));
      if (s == 0x2b || s == 0x2d) j++;
    }
    if (j >= len || !isDigit(<u32>load<u16>(base + (<usize>j << 1)))) return st.fail("expected digit in exponent", j);
    while (j < len && isDigit(<u32>load<u16>(base + (<usize>j << 1)))) j++;
  }
  return j;
}

function scanLiteral(s: string, i: i32, word: string, st: JsonScan): i32 {
  const n = word.length;
  if (i + n > s.length) return st.fail("truncated literal, expected " + word, i);
  const base = changetype<usize>(s);
  for (let k = 0; k < n; k++) {
    if (load<u16>(base + (<usize>(i + k) << 1)) != <u16>word.charCodeAt(k)) {
      return st.fail("invalid literal, expected " + word, i);
    }
  }
  return i + n;
}

/**
 * Returns null when `s` is one valid JSON value, else a message such as
 * `expected ',' or '}' at position 17`. `maxDepth` bounds nesting of arrays and objects.
 */
export function validateJson(s: string, maxDepth: i32 = DEFAULT_MAX_DEPTH): string | null {
  const st = new JsonScan();
  const end = scanJsonValue(s, 0, maxDepth, st);
  if (end < 0) return st.error;
  return null;
}

/** Like validateJson, and also requires the top-level value to be an object. */
export function validateJsonObject(s: string, maxDepth: i32 = DEFAULT_MAX_DEPTH): string | null {
  const err = validateJson(s, maxDepth);
  if (err !== null) return err;
  const base = changetype<usize>(s);
  let i = 0;
  while (isWs(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  if (load<u16>(base + (<usize>i << 1)) != 0x7b) return "expected a JSON object at position " + i.toString();
  return null;
}

/** Scans exactly one value (with surrounding whitespace) from `start` to the end of `s`. */
function scanJsonValue(s: string, start: i32, maxDepth: i32, st: JsonScan): i32 {
  const base = changetype<usize>(s);
  const len = s.length;
  const stack = new StaticArray<u8>(maxDepth > 0 ? maxDepth : 1);
  let depth = 0;
  let i = start;
  // true when the next token must be a value; false when it must be ',' or a closer.
  let wantValue = true;
  // true right after '[' or '{' (a closer is then allowed in place of a value / key).
  let justOpened = false;

  while (true) {
    while (i < len && isWs(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    if (wantValue) {
      if (i >= len) return st.fail(depth == 0 && i == start ? "empty input" : "unexpected end, expected a value", i);
      const c = <u32>load<u16>(base + (<usize>i << 1));
      const inObj = depth > 0 && unchecked(stack[depth - 1]) == IN_OBJECT;
      if (justOpened && ((inObj && c == 0x7d) || (!inObj && depth > 0 && c == 0x5d))) {
        justOpened = false;
        depth--;
        i++;
        wantValue = false;
        if (depth == 0) break;
        continue;
      }
      justOpened = false;
      if (c == 0x7b || c == 0x5b) {
        if (depth >= maxDepth) return st.fail("nesting deeper than " + maxDepth.toString(), i);
        unchecked((stack[depth] = c == 0x7b ? IN_OBJECT : IN_ARRAY));
        depth++;
        i++;
        justOpened = true;
        if (c == 0x7b) {
          // An object starts with a key (or '}').
          while (i < len && isWs(<u32>load<u16>(base + (<usize>i << 1)))) i++;
          if (i < len && load<u16>(base + (<usize>i << 1)) == 0x7d) {
            justOpened = false;
            depth--;
            i++;
            wantValue = false;
            if (depth == 0) break;
            continue;
          }
          justOpened = false;
          i = scanKey(s, i, st);
          if (i < 0) return -1;
        }
        continue;
      }
      if (c == 0x22) i = scanString(base, len, i, st);
      else if (c == 0x2d || isDigit(c)) i = scanNumber(base, len, i, st);
      else if (c == 0x74) i = scanLiteral(s, i, "true", st);
      else if (c == 0x66) i = scanLiteral(s, i, "false", st);
      else if (c == 0x6e) i = scanLiteral(s, i, "null", st);
      else return st.fail("unexpected " + describe(c) + ", expected a value", i);
      if (i < 0) return -1;
      wantValue = false;
      if (depth == 0) break;
      continue;
    }
    // After a value inside a container: ',' or the matching closer.
    if (i >= len) return st.fail("unexpected end, expected ',' or a closing bracket", i);
    const c = <u32>load<u16>(base + (<usize>i << 1));
    const inObj = unchecked(stack[depth - 1]) == IN_OBJECT;
    if (c == 0x2c) {
      i++;
      if (inObj) {
        while (i < len && isWs(<u32>load<u16>(base + (<usize>i << 1)))) i++;
        i = scanKey(s, i, st);
        if (i < 0) return -1;
      }
      wantValue = true;
      continue;
    }
    if ((inObj && c == 0x7d) || (!inObj && c == 0x5d)) {
      depth--;
      i++;
      if (depth == 0) break;
      continue;
    }
    return st.fail("unexpected " + describe(c) + ", expected ',' or " + (inObj ? "'}'" : "']'"), i);
  }
  while (i < len && isWs(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  if (i < len) return st.fail("unexpected " + describe(<u32>load<u16>(base + (<usize>i << 1))) + " after the value", i);
  return i;
}

/** Scans `"key"` and the following ':' (whitespace allowed); returns the index after ':'. */
function scanKey(s: string, i: i32, st: JsonScan): i32 {
  const base = changetype<usize>(s);
  const len = s.length;
  if (i >= len) return st.fail("unexpected end, expected a key", i);
  if (load<u16>(base + (<usize>i << 1)) != 0x22) {
    return st.fail("unexpected " + describe(<u32>load<u16>(base + (<usize>i << 1))) + ", expected a string key", i);
  }
  let j = scanString(base, len, i, st);
  if (j < 0) return -1;
  while (j < len && isWs(<u32>load<u16>(base + (<usize>j << 1)))) j++;
  if (j >= len || load<u16>(base + (<usize>j << 1)) != 0x3a) return st.fail("expected ':' after key", j);
  return j + 1;
}
