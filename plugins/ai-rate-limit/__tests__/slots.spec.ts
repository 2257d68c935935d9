import { acquire, cancel, release, SlotDecision, ACQUIRED, QUEUED, QUEUE_FULL, WAIT, GONE, inFlightCount, waitingCount, STALE_GRACE_MS } from "../slots";

class Rec {
  state: ArrayBuffer | null = null;
  d: SlotDecision = new SlotDecision();
  wake: Array<u32> = new Array<u32>();
  max: i32;
  queue: i32;
  constructor(max: i32, queue: i32) {
    this.max = max;
    this.queue = queue;
  }
  take(now: i64, ticket: u64 = 0, token: u32 = 7, deadline: i64 = 10_000): i32 {
    const next = acquire(this.state, this.max, this.queue, now, ticket, token, deadline, this.d);
    if (next !== null) this.state = next;
    return this.d.result;
  }
  free(now: i64): void {
    const next = release(this.state, this.max, now, this.wake);
    if (next !== null) this.state = next;
  }
  drop(ticket: u64, now: i64): void {
    const next = cancel(this.state, ticket, now);
    if (next !== null) this.state = next;
  }
}

describe("concurrency slots", () => {
  it("admits up to max, then queues, then reports a full queue", () => {
    const r = new Rec(2, 2);
    expect(r.take(0)).toBe(ACQUIRED);
    expect(r.take(0)).toBe(ACQUIRED);
    expect(r.take(0)).toBe(QUEUED);
    const t1 = r.d.ticket;
    expect(r.take(0)).toBe(QUEUED);
    const t2 = r.d.ticket;
    expect(t2 > t1).toBe(true);
    expect(r.take(0)).toBe(QUEUE_FULL);
    expect(inFlightCount(r.state)).toBe(2);
    expect(waitingCount(r.state)).toBe(2);
  });
  it("serves waiters first in, first out", () => {
    const r = new Rec(1, 5);
    r.take(0);
    r.take(0, 0, 11);
    const a = r.d.ticket;
    r.take(0, 0, 22);
    const b = r.d.ticket;
    // A new request may not jump the queue while people wait.
    r.free(1);
    expect(r.wake.length).toBe(1);
    expect(r.wake[0]).toBe(11);
    expect(r.take(1)).toBe(QUEUED);
    const c = r.d.ticket;
    expect(r.take(1, b)).toBe(WAIT); // second in line
    expect(r.take(1, a)).toBe(ACQUIRED);
    expect(r.take(1, b)).toBe(WAIT); // no free slot now
    r.free(2);
    expect(r.wake[0]).toBe(22);
    expect(r.take(2, c)).toBe(WAIT);
    expect(r.take(2, b)).toBe(ACQUIRED);
  });
  it("lets as many waiters go as slots are free", () => {
    const r = new Rec(2, 5);
    r.take(0);
    r.take(0);
    r.take(0, 0, 1);
    const a = r.d.ticket;
    r.take(0, 0, 2);
    const b = r.d.ticket;
    r.free(1);
    r.free(1);
    expect(r.wake.length).toBe(2);
    expect(r.take(1, b)).toBe(ACQUIRED); // position 1 < 2 free
    expect(r.take(1, a)).toBe(ACQUIRED);
    expect(inFlightCount(r.state)).toBe(2);
  });
  it("removes a cancelled waiter so the next one moves up", () => {
    const r = new Rec(1, 5);
    r.take(0);
    r.take(0);
    const a = r.d.ticket;
    r.take(0);
    const b = r.d.ticket;
    r.drop(a, 1);
    expect(waitingCount(r.state)).toBe(1);
    r.free(2);
    expect(r.take(2, b)).toBe(ACQUIRED);
    expect(r.take(2, a)).toBe(GONE);
  });
  it("drops waiters whose worker never came back", () => {
    const r = new Rec(1, 1);
    r.take(0);
    r.take(0, 0, 5, 100);
    expect(r.take(50)).toBe(QUEUE_FULL);
    expect(r.take(100 + STALE_GRACE_MS + 1)).toBe(QUEUED);
  });
  it("never goes below zero in flight", () => {
    const r = new Rec(1, 0);
    r.take(0);
    r.free(1);
    r.free(1);
    expect(inFlightCount(r.state)).toBe(0);
    expect(r.take(2)).toBe(ACQUIRED);
    expect(r.take(2)).toBe(QUEUE_FULL); // queue length 0
  });
});
