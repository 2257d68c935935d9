// Reads several headers of one map with a single host call: the serialized pairs
// (u32 count | count x (u32 key_len, u32 value_len) | key NUL value NUL ..., see assembly/pairs.ts)
// are looked up in place, comparing names as bytes, and only the values asked for are decoded.
// A request reads ~8 headers (path, consumer, provider, variant, session keys, attribute headers):
// one crossing instead of one per name. The block is the host's, freed by release().
import { MapType, WasmResult } from "../../assembly/enums";
import { proxy_get_header_map_pairs } from "../../assembly/abi/imports";
import { RET_PTR, RET_SIZE, clearReturnSlots } from "../../assembly/memory";

export class HeaderScan {
  private block: usize = 0;
  private size: usize = 0;
  private count: i32 = 0;

  /** Reads the map (false when it is not available now: every get then gives null). */
  load(map: MapType): bool {
    this.release();
    clearReturnSlots();
    const r = proxy_get_header_map_pairs(<u32>map, RET_PTR, RET_SIZE);
    const ptr = <usize>load<u32>(RET_PTR);
    const size = <usize>load<u32>(RET_SIZE);
    if (r != WasmResult.Ok || ptr == 0) {
      if (ptr != 0) heap.free(ptr);
      return false;
    }
    this.block = ptr;
    this.size = size;
    const n = size >= 4 ? <usize>load<u32>(ptr) : 0;
    // Each pair needs 8 length bytes and 2 NULs: a count beyond that is malformed.
    this.count = n <= (size - 4) / 10 ? <i32>n : 0;
    return true;
  }

  /** The first value of `name` (Envoy keeps names in lowercase), or null. */
  get(name: string): string | null {
    const n = this.count;
    if (n == 0) return null;
    const base = this.block;
    const end = base + this.size;
    const want = name.length;
    let lens = base + 4;
    let data = lens + (<usize>n << 3);
    for (let i = 0; i < n; i++) {
      const kLen = <usize>load<u32>(lens);
      const vLen = <usize>load<u32>(lens, 4);
      lens += 8;
      if (data + kLen + vLen + 2 > end) return null; // malformed
      if (kLen == <usize>want && sameAscii(data, name, want)) return String.UTF8.decodeUnsafe(data + kLen + 1, vLen);
      data += kLen + vLen + 2;
    }
    return null;
  }

  /** Frees the host's block. */
  release(): void {
    if (this.block != 0) heap.free(this.block);
    this.block = 0;
    this.size = 0;
    this.count = 0;
  }
}

/** The n bytes at p spell s, ASCII letters of s compared case-insensitively (Envoy's lookups are). */
function sameAscii(p: usize, s: string, n: i32): bool {
  const q = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(q + (<usize>i << 1));
    if (c - 0x41 < 26) c |= 0x20;
    if (<u32>load<u8>(p + <usize>i) != c) return false;
  }
  return true;
}
