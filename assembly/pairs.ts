// Header-map "pairs" serialization of proxy-wasm (proxy-wasm-cpp-host src/pairs_util.cc):
//   u32 count | count x (u32 key_len, u32 value_len) | count x (key bytes, NUL, value bytes, NUL)
// little-endian; size = 4 + sum(8 + key_len + value_len + 2). Pure: no host calls.
// Example, one pair (":path", "/"): 01000000 05000000 01000000 3a70617468 00 2f 00

export class HeaderPair {
  constructor(public key: string, public value: string) {}
}

/** Serializes pairs (keys and values as UTF-8), encoding each text straight into the output. */
export function encodePairs(pairs: HeaderPair[]): ArrayBuffer {
  const n = pairs.length;
  let size: i32 = 4;
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    size += 10 + String.UTF8.byteLength(p.key) + String.UTF8.byteLength(p.value);
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>n);
  let lens = base + 4;
  let data = base + 4 + <usize>n * 8;
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    const k = p.key;
    const v = p.value;
    const kLen = String.UTF8.encodeUnsafe(changetype<usize>(k), k.length, data);
    data += kLen;
    store<u8>(data, 0);
    data += 1;
    const vLen = String.UTF8.encodeUnsafe(changetype<usize>(v), v.length, data);
    data += vLen;
    store<u8>(data, 0);
    data += 1;
    store<u32>(lens, <u32>kLen);
    store<u32>(lens, <u32>vLen, 4);
    lens += 8;
  }
  return out;
}

/** Parses pairs. Malformed input (short, missing NUL, trailing bytes) gives null, like the
 *  cpp-host parser gives an empty map; an empty buffer is an empty list (the host sends 0 bytes
 *  for an empty map). */
export function decodePairs(buf: ArrayBuffer): HeaderPair[] | null {
  return decodePairsAt(changetype<usize>(buf), <usize>buf.byteLength);
}

/** decodePairs over `total` bytes at `base` (unmanaged memory, e.g. a block the host returned). */
export function decodePairsAt(base: usize, total: usize): HeaderPair[] | null {
  const out = new Array<HeaderPair>();
  if (total == 0) return out;
  if (total < 4) return null;
  const n = <usize>load<u32>(base);
  // Each pair needs at least 8 length bytes and 2 NULs.
  if (n > (total - 4) / 10) return null;
  let lens = base + 4;
  let data = base + 4 + n * 8;
  const end = base + total;
  for (let i: usize = 0; i < n; i++) {
    const kLen = <usize>load<u32>(lens);
    const vLen = <usize>load<u32>(lens, 4);
    lens += 8;
    if (kLen > end - data || end - data - kLen < 1) return null;
    const key = String.UTF8.decodeUnsafe(data, kLen);
    data += kLen;
    if (load<u8>(data) != 0) return null;
    data += 1;
    if (vLen > end - data || end - data - vLen < 1) return null;
    const value = String.UTF8.decodeUnsafe(data, vLen);
    data += vLen;
    if (load<u8>(data) != 0) return null;
    data += 1;
    out.push(new HeaderPair(key, value));
  }
  if (data != end) return null;
  return out;
}
