import { findByte2, findUnit2, isAscii, decodeUtf8 } from "../swar";

describe("swar", () => {
  it("finds the first of two bytes at every position and length", () => {
    for (let len = 0; len < 40; len++) {
      for (let pos = 0; pos <= len; pos++) {
        const b = new Uint8Array(len);
        for (let i = 0; i < len; i++) b[i] = <u8>(0x41 + (i % 20));
        if (pos < len) b[pos] = 0x0d;
        const got = findByte2(changetype<usize>(b.buffer), 0, len, 0x0a, 0x0d);
        expect(got).toBe(pos);
      }
    }
    const h = new Uint8Array(16);
    h[3] = 0x80; // high bytes must not look like a match
    h[9] = 0x0a;
    expect(findByte2(changetype<usize>(h.buffer), 0, 16, 0x0a, 0x0d)).toBe(9);
    expect(findByte2(changetype<usize>(h.buffer), 10, 16, 0x0a, 0x0d)).toBe(16);
  });
  it("finds UTF-16 units", () => {
    const s = 'abcdefghij\\"klmn"';
    expect(findUnit2(changetype<usize>(s), 0, s.length, 0x22, 0x5c)).toBe(10);
    expect(findUnit2(changetype<usize>(s), 11, s.length, 0x22, 0x5c)).toBe(11);
    expect(findUnit2(changetype<usize>(s), 12, s.length, 0x22, 0x5c)).toBe(16);
    const w = "\u2222\u5c5c\u0122xx\u0022";
    expect(findUnit2(changetype<usize>(w), 0, w.length, 0x22, 0x5c)).toBe(5);
  });
  it("decodes UTF-8 like String.UTF8 (ASCII fast path and fallback)", () => {
    const samples = ["", "a", "abcd", "abcdefghijklmnopq", 'data: {"x":1}', "h\u00e9llo", "\u4e16\u754c", "\ud83d\ude00 ok"];
    for (let i = 0; i < samples.length; i++) {
      const b = String.UTF8.encode(samples[i]);
      expect(decodeUtf8(changetype<usize>(b), b.byteLength)).toBe(samples[i]);
    }
    const a = String.UTF8.encode("plain ascii text!");
    expect(isAscii(changetype<usize>(a), a.byteLength)).toBe(true);
    const u = String.UTF8.encode("plain ascii text\u00e9");
    expect(isAscii(changetype<usize>(u), u.byteLength)).toBe(false);
  });
});
