// Window counters, encoded as the byte values kept in Envoy shared data (one key per
// rule/key value/window), updated in place. Pure: the caller passes the time, so tests drive a
// controllable clock and the CAS loop (counter.ts) stays separate.
//
// Sliding window (default): the window of W ms is split into K sub-buckets of W/K ms; the count
// is the sum of the newest K buckets (the current one included). Any interval of length
// W*(K-1)/K lies inside K consecutive buckets, so it never holds more than the limit; an interval
// of a full W can exceed it only by what the oldest, partly-covered bucket held (README, "Error
// bounds").
// Fixed window (Higress-compatible): one count per aligned window [n*W, (n+1)*W).
//
// Layout (little-endian): u8 kind (1 sliding, 2 fixed), u8 K, u16 0, u32 0, i64 newest bucket (or
// window) index, then K i64 counts (sliding: bucket i at slot i % K) or one i64 count (fixed).
// An empty value is the zero state (cleanup writes one).

export const KIND_SLIDING: u8 = 1;
export const KIND_FIXED: u8 = 2;
const HEADER: i32 = 16;

export class WindowSpec {
  windowMs: i64;
  limit: i64;
  sliding: bool;
  buckets: i32; // K for sliding, 1 for fixed
  bucketMs: i64;

  constructor(windowMs: i64, limit: i64, sliding: bool, buckets: i32) {
    this.windowMs = windowMs;
    this.limit = limit;
    this.sliding = sliding;
    this.buckets = sliding ? buckets : 1;
    this.bucketMs = sliding ? windowMs / <i64>buckets : windowMs;
  }

  byteLength(): i32 {
    return HEADER + 8 * this.buckets;
  }
}

/** Outcome of one check; reused by the caller to avoid allocating per request. */
export class WindowDecision {
  allowed: bool = false;
  /** limit - counted after this request (not below 0) */
  remaining: i64 = 0;
  /** rejected: ms until this cost would fit; allowed: ms until the current bucket ends */
  resetMs: i64 = 0;
  /** bucket (sliding) or window (fixed) index the cost went into; used to reconcile it later */
  bucket: i64 = 0;
}

@inline function countAt(buf: ArrayBuffer, slot: i32): i64 {
  return load<i64>(changetype<usize>(buf) + <usize>(HEADER + 8 * slot));
}

@inline function setCountAt(buf: ArrayBuffer, slot: i32, v: i64): void {
  store<i64>(changetype<usize>(buf) + <usize>(HEADER + 8 * slot), v);
}

@inline function newestIndex(buf: ArrayBuffer): i64 {
  return load<i64>(changetype<usize>(buf) + 8);
}

function slotOf(index: i64, k: i32): i32 {
  const m = index % <i64>k;
  return <i32>(m < 0 ? m + <i64>k : m);
}

/**
 * Returns a buffer in this spec's layout holding `current`'s counts moved forward to the bucket
 * of `nowMs`: `current` itself when it already fits (it is changed in place), else a new one.
 */
export function normalize(current: ArrayBuffer | null, spec: WindowSpec, nowMs: i64): ArrayBuffer {
  const k = spec.buckets;
  const index = nowMs / spec.bucketMs;
  let buf: ArrayBuffer;
  const kind = spec.sliding ? KIND_SLIDING : KIND_FIXED;
  if (
    current === null ||
    current.byteLength != spec.byteLength() ||
    load<u8>(changetype<usize>(current)) != kind ||
    <i32>load<u8>(changetype<usize>(current) + 1) != k
  ) {
    // New key, cleaned-up key, or a config change of the window shape: start from zero.
    buf = new ArrayBuffer(spec.byteLength());
    store<u8>(changetype<usize>(buf), kind);
    store<u8>(changetype<usize>(buf) + 1, <u8>k);
    store<i64>(changetype<usize>(buf) + 8, index);
    return buf;
  }
  buf = current;
  const newest = newestIndex(buf);
  if (index <= newest) return buf; // same bucket, or a worker whose clock reads a little behind
  // Clear the buckets that the window moved past (at most K of them).
  const gap = index - newest;
  if (gap >= <i64>k) {
    for (let i = 0; i < k; i++) setCountAt(buf, i, 0);
  } else {
    for (let i: i64 = newest + 1; i <= index; i++) setCountAt(buf, slotOf(i, k), 0);
  }
  store<i64>(changetype<usize>(buf) + 8, index);
  return buf;
}

/** Sum of the counted buckets of a normalized buffer. */
export function total(buf: ArrayBuffer, spec: WindowSpec): i64 {
  let sum: i64 = 0;
  for (let i = 0; i < spec.buckets; i++) sum += countAt(buf, i);
  return sum;
}

/**
 * ms from nowMs until the counted total falls to `target` or below, as old buckets leave the
 * window; 0 if it already is. A never-fitting target reports one full window.
 */
export function msUntilAtMost(buf: ArrayBuffer, spec: WindowSpec, nowMs: i64, target: i64): i64 {
  let sum = total(buf, spec);
  if (sum <= target) return 0;
  const newest = newestIndex(buf);
  const k = spec.buckets;
  // Bucket newest-K+1+j leaves the window at (newest+1+j) * bucketMs.
  for (let j = 0; j < k; j++) {
    sum -= countAt(buf, slotOf(newest - <i64>k + 1 + <i64>j, k));
    if (sum <= target) {
      const at = (newest + 1 + <i64>j) * spec.bucketMs;
      return at > nowMs ? at - nowMs : 0;
    }
  }
  return spec.windowMs;
}

/**
 * Adds `cost` if the window then stays within the limit. Returns the buffer to write back, or
 * null when rejected (nothing to write). `out` says why and when to retry.
 */
export function tryAdd(current: ArrayBuffer | null, spec: WindowSpec, nowMs: i64, cost: i64, out: WindowDecision): ArrayBuffer | null {
  const buf = normalize(current, spec, nowMs);
  const sum = total(buf, spec);
  const newest = newestIndex(buf);
  out.bucket = newest;
  if (sum + cost > spec.limit) {
    out.allowed = false;
    out.remaining = spec.limit > sum ? spec.limit - sum : 0;
    out.resetMs = cost > spec.limit ? spec.windowMs : msUntilAtMost(buf, spec, nowMs, spec.limit - cost);
    return null;
  }
  const slot = slotOf(newest, spec.buckets);
  setCountAt(buf, slot, countAt(buf, slot) + cost);
  out.allowed = true;
  out.remaining = spec.limit - sum - cost;
  // Until the current bucket ends (cheap; the exact time capacity grows is computed only for
  // rejections, where Retry-After needs it).
  out.resetMs = (newest + 1) * spec.bucketMs - nowMs;
  return buf;
}

/**
 * Applies a correction (actual - reserved tokens) to the bucket a reservation went into. A
 * release (delta < 0) into a bucket that already left the window is dropped; a charge
 * (delta > 0) then goes into the current bucket, so late usage still counts.
 */
export function adjust(current: ArrayBuffer | null, spec: WindowSpec, nowMs: i64, bucket: i64, delta: i64): ArrayBuffer | null {
  if (delta == 0) return null;
  const buf = normalize(current, spec, nowMs);
  const newest = newestIndex(buf);
  let target = bucket;
  if (bucket > newest || bucket <= newest - <i64>spec.buckets) {
    if (delta < 0) return null;
    target = newest;
  }
  const slot = slotOf(target, spec.buckets);
  let v = countAt(buf, slot) + delta;
  if (v < 0) v = 0;
  setCountAt(buf, slot, v);
  return buf;
}

/** Counted total and reset time without changing anything (for quota headers). */
export function peek(current: ArrayBuffer | null, spec: WindowSpec, nowMs: i64, out: WindowDecision): void {
  const copy: ArrayBuffer | null = current === null ? null : current.slice(0);
  const buf = normalize(copy, spec, nowMs);
  const sum = total(buf, spec);
  out.allowed = sum < spec.limit;
  out.remaining = spec.limit > sum ? spec.limit - sum : 0;
  out.resetMs = msUntilAtMost(buf, spec, nowMs, sum - 1);
  out.bucket = newestIndex(buf);
}

/** True when every counted bucket has left the window: the key can be emptied. */
export function isIdle(current: ArrayBuffer, spec: WindowSpec, nowMs: i64): bool {
  if (current.byteLength < HEADER) return true;
  const newest = newestIndex(current);
  const index = nowMs / spec.bucketMs;
  if (index - newest >= <i64>spec.buckets) return true;
  if (current.byteLength != spec.byteLength()) return false;
  return total(current, spec) == 0;
}
