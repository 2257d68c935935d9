import { WindowSpec, WindowDecision, tryAdd, adjust, peek, isIdle } from "../windows";

/** Runs `n` single-unit requests at `nowMs` against `state`; returns how many were admitted. */
class Counter {
  spec: WindowSpec;
  state: ArrayBuffer | null = null;
  d: WindowDecision = new WindowDecision();
  constructor(spec: WindowSpec) {
    this.spec = spec;
  }
  hit(nowMs: i64, n: i32, cost: i64 = 1): i32 {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const next = tryAdd(this.state, this.spec, nowMs, cost, this.d);
      if (next !== null) {
        this.state = next;
        ok++;
      }
    }
    return ok;
  }
}

describe("fixed window", () => {
  it("admits the limit per aligned window and resets at the boundary", () => {
    const c = new Counter(new WindowSpec(1000, 5, false, 1));
    expect(c.hit(10_000, 7)).toBe(5);
    expect(c.d.allowed).toBe(false);
    expect(c.d.resetMs).toBe(1000);
    expect(c.hit(10_999, 1)).toBe(0);
    expect(c.d.resetMs).toBe(1);
    expect(c.hit(11_000, 7)).toBe(5);
  });
  it("lets 2x the limit through across a boundary (the known fixed-window edge)", () => {
    const c = new Counter(new WindowSpec(1000, 5, false, 1));
    expect(c.hit(10_999, 5)).toBe(5);
    expect(c.hit(11_000, 5)).toBe(5); // 10 requests within 2 ms
  });
});

describe("sliding window", () => {
  it("does not double the limit at a window edge", () => {
    const c = new Counter(new WindowSpec(1000, 5, true, 10));
    expect(c.hit(10_999, 5)).toBe(5);
    expect(c.hit(11_000, 5)).toBe(0);
    expect(c.d.allowed).toBe(false);
    // The bucket [10900, 11000) leaves the window at 11900.
    expect(c.d.resetMs).toBe(900);
    expect(c.hit(11_899, 1)).toBe(0);
    expect(c.hit(11_900, 5)).toBe(5);
  });
  it("frees capacity bucket by bucket", () => {
    const c = new Counter(new WindowSpec(1000, 10, true, 10));
    expect(c.hit(0, 4)).toBe(4); // bucket 0
    expect(c.hit(250, 6)).toBe(6); // bucket 2
    expect(c.hit(999, 1)).toBe(0);
    expect(c.d.resetMs).toBe(1); // bucket 0 leaves at 1000
    expect(c.hit(1000, 5)).toBe(4);
    expect(c.d.resetMs).toBe(200); // bucket 2 leaves at 1200
    expect(c.hit(1200, 10)).toBe(6);
  });
  it("reports remaining", () => {
    const c = new Counter(new WindowSpec(60_000, 3, true, 10));
    c.hit(0, 1);
    expect(c.d.remaining).toBe(2);
    c.hit(0, 2);
    expect(c.d.remaining).toBe(0);
  });
  it("keeps exact counts in every interval of (K-1)/K of the window", () => {
    // Any burst pattern: check every 900 ms interval holds <= limit.
    const spec = new WindowSpec(1000, 20, true, 10);
    const c = new Counter(spec);
    const times = new Array<i64>();
    let seed: u32 = 12345;
    for (let t: i64 = 0; t < 5000; t += 7) {
      seed = seed * 1103515245 + 12345;
      const n = <i32>((seed >> 16) % 4);
      for (let i = 0; i < n; i++) if (c.hit(t, 1) == 1) times.push(t);
    }
    for (let i = 0; i < times.length; i++) {
      let inWin = 0;
      for (let j = i; j < times.length && times[j] < times[i] + 900; j++) inWin++;
      expect(inWin <= 20).toBe(true);
    }
  });
  it("rejects a cost above the whole limit with a full-window retry", () => {
    const c = new Counter(new WindowSpec(1000, 100, true, 10));
    expect(c.hit(0, 1, 101)).toBe(0);
    expect(c.d.resetMs).toBe(1000);
  });
  it("tolerates a clock a little behind the newest bucket", () => {
    const c = new Counter(new WindowSpec(1000, 3, true, 10));
    expect(c.hit(5_000, 2)).toBe(2);
    expect(c.hit(4_950, 2)).toBe(1); // counted into the newest bucket
  });
  it("restarts after a long idle gap", () => {
    const c = new Counter(new WindowSpec(1000, 3, true, 10));
    expect(c.hit(0, 3)).toBe(3);
    expect(c.hit(1_000_000, 3)).toBe(3);
  });
});

describe("adjust (token reconciliation)", () => {
  it("releases an over-reservation in the original bucket", () => {
    const spec = new WindowSpec(60_000, 1000, true, 10);
    const c = new Counter(spec);
    expect(c.hit(0, 1, 800)).toBe(1);
    const bucket = c.d.bucket;
    expect(c.hit(1000, 1, 300)).toBe(0);
    c.state = adjust(c.state, spec, 2000, bucket, -600);
    expect(c.hit(2000, 1, 300)).toBe(1);
    expect(c.d.remaining).toBe(500);
  });
  it("charges an under-reservation, into the current bucket once the original left", () => {
    const spec = new WindowSpec(1000, 100, true, 10);
    const c = new Counter(spec);
    c.hit(0, 1, 10);
    const bucket = c.d.bucket;
    c.state = adjust(c.state, spec, 50, bucket, 50);
    const d = new WindowDecision();
    peek(c.state, spec, 50, d);
    expect(d.remaining).toBe(40);
    // original bucket gone: a release is dropped, a charge lands now
    expect(adjust(c.state, spec, 5000, bucket, -5)).toBeNull();
    c.state = adjust(c.state, spec, 5000, bucket, 30);
    peek(c.state, spec, 5000, d);
    expect(d.remaining).toBe(70);
  });
  it("never goes below zero", () => {
    const spec = new WindowSpec(1000, 100, false, 1);
    const c = new Counter(spec);
    c.hit(0, 1, 10);
    c.state = adjust(c.state, spec, 0, c.d.bucket, -50);
    const d = new WindowDecision();
    peek(c.state, spec, 0, d);
    expect(d.remaining).toBe(100);
  });
});

describe("isIdle", () => {
  it("is true once all buckets left the window", () => {
    const spec = new WindowSpec(1000, 10, true, 10);
    const c = new Counter(spec);
    c.hit(0, 1);
    expect(isIdle(c.state!, spec, 500)).toBe(false);
    expect(isIdle(c.state!, spec, 1000)).toBe(true);
    expect(isIdle(new ArrayBuffer(0), spec, 0)).toBe(true);
  });
  it("a window shape change starts from zero", () => {
    const a = new WindowSpec(1000, 10, true, 10);
    const b = new WindowSpec(1000, 10, false, 1);
    const c = new Counter(a);
    c.hit(0, 10);
    const d = new WindowDecision();
    peek(c.state, b, 0, d);
    expect(d.remaining).toBe(10);
  });
});
