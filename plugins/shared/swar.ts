// Word-at-a-time byte and UTF-16 searches (SWAR) for the hot loops of the SSE parser and the JSON
// scanners: 8 bytes or 4 UTF-16 units per step instead of one. Plain i64 arithmetic, no SIMD
// feature needed. "has zero lane" is exact about whether some lane is zero (it may mis-flag lanes
// above the first zero, so callers only use it to decide where to look one by one).

const ONES8: u64 = 0x0101010101010101;
const HIGH8: u64 = 0x8080808080808080;
const ONES16: u64 = 0x0001000100010001;
const HIGH16: u64 = 0x8000800080008000;

@inline function zeroByte(v: u64): bool {
  return ((v - ONES8) & ~v & HIGH8) != 0;
}

@inline function zeroUnit(v: u64): bool {
  return ((v - ONES16) & ~v & HIGH16) != 0;
}

/** First index in [i, end) of a byte equal to a or b, or `end`. */
// @ts-ignore: decorator
@inline export function findByte2(p: usize, i: i32, end: i32, a: u8, b: u8): i32 {
  const ma = ONES8 * <u64>a;
  const mb = ONES8 * <u64>b;
  while (i + 8 <= end) {
    const x = load<u64>(p + <usize>i);
    if (zeroByte(x ^ ma) || zeroByte(x ^ mb)) break;
    i += 8;
  }
  while (i < end) {
    const c = load<u8>(p + <usize>i);
    if (c == a || c == b) return i;
    i++;
  }
  return end;
}

/** First index in [i, end) of a UTF-16 unit equal to a or b (units at p), or `end`. */
// @ts-ignore: decorator
@inline export function findUnit2(p: usize, i: i32, end: i32, a: u16, b: u16): i32 {
  const ma = ONES16 * <u64>a;
  const mb = ONES16 * <u64>b;
  while (i + 4 <= end) {
    const x = load<u64>(p + (<usize>i << 1));
    if (zeroUnit(x ^ ma) || zeroUnit(x ^ mb)) break;
    i += 4;
  }
  while (i < end) {
    const c = load<u16>(p + (<usize>i << 1));
    if (c == a || c == b) return i;
    i++;
  }
  return end;
}

/** All `n` bytes at p are ASCII. */
export function isAscii(p: usize, n: i32): bool {
  let i = 0;
  while (i + 8 <= n) {
    if ((load<u64>(p + <usize>i) & HIGH8) != 0) return false;
    i += 8;
  }
  while (i < n) {
    if (load<u8>(p + <usize>i) >= 0x80) return false;
    i++;
  }
  return true;
}

/** UTF-8 bytes to a string, with a fast path for ASCII (the common case for JSON events). */
export function decodeUtf8(p: usize, n: i32): string {
  if (n <= 0) return "";
  if (!isAscii(p, n)) return String.UTF8.decodeUnsafe(p, <usize>n);
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  const d = changetype<usize>(s);
  let i = 0;
  // Widen 4 bytes to 4 UTF-16 units per step.
  while (i + 4 <= n) {
    const w = <u64>load<u32>(p + <usize>i);
    const wide = (w & 0xff) | ((w & 0xff00) << 8) | ((w & 0xff0000) << 16) | ((w & 0xff000000) << 24);
    store<u64>(d + (<usize>i << 1), wide);
    i += 4;
  }
  while (i < n) {
    store<u16>(d + (<usize>i << 1), <u16>load<u8>(p + <usize>i));
    i++;
  }
  return s;
}
