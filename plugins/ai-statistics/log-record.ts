// The access-log record written to filter state (`wasm.ai_log`): one JSON object built by
// appending members, e.g. {"model":"gpt-4o","input_token":12,...,"anomalies":["slow"]}.
// Higress's access-log format wraps it in quotes ('{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%"}'),
// so by default the text is JSON-escaped (escaped = jsonEscape of the plain JSON).
// Written straight as UTF-8 into one reusable byte buffer: plain ASCII runs are copied in bulk,
// only quotes, backslashes, controls and non-ASCII take the slow path; numbers are written as
// digits; no string or member object is allocated per request. One record at a time per VM. Pure.

const HEX = "0123456789abcdef";

export class LogRecord {
  private buf: StaticArray<u8> = new StaticArray<u8>(1024);
  private len: i32 = 0;
  /** 1: plain JSON; 2: the JSON escaped once more */
  private level: i32 = 1;
  private members: i32 = 0;
  private listItems: i32 = 0;
  /** keys written so far, checked only when `checkKeys` (the first value of a key wins) */
  private keys: string[] = [];
  private checkKeys: bool = false;

  constructor(escaped: bool = false) {
    this.reset(escaped);
  }

  /** Starts a new record. `checkKeys`: members may repeat a key (attributes come first and win). */
  reset(escaped: bool, checkKeys: bool = true): LogRecord {
    this.level = escaped ? 2 : 1;
    this.len = 0;
    this.members = 0;
    this.keys.length = 0;
    this.checkKeys = checkKeys;
    this.byte(0x7b); // {
    return this;
  }

  has(key: string): bool {
    const k = this.keys;
    for (let i = 0, n = k.length; i < n; i++) if (unchecked(k[i]) == key) return true;
    return false;
  }

  /** Writes `"key":` unless the key was written before (then false: skip the value). */
  private key(key: string): bool {
    if (this.checkKeys) {
      if (this.has(key)) return false;
      this.keys.push(key);
    }
    if (this.members++ > 0) this.byte(0x2c); // ,
    this.quoted(key);
    this.byte(0x3a); // :
    return true;
  }

  str(key: string, value: string): LogRecord {
    if (this.key(key)) this.quoted(value);
    return this;
  }

  /** Adds the string only when non-empty. */
  strIf(key: string, value: string): LogRecord {
    if (value.length > 0) this.str(key, value);
    return this;
  }

  int(key: string, value: i64): LogRecord {
    if (this.key(key)) this.digits(value);
    return this;
  }

  bool(key: string, value: bool): LogRecord {
    if (this.key(key)) this.ascii(value ? "true" : "false");
    return this;
  }

  strings(key: string, values: string[]): LogRecord {
    if (!this.beginList(key)) return this;
    for (let i = 0; i < values.length; i++) this.item(unchecked(values[i]));
    this.endList();
    return this;
  }

  /** `"key":[` (false when the key was written before: then add no items). */
  beginList(key: string): bool {
    if (!this.key(key)) return false;
    this.byte(0x5b);
    this.listItems = 0;
    return true;
  }

  item(s: string): void {
    if (this.listItems++ > 0) this.byte(0x2c);
    this.quoted(s);
  }

  endList(): void {
    this.byte(0x5d);
  }

  /** The record as UTF-8 bytes (closes the object). */
  utf8(): ArrayBuffer {
    this.byte(0x7d); // }
    const out = new ArrayBuffer(this.len);
    memory.copy(changetype<usize>(out), changetype<usize>(this.buf), <usize>this.len);
    this.len--; // the record stays open
    return out;
  }

  /** The record as text (tests). */
  text(): string {
    return String.UTF8.decode(this.utf8());
  }

  // ---- writing -------------------------------------------------------------------------------

  private room(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < this.len + n) cap <<= 1;
    const nb = new StaticArray<u8>(cap);
    memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len);
    this.buf = nb;
  }

  private byte(c: u32): void {
    this.room(1);
    store<u8>(changetype<usize>(this.buf) + <usize>this.len, <u8>c);
    this.len++;
  }

  /** A string known to need no escaping and to be ASCII. */
  private ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const p = changetype<usize>(s);
    const out = changetype<usize>(this.buf) + <usize>this.len;
    for (let i = 0; i < n; i++) store<u8>(out + <usize>i, <u8>load<u16>(p + (<usize>i << 1)));
    this.len += n;
  }

  private digits(v: i64): void {
    this.room(20);
    if (v < 0) {
      this.byte(0x2d);
      if (v == i64.MIN_VALUE) {
        this.ascii("9223372036854775808");
        return;
      }
      v = -v;
    }
    const start = this.len;
    do {
      store<u8>(changetype<usize>(this.buf) + <usize>this.len, <u8>(0x30 + <i32>(v % 10)));
      this.len++;
      v /= 10;
    } while (v > 0);
    // reverse the digits in place
    let a = changetype<usize>(this.buf) + <usize>start;
    let b = changetype<usize>(this.buf) + <usize>(this.len - 1);
    while (a < b) {
      const t = load<u8>(a);
      store<u8>(a, load<u8>(b));
      store<u8>(b, t);
      a++;
      b--;
    }
  }

  /** `"s"`: the quotes are structure (escaped one level less than the content). */
  private quoted(s: string): void {
    this.quote();
    this.content(s);
    this.quote();
  }

  /** A structural quote: `"`, or `\"` in the escaped record. */
  private quote(): void {
    this.room(2);
    const out = changetype<usize>(this.buf) + <usize>this.len;
    if (this.level == 1) {
      store<u8>(out, 0x22);
      this.len++;
    } else {
      store<u16>(out, 0x225c); // '\' then '"'
      this.len += 2;
    }
  }

  /** `s` as JSON string content at this record's level, as UTF-8. */
  private content(s: string): void {
    const n = s.length;
    const p = changetype<usize>(s);
    // Worst case per UTF-16 unit: 3 UTF-8 bytes, or an escape (\u00XX escaped again: 7 bytes).
    let i = 0;
    while (i < n) {
      // Bulk: a run of plain ASCII.
      this.room(n - i);
      let out = changetype<usize>(this.buf) + <usize>this.len;
      const runStart = i;
      while (i < n) {
        const c = load<u16>(p + (<usize>i << 1));
        if (c < 0x20 || c >= 0x80 || c == 0x22 || c == 0x5c) break;
        store<u8>(out, <u8>c);
        out++;
        i++;
      }
      this.len += i - runStart;
      if (i >= n) return;
      const c = <u32>load<u16>(p + (<usize>i << 1));
      if (c < 0x80) {
        this.esc(c, this.level);
        i++;
      } else if ((c & 0xfc00) == 0xd800 && i + 1 < n && (<u32>load<u16>(p + (<usize>(i + 1) << 1)) & 0xfc00) == 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (<u32>load<u16>(p + (<usize>(i + 1) << 1)) - 0xdc00);
        this.byte(0xf0 | (cp >> 18));
        this.byte(0x80 | ((cp >> 12) & 0x3f));
        this.byte(0x80 | ((cp >> 6) & 0x3f));
        this.byte(0x80 | (cp & 0x3f));
        i += 2;
      } else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 0x3f));
        i++;
      } else {
        // includes a lone surrogate, written as its 3-byte form (as String.UTF8.encode does)
        this.byte(0xe0 | (c >> 12));
        this.byte(0x80 | ((c >> 6) & 0x3f));
        this.byte(0x80 | (c & 0x3f));
        i++;
      }
    }
  }

  /** One ASCII character escaped `level` times: its escape sequence, each character of which is
   *  escaped `level - 1` times. */
  private esc(c: u32, level: i32): void {
    if (level == 0 || (c >= 0x20 && c != 0x22 && c != 0x5c)) {
      this.byte(c);
      return;
    }
    const l = level - 1;
    this.esc(0x5c, l);
    if (c == 0x22) this.esc(0x22, l);
    else if (c == 0x5c) this.esc(0x5c, l);
    else if (c == 0x0a) this.byte(0x6e);
    else if (c == 0x0d) this.byte(0x72);
    else if (c == 0x09) this.byte(0x74);
    else if (c == 0x08) this.byte(0x62);
    else if (c == 0x0c) this.byte(0x66);
    else {
      this.byte(0x75);
      this.byte(0x30);
      this.byte(0x30);
      this.byte(<u32>HEX.charCodeAt(c >> 4));
      this.byte(<u32>HEX.charCodeAt(c & 15));
    }
  }
}

/** Cuts `v` to `limit` characters (never inside a surrogate pair). */
export function limitLength(v: string, limit: i32): string {
  if (v.length <= limit) return v;
  let n = limit;
  const c = v.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--;
  return v.substring(0, n);
}
