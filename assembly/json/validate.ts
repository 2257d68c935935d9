// Strict JSON syntax check (RFC 8259) run BEFORE json-as parses anything: json-as traps on
// malformed input, and a trap kills the VM. Pure. Returns "" when valid, else a message with the
// character offset ("offset 12: expected ':' after object key").

const MAX_DEPTH: i32 = 128;

// Reads UTF-16 units straight from the string's memory (no charCodeAt bounds checks): this runs
// over every request body of ai-proxy. Offsets in messages are UTF-16 indexes, as before.
class Scanner {
  pos: i32 = 0;
  error: string = "";
  readonly base: usize;
  readonly len: i32;
  constructor(public text: string) {
    this.base = changetype<usize>(text);
    this.len = text.length;
  }

  // @ts-ignore: decorator
  @inline at(i: i32): i32 {
    return i < this.len ? <i32>load<u16>(this.base + (<usize>i << 1)) : -1;
  }

  fail(msg: string): bool {
    if (this.error.length == 0) this.error = "offset " + this.pos.toString() + ": " + msg;
    return false;
  }

  // @ts-ignore: decorator
  @inline peek(): i32 {
    return this.at(this.pos);
  }

  skipWs(): void {
    let p = this.pos;
    const n = this.len;
    while (p < n) {
      const c = <i32>load<u16>(this.base + (<usize>p << 1));
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      p++;
    }
    this.pos = p;
  }

  value(depth: i32): bool {
    this.skipWs();
    const c = this.peek();
    if (c == 0x7b) return this.object(depth + 1); // {
    if (c == 0x5b) return this.array(depth + 1); // [
    if (c == 0x22) return this.string(); // "
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c == 0x74) return this.literal("true");
    if (c == 0x66) return this.literal("false");
    if (c == 0x6e) return this.literal("null");
    if (c < 0) return this.fail("unexpected end of input");
    return this.fail("unexpected character '" + String.fromCharCode(c) + "'");
  }

  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) return this.fail("invalid literal, expected " + word);
      this.pos++;
    }
    return true;
  }

  object(depth: i32): bool {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString());
    this.pos++; // {
    this.skipWs();
    if (this.peek() == 0x7d) { this.pos++; return true; }
    while (true) {
      this.skipWs();
      if (this.peek() != 0x22) return this.fail("expected a string key");
      if (!this.string()) return false;
      this.skipWs();
      if (this.peek() != 0x3a) return this.fail("expected ':' after object key");
      this.pos++;
      if (!this.value(depth)) return false;
      this.skipWs();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x7d) { this.pos++; return true; }
      return this.fail("expected ',' or '}' in object");
    }
  }

  array(depth: i32): bool {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString());
    this.pos++; // [
    this.skipWs();
    if (this.peek() == 0x5d) { this.pos++; return true; }
    while (true) {
      if (!this.value(depth)) return false;
      this.skipWs();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x5d) { this.pos++; return true; }
      return this.fail("expected ',' or ']' in array");
    }
  }

  string(): bool {
    let p = this.pos + 1; // after the opening quote
    const n = this.len;
    const b = this.base;
    while (true) {
      if (p >= n) {
        this.pos = p;
        return this.fail("unterminated string");
      }
      const c = <i32>load<u16>(b + (<usize>p << 1));
      if (c == 0x22) {
        this.pos = p + 1;
        return true;
      }
      if (c < 0x20) {
        this.pos = p;
        return this.fail("control character in string");
      }
      if (c == 0x5c) {
        p++;
        const e = this.at(p);
        if (e == 0x75) { // \uXXXX
          p++;
          for (let i = 0; i < 4; i++) {
            const h = this.at(p);
            const hex = (h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
            if (!hex) {
              this.pos = p;
              return this.fail("invalid \\u escape");
            }
            p++;
          }
          continue;
        }
        if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
          p++;
          continue;
        }
        this.pos = p;
        return this.fail("invalid escape");
      }
      p++;
    }
  }

  number(): bool {
    if (this.peek() == 0x2d) this.pos++;
    let c = this.peek();
    if (c == 0x30) {
      this.pos++;
    } else if (c >= 0x31 && c <= 0x39) {
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    } else {
      return this.fail("invalid number");
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!(this.peek() >= 0x30 && this.peek() <= 0x39)) return this.fail("invalid number: digit expected after '.'");
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    }
    c = this.peek();
    if (c == 0x65 || c == 0x45) {
      this.pos++;
      c = this.peek();
      if (c == 0x2b || c == 0x2d) this.pos++;
      if (!(this.peek() >= 0x30 && this.peek() <= 0x39)) return this.fail("invalid number: digit expected in exponent");
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    }
    return true;
  }
}

/** "" when `text` is one valid JSON value (surrounding whitespace allowed), else the error. */
export function validateJson(text: string): string {
  const s = new Scanner(text);
  if (!s.value(0)) return s.error;
  s.skipWs();
  if (s.pos != text.length) {
    s.fail("unexpected data after the JSON value");
    return s.error;
  }
  return "";
}
