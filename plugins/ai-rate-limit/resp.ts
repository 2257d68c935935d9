// RESP2 (the Redis protocol, https://redis.io/docs/latest/develop/reference/protocol-spec/) for
// the Higress Redis ABI: proxy_redis_call takes one command as a RESP array of bulk strings, and
// the reply arrives raw in buffer type 9.
//   request:  *3\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n
//   replies:  +OK\r\n  -ERR msg\r\n  :42\r\n  $5\r\nhello\r\n  $-1\r\n  *2\r\n:1\r\n:0\r\n  *-1\r\n
// Byte-level and bounded: a malformed or truncated reply decodes to an error value, never a trap.

export const RESP_SIMPLE: u8 = 0x2b; // +
export const RESP_ERROR: u8 = 0x2d; // -
export const RESP_INTEGER: u8 = 0x3a; // :
export const RESP_BULK: u8 = 0x24; // $
export const RESP_ARRAY: u8 = 0x2a; // *
/** Not a wire type: the reply could not be decoded. */
export const RESP_INVALID: u8 = 0;

/** Builds a command; bulk strings are written as UTF-8. */
export class RespCommand {
  private parts: Array<ArrayBuffer> = new Array<ArrayBuffer>();

  arg(s: string): RespCommand {
    this.parts.push(String.UTF8.encode(s));
    return this;
  }

  argInt(v: i64): RespCommand {
    return this.arg(v.toString());
  }

  encode(): ArrayBuffer {
    let size = 0;
    const n = this.parts.length;
    const head = "*" + n.toString() + "\r\n";
    size += head.length;
    const lens = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      lens[i] = "$" + this.parts[i].byteLength.toString() + "\r\n";
      size += lens[i].length + this.parts[i].byteLength + 2;
    }
    const out = new ArrayBuffer(size);
    let p = changetype<usize>(out);
    p = putAscii(p, head);
    for (let i = 0; i < n; i++) {
      p = putAscii(p, lens[i]);
      const part = this.parts[i];
      memory.copy(p, changetype<usize>(part), <usize>part.byteLength);
      p += <usize>part.byteLength;
      store<u8>(p, 0x0d);
      store<u8>(p + 1, 0x0a);
      p += 2;
    }
    return out;
  }
}

function putAscii(p: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  return p + <usize>s.length;
}

export class RespValue {
  type: u8 = RESP_INVALID;
  /** simple string, error text, or bulk string (UTF-8 decoded) */
  str: string = "";
  int: i64 = 0;
  /** $-1 or *-1 */
  isNull: bool = false;
  items: RespValue[] = [];

  isError(): bool {
    return this.type == RESP_ERROR || this.type == RESP_INVALID;
  }

  /** Integer value of an integer reply, or of a bulk/simple string holding one (Lua returns either). */
  asInt(fallback: i64): i64 {
    if (this.type == RESP_INTEGER) return this.int;
    if (this.type == RESP_BULK || this.type == RESP_SIMPLE) {
      const s = this.str;
      if (s.length == 0 || s.length > 19) return fallback;
      let neg = false;
      let i = 0;
      if (s.charCodeAt(0) == 0x2d) {
        neg = true;
        i = 1;
        if (s.length == 1) return fallback;
      }
      let v: i64 = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x30 || c > 0x39) return fallback;
        v = v * 10 + <i64>(c - 0x30);
      }
      return neg ? -v : v;
    }
    return fallback;
  }
}

const MAX_DEPTH: i32 = 8;
const MAX_ITEMS: i64 = 100_000;

class Reader {
  base: usize;
  len: i32;
  pos: i32 = 0;
  error: string | null = null;
  constructor(base: usize, len: i32) {
    this.base = base;
    this.len = len;
  }

  /** Index of the "\r\n" ending the line at pos, or -1. */
  lineEnd(): i32 {
    for (let i = this.pos; i + 1 < this.len; i++) {
      if (load<u8>(this.base + <usize>i) == 0x0d && load<u8>(this.base + <usize>i + 1) == 0x0a) return i;
    }
    return -1;
  }

  lineText(end: i32): string {
    return String.UTF8.decodeUnsafe(this.base + <usize>this.pos, <usize>(end - this.pos));
  }

  lineInt(end: i32): i64 {
    let i = this.pos;
    let neg = false;
    if (i < end && load<u8>(this.base + <usize>i) == 0x2d) {
      neg = true;
      i++;
    }
    if (i >= end || end - i > 19) return i64.MIN_VALUE;
    let v: i64 = 0;
    for (; i < end; i++) {
      const c = <i32>load<u8>(this.base + <usize>i);
      if (c < 0x30 || c > 0x39) return i64.MIN_VALUE;
      v = v * 10 + <i64>(c - 0x30);
    }
    return neg ? -v : v;
  }

  fail(msg: string): RespValue {
    if (this.error === null) this.error = msg + " at byte " + this.pos.toString();
    return new RespValue();
  }

  read(depth: i32): RespValue {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    if (this.pos >= this.len) return this.fail("truncated reply");
    const t = load<u8>(this.base + <usize>this.pos);
    if (t != RESP_SIMPLE && t != RESP_ERROR && t != RESP_INTEGER && t != RESP_BULK && t != RESP_ARRAY) {
      return this.fail("unknown reply type");
    }
    this.pos++;
    const end = this.lineEnd();
    if (end < 0) return this.fail("truncated reply");
    const v = new RespValue();
    v.type = t;
    if (t == RESP_SIMPLE || t == RESP_ERROR) {
      v.str = this.lineText(end);
      this.pos = end + 2;
      return v;
    }
    const n = this.lineInt(end);
    if (n == i64.MIN_VALUE) return this.fail("bad length or integer");
    this.pos = end + 2;
    if (t == RESP_INTEGER) {
      v.int = n;
      return v;
    }
    if (t == RESP_BULK) {
      if (n < 0) {
        v.isNull = true;
        return v;
      }
      if (<i64>this.pos + n + 2 > <i64>this.len) return this.fail("truncated bulk string");
      v.str = String.UTF8.decodeUnsafe(this.base + <usize>this.pos, <usize>n);
      this.pos += <i32>n + 2;
      return v;
    }
    if (t == RESP_ARRAY) {
      if (n < 0) {
        v.isNull = true;
        return v;
      }
      if (n > MAX_ITEMS) return this.fail("array too long");
      for (let i: i64 = 0; i < n; i++) {
        const item = this.read(depth + 1);
        if (this.error !== null) return item;
        v.items.push(item);
      }
      return v;
    }
    return this.fail("unknown reply type");
  }
}

/** Decodes one reply. An undecodable one comes back as type RESP_INVALID with the reason in str. */
export function decodeResp(buf: ArrayBuffer): RespValue {
  const r = new Reader(changetype<usize>(buf), buf.byteLength);
  const v = r.read(0);
  if (r.error !== null) {
    const bad = new RespValue();
    bad.type = RESP_INVALID;
    bad.str = r.error!;
    return bad;
  }
  return v;
}
