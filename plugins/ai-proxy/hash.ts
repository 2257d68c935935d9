// FNV-1a hashes: sticky A/B buckets and cache keys. Not cryptographic.

/** 32-bit FNV-1a over the string's UTF-16 code units. */
export function fnv1a32(s: string): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = <u32>s.charCodeAt(i);
    h = (h ^ (c & 0xff)) * 0x01000193;
    if (c > 0xff) h = (h ^ (c >>> 8)) * 0x01000193;
  }
  return h;
}

/** 64-bit FNV-1a over a string's code units, continuing from `h`. */
export function fnv1a64(s: string, h: u64 = 0xcbf29ce484222325): u64 {
  for (let i = 0; i < s.length; i++) {
    h = (h ^ <u64>s.charCodeAt(i)) * 0x100000001b3;
  }
  return h;
}
