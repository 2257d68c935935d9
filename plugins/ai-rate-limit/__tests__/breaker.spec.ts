import { BreakerSpec, BreakerDecision, Outcome, admit, record, stateOf, CLOSED, OPEN, HALF_OPEN } from "../breaker";

class Sim {
  spec: BreakerSpec = new BreakerSpec();
  state: ArrayBuffer | null = null;
  d: BreakerDecision = new BreakerDecision();
  o: Outcome = new Outcome();
  constructor() {
    this.spec.minRequests = 4;
    this.spec.errorRate = 0.5;
    this.spec.openMs = 5000;
    this.spec.probes = 2;
    this.spec.slowCallMs = 1000;
    this.spec.slowRate = 0.75;
  }
  admit(now: i64): bool {
    const next = admit(this.state, this.spec, now, this.d);
    if (next !== null) this.state = next;
    return this.d.allowed;
  }
  finish(now: i64, failed: bool, slow: bool = false, probe: bool = false, cancelled: bool = false): void {
    this.o.failed = failed;
    this.o.slow = slow;
    this.o.probe = probe;
    this.o.cancelled = cancelled;
    const next = record(this.state, this.spec, now, this.o, this.d);
    if (next !== null) this.state = next;
  }
  st(): u8 {
    return this.state === null ? CLOSED : stateOf(this.state!);
  }
}

describe("circuit breaker", () => {
  it("stays closed below the minimum request count", () => {
    const s = new Sim();
    for (let i = 0; i < 3; i++) s.finish(100, true);
    expect(s.st()).toBe(CLOSED);
    expect(s.admit(100)).toBe(true);
  });
  it("opens on the error rate and answers with retry-after", () => {
    const s = new Sim();
    s.finish(100, false);
    s.finish(100, false);
    s.finish(100, true);
    expect(s.st()).toBe(CLOSED);
    s.finish(200, true); // 2/4 = 0.5
    expect(s.st()).toBe(OPEN);
    expect(s.admit(1200)).toBe(false);
    expect(s.d.retryAfterMs).toBe(4000);
  });
  it("opens on the slow-call rate", () => {
    const s = new Sim();
    for (let i = 0; i < 3; i++) s.finish(100, false, true);
    s.finish(100, false, false);
    expect(s.st()).toBe(OPEN);
  });
  it("forgets outcomes older than the rolling window", () => {
    const s = new Sim();
    s.finish(0, true);
    s.finish(0, true);
    s.finish(0, true);
    s.finish(20_000, false); // the failures left the 10 s window
    expect(s.st()).toBe(CLOSED);
  });
  it("half-opens after open_ms, admits only the probes, closes after they succeed", () => {
    const s = new Sim();
    for (let i = 0; i < 4; i++) s.finish(0, true);
    expect(s.admit(4999)).toBe(false);
    expect(s.admit(5000)).toBe(true);
    expect(s.d.probe).toBe(true);
    expect(s.st()).toBe(HALF_OPEN);
    expect(s.admit(5001)).toBe(true);
    expect(s.admit(5002)).toBe(false); // only 2 probes
    s.finish(5100, false, false, true);
    expect(s.st()).toBe(HALF_OPEN);
    expect(s.admit(5101)).toBe(false); // 1 in flight + 1 succeeded = 2
    s.finish(5200, false, false, true);
    expect(s.st()).toBe(CLOSED);
    expect(s.admit(5201)).toBe(true);
  });
  it("re-opens when a probe fails", () => {
    const s = new Sim();
    for (let i = 0; i < 4; i++) s.finish(0, true);
    s.admit(5000);
    s.finish(5050, true, false, true);
    expect(s.st()).toBe(OPEN);
    expect(s.admit(5100)).toBe(false);
    expect(s.d.retryAfterMs).toBe(4950);
  });
  it("ignores outcomes of requests admitted before it opened", () => {
    const s = new Sim();
    for (let i = 0; i < 4; i++) s.finish(0, true);
    s.finish(10, false);
    expect(s.st()).toBe(OPEN);
    s.admit(5000);
    s.finish(5001, false, false, false); // not a probe
    expect(s.st()).toBe(HALF_OPEN);
  });
  it("frees a cancelled probe's slot", () => {
    const s = new Sim();
    for (let i = 0; i < 4; i++) s.finish(0, true);
    s.admit(5000);
    s.admit(5000);
    expect(s.admit(5000)).toBe(false);
    s.finish(5001, false, false, true, true);
    expect(s.admit(5002)).toBe(true);
  });
  it("does not stay half-open when probes never report back", () => {
    const s = new Sim();
    for (let i = 0; i < 4; i++) s.finish(0, true);
    s.admit(5000);
    s.admit(5000);
    expect(s.admit(6000)).toBe(false);
    expect(s.admit(10_000)).toBe(true);
  });
  it("writes nothing on the closed fast path", () => {
    const s = new Sim();
    expect(admit(null, s.spec, 0, s.d)).toBeNull();
    expect(s.d.allowed).toBe(true);
  });
});
