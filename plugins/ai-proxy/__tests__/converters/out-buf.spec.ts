// The converters' output buffer: raw appends, JSON escaping, integers, and UTF-8 output that
// matches AssemblyScript's own encoder (WTF-8 for lone surrogates).
import { OutBuf } from "../../converters/out-buf";

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): bool {
  if (a.byteLength != b.byteLength) return false;
  return memory.compare(changetype<usize>(a), changetype<usize>(b), a.byteLength) == 0;
}

describe("OutBuf", () => {
  it("appends text, spans and characters, growing as needed", () => {
    const o = new OutBuf(2);
    o.str("hello").ch(0x20).span("xxworldxx", 2, 7);
    expect(o.toString()).toBe("hello world");
    expect(o.len).toBe(11);
    o.dropLast(0x64).dropLast(0x64);
    expect(o.toString()).toBe("hello worl");
    o.setLength(5);
    expect(o.toString()).toBe("hello");
    o.setLength(50);
    expect(o.len).toBe(5);
    expect(o.last()).toBe(0x6f);
    o.reset();
    expect(o.toString()).toBe("");
    expect(o.last()).toBe(-1);
  });
  it("writes integers", () => {
    const o = new OutBuf(1);
    o.int(0).ch(0x2c).int(-42).ch(0x2c).int(9007199254740993).ch(0x2c).int(i64.MAX_VALUE);
    expect(o.toString()).toBe("0,-42,9007199254740993,9223372036854775807");
  });
  it("quotes and escapes JSON strings", () => {
    const o = new OutBuf(4);
    o.quote('a"b\\c\nd\re\tf\u0001\u001f\b\fé🌍');
    expect(o.toString()).toBe('"a\\"b\\\\c\\nd\\re\\tf\\u0001\\u001f\\b\\fé🌍"');
    o.reset();
    o.escaped('{"k":1}', 0, 7);
    expect(o.toString()).toBe('{\\"k\\":1}');
  });
  it("encodes UTF-8 like String.UTF8.encode, lone surrogates included", () => {
    const samples = ["", "ascii", "é ü ß", "€ 中文", "🌍 pair", "lone \uD800 high", "lone \uDC00 low", "end \uD83C"];
    for (let i = 0; i < samples.length; i++) {
      const o = new OutBuf(1);
      o.str(samples[i]);
      expect(sameBytes(o.toUtf8(), String.UTF8.encode(samples[i]))).toBe(true);
    }
  });
});
