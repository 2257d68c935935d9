// A growable UTF-16 output buffer for converters: appends raw text, raw spans of a source string
// (memory.copy, no substring), JSON-quoted strings and integers without temporary strings. One
// buffer is reused across a whole stream; `reset()` keeps the capacity.

@inline function hexDigit(v: i32): u16 {
  return <u16>(v < 10 ? 0x30 + v : 0x61 + v - 10);
}

export class OutBuf {
  private buf: StaticArray<u16>;
  len: i32 = 0;

  constructor(capacity: i32 = 1024) {
    this.buf = new StaticArray<u16>(capacity);
  }

  /** Characters the buffer holds before it must grow. */
  get capacity(): i32 {
    return this.buf.length;
  }

  @inline reset(): void {
    this.len = 0;
  }

  /** Cuts the output back to n characters (undo an optional section that stayed empty). */
  @inline setLength(n: i32): void {
    if (n >= 0 && n < this.len) this.len = n;
  }

  @inline private ensure(extra: i32): void {
    if (this.len + extra > this.buf.length) this.grow(this.len + extra);
  }

  private grow(need: i32): void {
    let cap = this.buf.length << 1;
    if (cap < need) cap = need;
    const bigger = new StaticArray<u16>(cap);
    memory.copy(changetype<usize>(bigger), changetype<usize>(this.buf), <usize>this.len << 1);
    this.buf = bigger;
  }

  @inline private at(): usize {
    return changetype<usize>(this.buf) + (<usize>this.len << 1);
  }

  /** Appends s as is. */
  str(s: string): OutBuf {
    const n = s.length;
    this.ensure(n);
    memory.copy(this.at(), changetype<usize>(s), <usize>n << 1);
    this.len += n;
    return this;
  }

  /** Appends src[a, b) as is. */
  span(src: string, a: i32, b: i32): OutBuf {
    const n = b - a;
    if (n <= 0) return this;
    this.ensure(n);
    memory.copy(this.at(), changetype<usize>(src) + (<usize>a << 1), <usize>n << 1);
    this.len += n;
    return this;
  }

  /** Appends one UTF-16 code unit. */
  ch(c: i32): OutBuf {
    this.ensure(1);
    store<u16>(this.at(), <u16>c);
    this.len++;
    return this;
  }

  /** Appends a decimal integer. */
  int(v: i64): OutBuf {
    if (v == 0) return this.ch(0x30);
    this.ensure(20);
    let u: u64 = v < 0 ? <u64>-v : <u64>v;
    if (v < 0) this.ch(0x2d);
    let digits = 0;
    let t = u;
    while (t != 0) {
      digits++;
      t /= 10;
    }
    const p = this.at();
    for (let i = digits - 1; i >= 0; i--) {
      store<u16>(p + (<usize>i << 1), <u16>(0x30 + <i32>(u % 10)));
      u /= 10;
    }
    this.len += digits;
    return this;
  }

  /** Appends "true" or "false". */
  bool(b: bool): OutBuf {
    return this.str(b ? "true" : "false");
  }

  /** Appends s as a quoted JSON string. */
  quote(s: string): OutBuf {
    this.ch(0x22);
    this.escaped(s, 0, s.length);
    return this.ch(0x22);
  }

  /** Appends src[a, b) JSON-escaped (no quotes), e.g. to embed JSON text as a string value. */
  escaped(src: string, a: i32, b: i32): OutBuf {
    const base = changetype<usize>(src);
    let run = a; // start of the current run of characters that need no escape
    for (let i = a; i < b; i++) {
      const c = <i32>load<u16>(base + (<usize>i << 1));
      if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
      this.span(src, run, i);
      run = i + 1;
      this.ensure(6);
      if (c == 0x22) this.ch(0x5c).ch(0x22);
      else if (c == 0x5c) this.ch(0x5c).ch(0x5c);
      else if (c == 0x0a) this.ch(0x5c).ch(0x6e);
      else if (c == 0x0d) this.ch(0x5c).ch(0x72);
      else if (c == 0x09) this.ch(0x5c).ch(0x74);
      else if (c == 0x08) this.ch(0x5c).ch(0x62);
      else if (c == 0x0c) this.ch(0x5c).ch(0x66);
      else this.ch(0x5c).ch(0x75).ch(0x30).ch(0x30).ch(hexDigit(c >> 4)).ch(hexDigit(c & 15));
    }
    return this.span(src, run, b);
  }

  /** Drops the last character when it is c (e.g. a trailing comma). */
  dropLast(c: i32): OutBuf {
    if (this.len > 0 && load<u16>(changetype<usize>(this.buf) + (<usize>(this.len - 1) << 1)) == <u16>c) this.len--;
    return this;
  }

  /** Last character, or -1 when empty. */
  last(): i32 {
    return this.len > 0 ? <i32>load<u16>(changetype<usize>(this.buf) + (<usize>(this.len - 1) << 1)) : -1;
  }

  /** The text written since `reset()`. */
  toString(): string {
    return String.UTF16.decodeUnsafe(changetype<usize>(this.buf), <usize>this.len << 1);
  }

  /** The text written since `reset()` as UTF-8 bytes (what goes on the wire), without a string copy. */
  toUtf8(): ArrayBuffer {
    const p = changetype<usize>(this.buf);
    const n = this.len;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const c = <i32>load<u16>(p + (<usize>i << 1));
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if ((c & 0xfc00) == 0xd800 && i + 1 < n && (<i32>load<u16>(p + (<usize>(i + 1) << 1)) & 0xfc00) == 0xdc00) {
        bytes += 4;
        i++;
      } else bytes += 3; // BMP, or a lone surrogate written as WTF-8
    }
    const out = new ArrayBuffer(bytes);
    String.UTF8.encodeUnsafe(p, n, changetype<usize>(out));
    return out;
  }
}
