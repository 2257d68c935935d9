import { textBlock, pathBlock, releaseText, textLen1, textLen2 } from "../memory";
import { HeaderPair, encodePairs, decodePairs } from "../pairs";

function bytesAt(p: usize, n: usize): string {
  let s = "";
  for (let i: usize = 0; i < n; i++) s += (i > 0 ? "," : "") + load<u8>(p + i).toString();
  return s;
}

function utf8Of(s: string): string {
  const b = String.UTF8.encode(s);
  return bytesAt(changetype<usize>(b), <usize>b.byteLength);
}

describe("outgoing text blocks", () => {
  it("places two texts back to back as UTF-8", () => {
    const p = textBlock("x-Ü", "😀é");
    expect(textLen1).toBe(4);
    expect(textLen2).toBe(6);
    expect(bytesAt(p, 4)).toBe(utf8Of("x-Ü"));
    expect(bytesAt(p + 4, 6)).toBe(utf8Of("😀é"));
    releaseText(p);
  });

  it("joins a property path with NUL", () => {
    const p = pathBlock(["xds", "route_name"]);
    expect(textLen1).toBe(14);
    expect(bytesAt(p, 14)).toBe(utf8Of("xds\0route_name"));
    releaseText(p);
    const q = pathBlock(["plugin_root_id"]);
    expect(textLen1).toBe(14);
    releaseText(q);
  });

  it("handles texts larger than the shared scratch area", () => {
    let big = "";
    for (let i = 0; i < 3000; i++) big += "ab";
    const p = textBlock(big, "v");
    expect(textLen1).toBe(6000);
    expect(textLen2).toBe(1);
    expect(load<u8>(p + 6000)).toBe(0x76);
    releaseText(p);
  });
});

describe("encodePairs writes UTF-8 in place", () => {
  it("round-trips non-ASCII pairs", () => {
    const pairs = [new HeaderPair(":path", "/é"), new HeaderPair("x-😀", ""), new HeaderPair("", "v")];
    const buf = encodePairs(pairs);
    expect(buf.byteLength).toBe(4 + (10 + 5 + 3) + (10 + 6 + 0) + (10 + 0 + 1));
    const back = decodePairs(buf)!;
    expect(back.length).toBe(3);
    expect(back[0].value).toBe("/é");
    expect(back[1].key).toBe("x-😀");
    expect(back[2].value).toBe("v");
  });
});
