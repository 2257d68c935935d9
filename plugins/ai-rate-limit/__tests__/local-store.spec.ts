import { parseConfigText } from "../config";
import { RateLimitConfig } from "../config-types";
import { Hit, selectLimits, RequestView } from "../select";
import { Ledger, tokensToCharge } from "../ledger";
import { Rejection, KIND_TOKENS, KIND_REQUESTS } from "../reply";
import { LocalWindows, LocalSlots, ADMIT, REJECT } from "../local-store";
import { SlotDecision, ACQUIRED, QUEUED, QUEUE_FULL } from "../slots";
import { WindowDecision, peek } from "../windows";
import { MemStore } from "./kv-fake";

class Req extends RequestView {
  consumer: string = "alice";
  header(name: string): string | null {
    return name == "x-mse-consumer" ? this.consumer : null;
  }
  path(): string {
    return "/v1/chat/completions";
  }
  method(): string {
    return "POST";
  }
  remoteAddress(): string {
    return "";
  }
  model(): string {
    return "m";
  }
}

function cfg(text: string): RateLimitConfig {
  const r = parseConfigText(text);
  expect(r.error).toBeNull(text);
  return r.config!;
}

function hitsFor(c: RateLimitConfig, consumer: string = "alice"): Hit[] {
  const r = new Req();
  r.consumer = consumer;
  const hits = new Array<Hit>();
  selectLimits(c, r, hits);
  return hits;
}

function used(mem: MemStore, key: string, c: RateLimitConfig, nowMs: i64): i64 {
  const v = mem.get(key);
  const d = new WindowDecision();
  const spec = c.groups[0].rules[0].items[0].windows[0].spec;
  peek(v === null ? null : v.value, spec, nowMs, d);
  return spec.limit - d.remaining;
}

describe("LocalWindows", () => {
  it("admits exactly the request limit", () => {
    const c = cfg('{"rules":[{"limit_by_per_consumer":"","query_per_minute":7}]}');
    const w = new LocalWindows(new MemStore());
    const hits = hitsFor(c);
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      const l = new Ledger();
      if (w.admit(hits, 0, 1000, l, new Rejection()) == ADMIT) ok++;
    }
    expect(ok).toBe(7);
    // another consumer has its own counter
    const l = new Ledger();
    expect(w.admit(hitsFor(c, "bob"), 0, 1000, l, new Rejection())).toBe(ADMIT);
  });
  it("charges all counters or none", () => {
    const c = cfg('{"rules":[{"query_per_minute":100},{"limit_by_per_consumer":"","query_per_minute":1}]}');
    const mem = new MemStore();
    const w = new LocalWindows(mem);
    const hits = hitsFor(c);
    expect(w.admit(hits, 0, 1000, new Ledger(), new Rejection())).toBe(ADMIT);
    const rej = new Rejection();
    expect(w.admit(hits, 0, 1000, new Ledger(), rej)).toBe(REJECT);
    expect(rej.kind).toBe(KIND_REQUESTS);
    expect(rej.rule).toBe("rules.1");
    expect(used(mem, "rules.0:r0.d:q60:", c, 1000)).toBe(1); // the global counter was given back
  });
  it("reserves tokens, rejects what does not fit, reconciles with usage", () => {
    const c = cfg('{"rules":[{"token_per_minute":1000}]}');
    const mem = new MemStore();
    const w = new LocalWindows(mem);
    const hits = hitsFor(c);
    const a = new Ledger();
    expect(w.admit(hits, 600, 1000, a, new Rejection())).toBe(ADMIT);
    const rej = new Rejection();
    expect(w.admit(hits, 600, 1000, new Ledger(), rej)).toBe(REJECT);
    expect(rej.kind).toBe(KIND_TOKENS);
    expect(rej.remaining).toBe(400);
    w.reconcile(a, 150, 2000); // real usage 150: 450 released
    expect(used(mem, "rules.0:r0.d:t60:", c, 2000)).toBe(150);
    expect(w.admit(hits, 600, 2000, new Ledger(), new Rejection())).toBe(ADMIT);
  });
  it("N concurrent token requests never exceed the limit when estimates cover usage", () => {
    const c = cfg('{"rules":[{"token_per_minute":10000}]}');
    const mem = new MemStore();
    const w = new LocalWindows(mem);
    const hits = hitsFor(c);
    // 50 requests in flight at once, each reserving 700 and using 400..700.
    const ledgers = new Array<Ledger>();
    for (let i = 0; i < 50; i++) {
      const l = new Ledger();
      if (w.admit(hits, 700, 1000, l, new Rejection()) == ADMIT) ledgers.push(l);
    }
    expect(ledgers.length).toBe(14); // 14 * 700 = 9800
    let total: i64 = 0;
    for (let i = 0; i < ledgers.length; i++) {
      const actual: i64 = 400 + <i64>((i * 37) % 301);
      total += actual;
      w.reconcile(ledgers[i], actual, 1500);
    }
    expect(total <= 10000).toBe(true);
    expect(used(mem, "rules.0:r0.d:t60:", c, 1500)).toBe(total);
  });
});

describe("tokensToCharge", () => {
  it("uses usage, releases failures, estimates aborted successes", () => {
    expect(tokensToCharge(true, 321, true, 200, 100, 1100, 0, 3)).toBe(321);
    expect(tokensToCharge(false, 0, false, 0, 100, 1100, 0, 3)).toBe(0);
    expect(tokensToCharge(false, 0, true, 500, 100, 1100, 900, 3)).toBe(0);
    expect(tokensToCharge(false, 0, true, 200, 100, 1100, 30, 3)).toBe(110);
    expect(tokensToCharge(false, 0, true, 200, 100, 1100, 90000, 3)).toBe(1100);
  });
});

describe("LocalSlots", () => {
  it("queues beyond max and wakes the waiter's VM on release", () => {
    const c = cfg('{"rules":[{"max_concurrency":1,"max_queue":1,"max_queue_wait_ms":1000}]}');
    const limit = c.groups[0].rules[0].items[0].concurrency!;
    const s = new LocalSlots(new MemStore());
    const d = new SlotDecision();
    expect(s.acquire("k", limit, 0, 0, 5, d)).toBe(true);
    expect(d.result).toBe(ACQUIRED);
    s.acquire("k", limit, 0, 0, 6, d);
    expect(d.result).toBe(QUEUED);
    const t = d.ticket;
    s.acquire("k", limit, 0, 0, 7, d);
    expect(d.result).toBe(QUEUE_FULL);
    const wake = s.release("k", limit, 10);
    expect(wake.length).toBe(1);
    expect(wake[0]).toBe(6);
    s.acquire("k", limit, 10, t, 6, d);
    expect(d.result).toBe(ACQUIRED);
  });
});
