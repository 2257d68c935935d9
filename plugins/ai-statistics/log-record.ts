// The access-log record written to filter state (`wasm.ai_log`): one JSON object built by
// appending members, e.g. {"model":"gpt-4o","input_token":12,...,"anomalies":["slow"]}.
// Higress's access-log format wraps it in quotes ('{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%"}'),
// so by default the text is JSON-escaped. Pure.

/** One member: a string (kept unquoted), a string list, or JSON text as is (numbers, booleans). */
class Member {
  constructor(public key: string, public text: string, public quoted: bool, public list: string[] | null) {}
}

export class LogRecord {
  private members: Member[] = [];

  /** true when `key` is new (the first value of a key wins: attributes are added first). */
  private claim(key: string): bool {
    return !this.has(key);
  }

  has(key: string): bool {
    const m = this.members;
    for (let i = 0; i < m.length; i++) if (unchecked(m[i]).key == key) return true;
    return false;
  }

  str(key: string, value: string): LogRecord {
    if (this.claim(key)) this.members.push(new Member(key, value, true, null));
    return this;
  }

  /** Adds the string only when non-empty. */
  strIf(key: string, value: string): LogRecord {
    if (value.length > 0) this.str(key, value);
    return this;
  }

  int(key: string, value: i64): LogRecord {
    if (this.claim(key)) this.members.push(new Member(key, value.toString(), false, null));
    return this;
  }

  bool(key: string, value: bool): LogRecord {
    if (this.claim(key)) this.members.push(new Member(key, value ? "true" : "false", false, null));
    return this;
  }

  strings(key: string, values: string[]): LogRecord {
    if (this.claim(key)) this.members.push(new Member(key, "", false, values));
    return this;
  }

  get size(): i32 {
    return this.members.length;
  }

  json(): string {
    return this.render(false);
  }

  /** The text stored in filter state. Escaped, it equals jsonEscape(json()). */
  render(escaped: bool): string {
    this.build(escaped);
    return String.UTF16.decodeUnsafe(changetype<usize>(text.buf), <usize>text.len << 1);
  }

  /** render(escaped) as UTF-8 bytes, without the intermediate string. */
  renderUtf8(escaped: bool): ArrayBuffer {
    this.build(escaped);
    const out = new ArrayBuffer(text.utf8Length());
    String.UTF8.encodeUnsafe(changetype<usize>(text.buf), text.len, changetype<usize>(out));
    return out;
  }

  /** Writes the record into the shared builder (one pass, no per-member strings). */
  private build(escaped: bool): void {
    const level: i32 = escaped ? 2 : 1;
    const b = text;
    b.reset();
    b.ch(0x7b); // {
    const m = this.members;
    for (let i = 0; i < m.length; i++) {
      const e = unchecked(m[i]);
      if (i > 0) b.ch(0x2c);
      b.quoted(e.key, level);
      b.ch(0x3a); // :
      const list = e.list;
      if (list !== null) {
        b.ch(0x5b); // [
        for (let j = 0; j < list.length; j++) {
          if (j > 0) b.ch(0x2c);
          b.quoted(unchecked(list[j]), level);
        }
        b.ch(0x5d); // ]
      } else if (e.quoted) {
        b.quoted(e.text, level);
      } else {
        b.escaped(e.text, level - 1);
      }
    }
    b.ch(0x7d); // }
  }
}

const HEX = "0123456789abcdef";

/** A reusable UTF-16 buffer the record is written into (one report at a time per VM). Level 1
 *  writes a JSON string's content; level 2 the same text escaped again (the record embedded in a
 *  JSON string, as Higress's log format wants). Same escapes as shared/json-string.ts. */
class TextBuilder {
  buf: StaticArray<u16> = new StaticArray<u16>(1024);
  len: i32 = 0;

  reset(): void {
    this.len = 0;
  }

  ch(c: u16): void {
    if (this.len == this.buf.length) {
      const nb = new StaticArray<u16>(this.buf.length << 1);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len << 1);
      this.buf = nb;
    }
    unchecked((this.buf[this.len++] = c));
  }

  /** UTF-8 byte length of the text (as String.UTF8.encode counts: a valid pair is 4 bytes, a lone
   *  surrogate 3). */
  utf8Length(): i32 {
    const b = this.buf;
    const n = this.len;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const c = unchecked(b[i]);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if ((c & 0xfc00) == 0xd800 && i + 1 < n && (unchecked(b[i + 1]) & 0xfc00) == 0xdc00) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    return bytes;
  }

  /** `"s"` at the given level (the quotes themselves are escaped one level less). */
  quoted(s: string, level: i32): void {
    this.esc(0x22, level - 1);
    this.escaped(s, level);
    this.esc(0x22, level - 1);
  }

  /** `s` with `level` rounds of JSON escaping applied. */
  escaped(s: string, level: i32): void {
    for (let i = 0; i < s.length; i++) this.esc(<u16>s.charCodeAt(i), level);
  }

  /** One character escaped `level` times: its escape sequence, each character of which is
   *  escaped `level - 1` times. */
  esc(c: u16, level: i32): void {
    if (level == 0 || (c >= 0x20 && c != 0x22 && c != 0x5c)) {
      this.ch(c);
      return;
    }
    const l = level - 1;
    this.esc(0x5c, l);
    if (c == 0x22) this.esc(0x22, l);
    else if (c == 0x5c) this.esc(0x5c, l);
    else if (c == 0x0a) this.esc(0x6e, l);
    else if (c == 0x0d) this.esc(0x72, l);
    else if (c == 0x09) this.esc(0x74, l);
    else if (c == 0x08) this.esc(0x62, l);
    else if (c == 0x0c) this.esc(0x66, l);
    else {
      this.esc(0x75, l);
      this.esc(0x30, l);
      this.esc(0x30, l);
      this.esc(<u16>HEX.charCodeAt(c >> 4), l);
      this.esc(<u16>HEX.charCodeAt(c & 15), l);
    }
  }
}

const text = new TextBuilder();

/** Cuts `v` to `limit` characters (never inside a surrogate pair). */
export function limitLength(v: string, limit: i32): string {
  if (v.length <= limit) return v;
  let n = limit;
  const c = v.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--;
  return v.substring(0, n);
}
