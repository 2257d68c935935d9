import { HeaderPair, encodePairs, decodePairs } from "../pairs";

function bytes(values: u8[]): ArrayBuffer {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out.buffer;
}

function hex(buf: ArrayBuffer): string {
  const a = Uint8Array.wrap(buf);
  let s = "";
  for (let i = 0; i < a.length; i++) s += (a[i] < 16 ? "0" : "") + a[i].toString(16);
  return s;
}

describe("pairs codec", () => {
  it("encodes the exact wire layout: count, lengths, then key NUL value NUL", () => {
    const buf = encodePairs([new HeaderPair(":path", "/"), new HeaderPair("a", "")]);
    // 4 + (8 + 5 + 1 + 2) + (8 + 1 + 0 + 2)
    expect(buf.byteLength).toBe(31);
    expect(hex(buf)).toBe(
      "02000000" + "05000000" + "01000000" + "01000000" + "00000000" +
      "3a7061746800" + "2f00" + "6100" + "00",
    );
  });

  it("encodes an empty list as a zero count", () => {
    expect(hex(encodePairs([]))).toBe("00000000");
  });

  it("round-trips UTF-8 keys and values", () => {
    const input = [new HeaderPair("x-name", "héllo ✓"), new HeaderPair("k", "v"), new HeaderPair("k", "v2")];
    const out = decodePairs(encodePairs(input));
    expect(out).not.toBeNull();
    const list = out!;
    expect(list.length).toBe(3);
    expect(list[0].key).toBe("x-name");
    expect(list[0].value).toBe("héllo ✓");
    expect(list[2].value).toBe("v2");
  });

  it("treats a zero-length buffer as an empty map", () => {
    const out = decodePairs(new ArrayBuffer(0));
    expect(out).not.toBeNull();
    expect(out!.length).toBe(0);
  });

  it("rejects a missing NUL, trailing bytes, short data and absurd counts", () => {
    // one pair "a" -> "b" but the key's NUL replaced by 'x'
    expect(decodePairs(bytes([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0x78, 0x62, 0]))).toBeNull();
    // valid pair plus one trailing byte
    expect(decodePairs(bytes([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0, 9]))).toBeNull();
    // lengths pointing past the end
    expect(decodePairs(bytes([1, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0]))).toBeNull();
    // count far larger than the bytes could hold
    expect(decodePairs(bytes([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]))).toBeNull();
    // fewer than 4 bytes
    expect(decodePairs(bytes([1, 0]))).toBeNull();
  });

  it("decodes a valid hand-made buffer", () => {
    const out = decodePairs(bytes([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0]));
    expect(out).not.toBeNull();
    expect(out![0].key).toBe("a");
    expect(out![0].value).toBe("b");
  });
});
