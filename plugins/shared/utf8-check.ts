// Well-formed UTF-8 check over bytes (RFC 3629 section 4), before anything decodes them:
// String.UTF8.decode accepts ill-formed input (a lead byte swallows whatever follows, e.g.
// CE 01 becomes one bogus character), so a raw control byte could hide from a later JSON check.
//   00..7F | C2..DF 80..BF | E0 A0..BF 80..BF | E1..EC,EE..EF 80..BF 80..BF | ED 80..9F 80..BF
//   F0 90..BF 80..BF 80..BF | F1..F3 80..BF 80..BF 80..BF | F4 80..8F 80..BF 80..BF
// No overlongs (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above U+10FFFF.
// ASCII runs are skipped 8 bytes per step. Pure: no host calls.

const HIGH8: u64 = 0x8080808080808080;

@inline function cont(p: usize, i: i32): bool {
  return (<u32>load<u8>(p + <usize>i) & 0xc0) == 0x80;
}

/** Offset of the first byte of the first ill-formed sequence in [p, p+len), or -1 when the bytes
 *  are well-formed UTF-8. */
export function utf8ErrorAt(p: usize, len: i32): i32 {
  let i = 0;
  while (i < len) {
    while (i + 8 <= len && (load<u64>(p + <usize>i) & HIGH8) == 0) i += 8;
    if (i >= len) break;
    const c = <u32>load<u8>(p + <usize>i);
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= len || !cont(p, i + 1)) return i;
      i += 2;
      continue;
    }
    if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= len || !cont(p, i + 1) || !cont(p, i + 2)) return i;
      const c1 = <u32>load<u8>(p + <usize>(i + 1));
      if (c == 0xe0 && c1 < 0xa0) return i; // overlong
      if (c == 0xed && c1 > 0x9f) return i; // surrogate
      i += 3;
      continue;
    }
    if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= len || !cont(p, i + 1) || !cont(p, i + 2) || !cont(p, i + 3)) return i;
      const c1 = <u32>load<u8>(p + <usize>(i + 1));
      if (c == 0xf0 && c1 < 0x90) return i; // overlong
      if (c == 0xf4 && c1 > 0x8f) return i; // above U+10FFFF
      i += 4;
      continue;
    }
    return i; // 80..C1 (stray continuation, overlong lead) or F5..FF
  }
  return -1;
}

/** utf8ErrorAt over a whole buffer. */
export function utf8ErrorIn(buf: ArrayBuffer): i32 {
  return utf8ErrorAt(changetype<usize>(buf), buf.byteLength);
}
