// Adaptive circuit breaker per upstream cluster (and provider), as bytes in shared data so every
// worker VM sees one state. Pure: the caller passes the time and does the CAS loop.
//
//   closed --(>= min_requests in the rolling window and error rate or slow-call rate over its
//             threshold)--> open --(open_ms elapsed)--> half-open
//   half-open --(half_open_probes successes)--> closed;  any probe failure --> open again.
// Only requests admitted as probes count in half-open; outcomes of requests admitted before the
// breaker opened are dropped. A half-open state whose probes never report back (their worker
// died) frees its probe slots after open_ms, so it cannot stay stuck.
//
// Layout (little-endian): u8 state, u8 K, u16 probes in flight, u16 probe successes, u16 0,
// i64 state since (ms), i64 newest bucket index, then K buckets of u32 total, u32 errors, u32 slow.

export const CLOSED: u8 = 0;
export const OPEN: u8 = 1;
export const HALF_OPEN: u8 = 2;

const HEADER: i32 = 24;
const BUCKET: i32 = 12;

export class BreakerSpec {
  windowMs: i64 = 10_000;
  buckets: i32 = 10;
  minRequests: i64 = 20;
  errorRate: f64 = 0.5; // > 1 disables
  slowRate: f64 = 1.1; // > 1 disables
  slowCallMs: i64 = 0; // 0 disables slow-call counting
  openMs: i64 = 30_000;
  probes: i32 = 3;

  bucketMs(): i64 {
    return this.windowMs / <i64>this.buckets;
  }
  byteLength(): i32 {
    return HEADER + BUCKET * this.buckets;
  }
}

/** Result of admit(); reused by the caller. */
export class BreakerDecision {
  allowed: bool = true;
  probe: bool = false;
  state: u8 = CLOSED;
  /** when rejected: ms until a probe may be admitted */
  retryAfterMs: i64 = 0;
  /** the state changed (the caller writes the buffer and updates the gauge) */
  changed: bool = false;
}

@inline function u16At(b: ArrayBuffer, off: i32): i32 {
  return <i32>load<u16>(changetype<usize>(b) + <usize>off);
}
@inline function setU16(b: ArrayBuffer, off: i32, v: i32): void {
  store<u16>(changetype<usize>(b) + <usize>off, <u16>v);
}
@inline function i64At(b: ArrayBuffer, off: i32): i64 {
  return load<i64>(changetype<usize>(b) + <usize>off);
}
@inline function setI64(b: ArrayBuffer, off: i32, v: i64): void {
  store<i64>(changetype<usize>(b) + <usize>off, v);
}
@inline function u32At(b: ArrayBuffer, off: i32): u32 {
  return load<u32>(changetype<usize>(b) + <usize>off);
}
@inline function setU32(b: ArrayBuffer, off: i32, v: u32): void {
  store<u32>(changetype<usize>(b) + <usize>off, v);
}

export function stateOf(b: ArrayBuffer): u8 {
  return b.byteLength >= HEADER ? load<u8>(changetype<usize>(b)) : CLOSED;
}

function clearBuckets(b: ArrayBuffer, k: i32): void {
  for (let i = 0; i < k * BUCKET; i++) store<u8>(changetype<usize>(b) + <usize>(HEADER + i), 0);
}

function enter(b: ArrayBuffer, spec: BreakerSpec, state: u8, nowMs: i64): void {
  store<u8>(changetype<usize>(b), state);
  setU16(b, 2, 0);
  setU16(b, 4, 0);
  setI64(b, 8, nowMs);
  clearBuckets(b, spec.buckets);
}

/** A copy of `current` in this spec's shape, buckets moved to nowMs (a fresh closed state if none). */
export function normalizeBreaker(current: ArrayBuffer | null, spec: BreakerSpec, nowMs: i64): ArrayBuffer {
  const k = spec.buckets;
  const index = nowMs / spec.bucketMs();
  if (current === null || current.byteLength != spec.byteLength() || <i32>load<u8>(changetype<usize>(current) + 1) != k) {
    const b = new ArrayBuffer(spec.byteLength());
    store<u8>(changetype<usize>(b) + 1, <u8>k);
    setI64(b, 8, nowMs);
    setI64(b, 16, index);
    return b;
  }
  const b = current.slice(0);
  const newest = i64At(b, 16);
  if (index > newest) {
    if (index - newest >= <i64>k) clearBuckets(b, k);
    else {
      for (let i = newest + 1; i <= index; i++) {
        const off = HEADER + BUCKET * <i32>(i % <i64>k);
        setU32(b, off, 0);
        setU32(b, off + 4, 0);
        setU32(b, off + 8, 0);
      }
    }
    setI64(b, 16, index);
  }
  return b;
}

/**
 * Decides whether a request may go to the upstream. Returns the new state to write, or null when
 * nothing changed (the common closed case writes nothing).
 */
export function admit(current: ArrayBuffer | null, spec: BreakerSpec, nowMs: i64, out: BreakerDecision): ArrayBuffer | null {
  out.allowed = true;
  out.probe = false;
  out.changed = false;
  out.retryAfterMs = 0;
  const st = current === null ? CLOSED : stateOf(current);
  out.state = st;
  if (st == CLOSED) return null;
  const b = normalizeBreaker(current, spec, nowMs);
  const since = i64At(b, 8);
  if (st == OPEN) {
    if (nowMs < since + spec.openMs) {
      out.allowed = false;
      out.retryAfterMs = since + spec.openMs - nowMs;
      return null;
    }
    enter(b, spec, HALF_OPEN, nowMs);
    out.state = HALF_OPEN;
    out.changed = true;
  } else if (nowMs >= since + spec.openMs && u16At(b, 2) > 0) {
    // Half-open for a whole open period with probes outstanding: their workers are gone.
    setU16(b, 2, 0);
    setI64(b, 8, nowMs);
  }
  const inFlight = u16At(b, 2);
  if (inFlight + u16At(b, 4) >= spec.probes) {
    out.allowed = false;
    out.retryAfterMs = 1000;
    return out.changed ? b : null;
  }
  setU16(b, 2, inFlight + 1);
  out.probe = true;
  return b;
}

/** What one finished request tells the breaker. */
export class Outcome {
  failed: bool = false;
  slow: bool = false;
  probe: bool = false;
  /** the request ended without an answer from upstream that says anything (client abort) */
  cancelled: bool = false;
}

/** Records an outcome; returns the new state to write (null: nothing to write). */
export function record(current: ArrayBuffer | null, spec: BreakerSpec, nowMs: i64, o: Outcome, out: BreakerDecision): ArrayBuffer | null {
  out.changed = false;
  const b = normalizeBreaker(current, spec, nowMs);
  const st = stateOf(b);
  out.state = st;
  if (st == OPEN) return null; // admitted before the breaker opened
  if (st == HALF_OPEN) {
    if (!o.probe) return null;
    const inFlight = u16At(b, 2);
    setU16(b, 2, inFlight > 0 ? inFlight - 1 : 0);
    if (o.cancelled) return b;
    if (o.failed || o.slow) {
      enter(b, spec, OPEN, nowMs);
      out.state = OPEN;
      out.changed = true;
      return b;
    }
    const ok = u16At(b, 4) + 1;
    setU16(b, 4, ok);
    if (ok >= spec.probes) {
      enter(b, spec, CLOSED, nowMs);
      out.state = CLOSED;
      out.changed = true;
    }
    return b;
  }
  if (o.cancelled) return null;
  const off = HEADER + BUCKET * <i32>(i64At(b, 16) % <i64>spec.buckets);
  setU32(b, off, u32At(b, off) + 1);
  if (o.failed) setU32(b, off + 4, u32At(b, off + 4) + 1);
  if (o.slow) setU32(b, off + 8, u32At(b, off + 8) + 1);
  let total: f64 = 0;
  let errors: f64 = 0;
  let slow: f64 = 0;
  for (let i = 0; i < spec.buckets; i++) {
    const o2 = HEADER + BUCKET * i;
    total += <f64>u32At(b, o2);
    errors += <f64>u32At(b, o2 + 4);
    slow += <f64>u32At(b, o2 + 8);
  }
  if (total >= <f64>spec.minRequests && (errors / total >= spec.errorRate || slow / total >= spec.slowRate)) {
    enter(b, spec, OPEN, nowMs);
    out.state = OPEN;
    out.changed = true;
  }
  return b;
}
