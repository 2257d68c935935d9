// A small PRNG (xorshift64*) for key rotation and weighted splits. Math.random would need an
// env.seed import; this one is seeded from the host clock in onConfigure.

let state: u64 = 0x9e3779b97f4a7c15;

export function seedRandom(seed: u64): void {
  state = seed == 0 ? 0x9e3779b97f4a7c15 : seed;
  for (let i = 0; i < 4; i++) nextRandom();
}

export function nextRandom(): u32 {
  let x = state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
}

/** Uniform integer in [0, n) (n > 0). */
export function randomBelow(n: u32): u32 {
  return <u32>((<u64>nextRandom() * <u64>n) >> 32);
}
