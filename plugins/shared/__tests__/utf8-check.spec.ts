import { utf8ErrorIn } from "../utf8-check";

function bytes(a: i32[]): ArrayBuffer {
  const b = new ArrayBuffer(a.length);
  for (let i = 0; i < a.length; i++) store<u8>(changetype<usize>(b) + <usize>i, <u8>a[i]);
  return b;
}

describe("utf8-check (request bodies are checked before decoding)", () => {
  it("accepts well-formed UTF-8 of every length, long ASCII runs included", () => {
    expect(utf8ErrorIn(String.UTF8.encode('{"content":"plain ascii text, more than eight bytes"}'))).toBe(-1);
    expect(utf8ErrorIn(String.UTF8.encode("é€😀 中文 ünïcödé"))).toBe(-1);
    expect(utf8ErrorIn(bytes([0xf4, 0x8f, 0xbf, 0xbf, 0xed, 0x9f, 0xbf, 0xe0, 0xa0, 0x80]))).toBe(-1);
    expect(utf8ErrorIn(new ArrayBuffer(0))).toBe(-1);
  });
  it("names the first byte of an ill-formed sequence", () => {
    // "a\xCE\x01b" inside a JSON string: CE is not followed by a continuation byte
    expect(utf8ErrorIn(bytes([0x22, 0x61, 0xce, 0x01, 0x62, 0x22]))).toBe(2);
    expect(utf8ErrorIn(bytes([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0xff]))).toBe(9);
    expect(utf8ErrorIn(bytes([0xc0, 0x80]))).toBe(0); // overlong
    expect(utf8ErrorIn(bytes([0xc1, 0xbf]))).toBe(0); // overlong
    expect(utf8ErrorIn(bytes([0xe0, 0x9f, 0xbf]))).toBe(0); // overlong
    expect(utf8ErrorIn(bytes([0xf0, 0x8f, 0xbf, 0xbf]))).toBe(0); // overlong
    expect(utf8ErrorIn(bytes([0x41, 0xed, 0xa0, 0x80]))).toBe(1); // surrogate
    expect(utf8ErrorIn(bytes([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
    expect(utf8ErrorIn(bytes([0xf5, 0x80, 0x80, 0x80]))).toBe(0);
    expect(utf8ErrorIn(bytes([0x80]))).toBe(0); // stray continuation
    expect(utf8ErrorIn(bytes([0x41, 0xe2, 0x82]))).toBe(1); // cut at the end
    expect(utf8ErrorIn(bytes([0xf0, 0x9f, 0x98]))).toBe(0);
    expect(utf8ErrorIn(bytes([0xe2, 0x28, 0xa1]))).toBe(0); // second byte not a continuation
  });
});
