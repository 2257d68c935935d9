// Concurrency slots with a bounded FIFO wait queue, as one shared-data value per limited key so
// the workers of one Envoy share it. Pure: callers pass the time and run the CAS loop.
//
// A request takes a slot when one is free and nobody waits; otherwise it queues with a ticket
// (tickets grow, so the list is FIFO). The waiter at position p may take a slot when p is below
// the number of free slots, so the oldest waiters go first. Each entry carries
// the shared-queue token of the worker VM that holds the waiting stream: a release returns the
// tokens to notify, and that VM resumes the stream (continue_stream) from on_queue_ready.
// Entries past their deadline plus a grace period are dropped by whoever touches the record, so a
// waiter whose worker died cannot block the queue.
//
// Layout (little-endian): u32 in-flight, u16 waiting, u16 0, u64 next ticket, then per waiter
// u64 ticket, u32 queue token, u32 0, i64 deadline (ms).

const HEADER: i32 = 16;
const ENTRY: i32 = 24;
/** How long after its deadline an entry may linger before anyone may drop it. */
export const STALE_GRACE_MS: i64 = 5000;

export const ACQUIRED: i32 = 0;
export const QUEUED: i32 = 1;
export const QUEUE_FULL: i32 = 2;
export const WAIT: i32 = 3;
export const GONE: i32 = 4;

export class SlotDecision {
  result: i32 = ACQUIRED;
  ticket: u64 = 0;
  inFlight: i32 = 0;
  waiting: i32 = 0;
}

@inline function inFlightOf(b: ArrayBuffer): i32 {
  return b.byteLength >= HEADER ? <i32>load<u32>(changetype<usize>(b)) : 0;
}
@inline function waitingOf(b: ArrayBuffer): i32 {
  return b.byteLength >= HEADER ? <i32>load<u16>(changetype<usize>(b) + 4) : 0;
}
@inline function entryTicket(b: ArrayBuffer, i: i32): u64 {
  return load<u64>(changetype<usize>(b) + <usize>(HEADER + ENTRY * i));
}
@inline function entryToken(b: ArrayBuffer, i: i32): u32 {
  return load<u32>(changetype<usize>(b) + <usize>(HEADER + ENTRY * i + 8));
}
@inline function entryDeadline(b: ArrayBuffer, i: i32): i64 {
  return load<i64>(changetype<usize>(b) + <usize>(HEADER + ENTRY * i + 16));
}

/** Builds a record from parts: the entries of `src` marked in `keep` (all when null), plus one
 *  new entry when extraTicket != 0. */
function rebuild(src: ArrayBuffer | null, inFlight: i32, nextTicket: u64, keep: StaticArray<bool> | null, extraTicket: u64, extraToken: u32, extraDeadline: i64): ArrayBuffer {
  const n = src === null ? 0 : waitingOf(src);
  let kept = 0;
  for (let i = 0; i < n; i++) if (keep === null || unchecked(keep[i])) kept++;
  const total = kept + (extraTicket != 0 ? 1 : 0);
  const b = new ArrayBuffer(HEADER + ENTRY * total);
  const p = changetype<usize>(b);
  store<u32>(p, <u32>inFlight);
  store<u16>(p + 4, <u16>total);
  store<u64>(p + 8, nextTicket);
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (keep !== null && !unchecked(keep[i])) continue;
    memory.copy(p + <usize>(HEADER + ENTRY * w), changetype<usize>(src) + <usize>(HEADER + ENTRY * i), ENTRY);
    w++;
  }
  if (extraTicket != 0) {
    const e = p + <usize>(HEADER + ENTRY * w);
    store<u64>(e, extraTicket);
    store<u32>(e + 8, extraToken);
    store<i64>(e + 16, extraDeadline);
  }
  return b;
}

function nextTicketOf(b: ArrayBuffer | null): u64 {
  if (b === null || b.byteLength < HEADER) return 1;
  const t = load<u64>(changetype<usize>(b) + 8);
  return t == 0 ? 1 : t;
}

/** Which entries survive: not stale and not `drop`. Null when all survive. */
function survivors(b: ArrayBuffer, nowMs: i64, drop: u64): StaticArray<bool> | null {
  const n = waitingOf(b);
  let all = true;
  const keep = new StaticArray<bool>(n);
  for (let i = 0; i < n; i++) {
    const ok = entryTicket(b, i) != drop && entryDeadline(b, i) + STALE_GRACE_MS >= nowMs;
    unchecked((keep[i] = ok));
    if (!ok) all = false;
  }
  return all ? null : keep;
}

/**
 * A new request (ticket 0) or a queued one (its ticket) asks for a slot. Returns the record to
 * write, or null when nothing changes (WAIT, QUEUE_FULL with nothing stale to drop).
 */
export function acquire(
  current: ArrayBuffer | null, maxInFlight: i32, maxQueue: i32, nowMs: i64,
  ticket: u64, queueToken: u32, deadlineMs: i64, out: SlotDecision,
): ArrayBuffer | null {
  const cur = current !== null && current.byteLength >= HEADER ? current : null;
  let inFlight = cur === null ? 0 : inFlightOf(cur);
  let next = nextTicketOf(cur);
  let keep: StaticArray<bool> | null = null;
  if (cur !== null) keep = survivors(cur, nowMs, 0);
  // Work on a compacted copy when stale entries were found (that copy must then be written).
  const compacted = keep !== null;
  let b: ArrayBuffer | null = cur;
  if (compacted) b = rebuild(cur, inFlight, next, keep, 0, 0, 0);
  const unchanged: ArrayBuffer | null = compacted ? b : null;
  const n = b === null ? 0 : waitingOf(b);
  const free = maxInFlight - inFlight;
  out.ticket = ticket;
  if (ticket == 0) {
    if (n == 0 && free > 0) {
      out.result = ACQUIRED;
      out.inFlight = inFlight + 1;
      out.waiting = 0;
      return rebuild(b, inFlight + 1, next, null, 0, 0, 0);
    }
    if (n >= maxQueue) {
      out.result = QUEUE_FULL;
      out.inFlight = inFlight;
      out.waiting = n;
      return unchanged;
    }
    out.result = QUEUED;
    out.ticket = next;
    out.inFlight = inFlight;
    out.waiting = n + 1;
    return rebuild(b, inFlight, next + 1, null, next, queueToken, deadlineMs);
  }
  let pos = -1;
  for (let i = 0; i < n; i++) {
    if (entryTicket(b!, i) == ticket) {
      pos = i;
      break;
    }
  }
  out.inFlight = inFlight;
  out.waiting = n;
  if (pos < 0) {
    out.result = GONE;
    return unchanged;
  }
  if (pos < free) {
    const keep2 = new StaticArray<bool>(n);
    for (let i = 0; i < n; i++) unchecked((keep2[i] = i != pos));
    out.result = ACQUIRED;
    out.inFlight = inFlight + 1;
    out.waiting = n - 1;
    return rebuild(b, inFlight + 1, next, keep2, 0, 0, 0);
  }
  out.result = WAIT;
  return unchanged;
}

/** Removes a waiter (timed out, or its client went away). Null when it was not there. */
export function cancel(current: ArrayBuffer | null, ticket: u64, nowMs: i64): ArrayBuffer | null {
  if (current === null || current.byteLength < HEADER) return null;
  const keep = survivors(current, nowMs, ticket);
  if (keep === null) return null;
  return rebuild(current, inFlightOf(current), nextTicketOf(current), keep, 0, 0, 0);
}

/**
 * Frees one slot. `wake` receives the distinct queue tokens of the waiters that may now take a
 * slot (the oldest `free` ones), to be notified by the caller.
 */
export function release(current: ArrayBuffer | null, maxInFlight: i32, nowMs: i64, wake: Array<u32>): ArrayBuffer | null {
  wake.length = 0;
  if (current === null || current.byteLength < HEADER) return null;
  const keep = survivors(current, nowMs, 0);
  const inFlight = inFlightOf(current);
  const b = rebuild(current, inFlight > 0 ? inFlight - 1 : 0, nextTicketOf(current), keep, 0, 0, 0);
  const free = maxInFlight - inFlightOf(b);
  const n = waitingOf(b);
  for (let i = 0; i < n && i < free; i++) {
    const t = entryToken(b, i);
    if (!wake.includes(t)) wake.push(t);
  }
  return b;
}

export function inFlightCount(b: ArrayBuffer | null): i32 {
  return b === null ? 0 : inFlightOf(b);
}

export function waitingCount(b: ArrayBuffer | null): i32 {
  return b === null ? 0 : waitingOf(b);
}
