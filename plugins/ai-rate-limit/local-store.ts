// Local mode: windows, concurrency slots and breaker states in Envoy shared data, each change a
// bounded CAS update (counter.ts). Shared by the worker VMs of one Envoy; not across Envoys (use
// `redis` for that). A request's window charges are all-or-nothing: when one counter refuses,
// the ones already charged are given back.
import { KvStore, Updater, casUpdate, WindowAdd, WindowAdjust, RESULT_OK } from "./counter";
import { ConcurrencyLimit } from "./config-types";
import { Hit } from "./select";
import { Ledger } from "./ledger";
import { Rejection, KIND_REQUESTS, KIND_TOKENS, describeField } from "./reply";
import { counterKey } from "./request-values";
import { acquire, release, cancel, SlotDecision } from "./slots";
import { BreakerSpec, BreakerDecision, Outcome, admit as breakerAdmit, record as breakerRecord } from "./breaker";
import { WindowSpec } from "./windows";

export const ADMIT: i32 = 0;
export const REJECT: i32 = 1;
export const STORE_ERROR: i32 = 2;

/** Keys written by this VM, so idle ones can be emptied later (see cleanup in index.ts). */
export class TouchedKeys {
  keys: Map<string, WindowSpec> = new Map<string, WindowSpec>();
  /** bound on remembered keys; beyond it new keys are not tracked (other VMs may clean them) */
  max: i32 = 10_000;
  /** bumped whenever keys are forgotten (cleanup), so windows note their key again */
  gen: i32 = 0;

  note(key: string, spec: WindowSpec): void {
    if (this.keys.size < this.max && !this.keys.has(key)) this.keys.set(key, spec);
  }
}

export class LocalWindows {
  store: KvStore;
  touched: TouchedKeys = new TouchedKeys();
  private add: WindowAdd = new WindowAdd();
  private adj: WindowAdjust = new WindowAdjust();
  /** result of the last failed store update (for logs) */
  lastError: i32 = 0;

  constructor(store: KvStore) {
    this.store = store;
  }

  /** Charges 1 request and `estimate` tokens to every window of every hit, or nothing. */
  admit(hits: Hit[], estimate: i64, nowMs: i64, ledger: Ledger, rej: Rejection): i32 {
    ledger.reserved = estimate;
    for (let h = 0; h < hits.length; h++) {
      const hit = unchecked(hits[h]);
      const windows = hit.item.windows;
      for (let w = 0; w < windows.length; w++) {
        const win = unchecked(windows[w]);
        const cost: i64 = win.tokens ? estimate : 1;
        const key = win.keyFor(hit.value);
        const r = casUpdate(this.store, key, this.add.set(win.spec, nowMs, cost));
        if (r != RESULT_OK) {
          this.lastError = r;
          this.rollback(ledger, nowMs);
          return STORE_ERROR;
        }
        const d = this.add.decision;
        if (!d.allowed) {
          rej.kind = win.tokens ? KIND_TOKENS : KIND_REQUESTS;
          rej.limit = win.spec.limit;
          rej.remaining = d.remaining;
          rej.resetMs = d.resetMs;
          rej.what = describeField(win.field, win.tokens);
          rej.rule = hit.rule.name;
          this.rollback(ledger, nowMs);
          return REJECT;
        }
        if (win.notedGen != this.touched.gen) {
          this.touched.note(key, win.spec);
          win.notedGen = this.touched.gen;
        }
        ledger.add(key, win, d.bucket, cost);
        if (win.tokens) ledger.tokens.offer(win.spec.limit, d.remaining, d.resetMs);
        else ledger.requests.offer(win.spec.limit, d.remaining, d.resetMs);
      }
    }
    return ADMIT;
  }

  /** Gives back every charge of the ledger (a later check refused the request). */
  rollback(ledger: Ledger, nowMs: i64): void {
    for (let i = 0; i < ledger.count; i++) {
      const c = ledger.at(i);
      casUpdate(this.store, c.key, this.adj.set(c.window!.spec, nowMs, c.bucket, -c.cost));
    }
    ledger.count = 0;
  }

  /** Replaces each token reservation by `actual` tokens (release or extra charge). */
  reconcile(ledger: Ledger, actual: i64, nowMs: i64): void {
    for (let i = 0; i < ledger.count; i++) {
      const c = ledger.at(i);
      if (!c.window!.tokens) continue;
      const delta = actual - c.cost;
      if (delta != 0) casUpdate(this.store, c.key, this.adj.set(c.window!.spec, nowMs, c.bucket, delta));
      c.cost = actual;
    }
  }
}

class SlotAcquire extends Updater {
  limit: ConcurrencyLimit = new ConcurrencyLimit();
  nowMs: i64 = 0;
  ticket: u64 = 0;
  token: u32 = 0;
  deadline: i64 = 0;
  d: SlotDecision = new SlotDecision();
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return acquire(current, this.limit.maxInFlight, this.limit.maxQueue, this.nowMs, this.ticket, this.token, this.deadline, this.d);
  }
}

class SlotRelease extends Updater {
  limit: ConcurrencyLimit = new ConcurrencyLimit();
  nowMs: i64 = 0;
  wake: Array<u32> = new Array<u32>();
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return release(current, this.limit.maxInFlight, this.nowMs, this.wake);
  }
}

class SlotCancel extends Updater {
  nowMs: i64 = 0;
  ticket: u64 = 0;
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return cancel(current, this.ticket, this.nowMs);
  }
}

/** Concurrency slots and their FIFO queue (slots.ts) in shared data. */
export class LocalSlots {
  store: KvStore;
  private acq: SlotAcquire = new SlotAcquire();
  private rel: SlotRelease = new SlotRelease();
  private can: SlotCancel = new SlotCancel();

  constructor(store: KvStore) {
    this.store = store;
  }

  /** Asks for a slot (ticket 0 = new request). Result in `out`; false when the store failed. */
  acquire(key: string, limit: ConcurrencyLimit, nowMs: i64, ticket: u64, queueToken: u32, out: SlotDecision): bool {
    const a = this.acq;
    a.limit = limit;
    a.nowMs = nowMs;
    a.ticket = ticket;
    a.token = queueToken;
    a.deadline = nowMs + limit.maxWaitMs;
    a.d = out;
    return casUpdate(this.store, key, a) == RESULT_OK;
  }

  /** Frees a slot; returns the queue tokens of waiters that may now take one. */
  release(key: string, limit: ConcurrencyLimit, nowMs: i64): Array<u32> {
    const r = this.rel;
    r.limit = limit;
    r.nowMs = nowMs;
    if (casUpdate(this.store, key, r) != RESULT_OK) r.wake.length = 0;
    return r.wake;
  }

  cancel(key: string, ticket: u64, nowMs: i64): void {
    this.can.nowMs = nowMs;
    this.can.ticket = ticket;
    casUpdate(this.store, key, this.can);
  }
}

class BreakerAdmit extends Updater {
  spec: BreakerSpec = new BreakerSpec();
  nowMs: i64 = 0;
  d: BreakerDecision = new BreakerDecision();
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return breakerAdmit(current, this.spec, this.nowMs, this.d);
  }
}

class BreakerRecord extends Updater {
  spec: BreakerSpec = new BreakerSpec();
  nowMs: i64 = 0;
  o: Outcome = new Outcome();
  d: BreakerDecision = new BreakerDecision();
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return breakerRecord(current, this.spec, this.nowMs, this.o, this.d);
  }
}

/** Circuit breaker states (breaker.ts) in shared data, one key per upstream (and provider). */
export class LocalBreakers {
  store: KvStore;
  private adm: BreakerAdmit = new BreakerAdmit();
  private rec: BreakerRecord = new BreakerRecord();

  constructor(store: KvStore) {
    this.store = store;
  }

  /** Whether a request may go upstream; the decision (probe, retry-after, change) in the result. */
  admit(key: string, spec: BreakerSpec, nowMs: i64): BreakerDecision {
    const a = this.adm;
    a.spec = spec;
    a.nowMs = nowMs;
    // Closed (the common case) needs one read and no write.
    const cur = this.store.get(key);
    const next = breakerAdmit(cur === null ? null : cur.value, spec, nowMs, a.d);
    if (next !== null) {
      if (this.store.set(key, next, cur === null ? 0xffffffff : cur.cas) != RESULT_OK) {
        casUpdate(this.store, key, a); // lost a race: decide again on the fresh state
      }
    }
    return a.d;
  }

  record(key: string, spec: BreakerSpec, nowMs: i64, o: Outcome): BreakerDecision {
    const r = this.rec;
    r.spec = spec;
    r.nowMs = nowMs;
    r.o.failed = o.failed;
    r.o.slow = o.slow;
    r.o.probe = o.probe;
    r.o.cancelled = o.cancelled;
    casUpdate(this.store, key, r);
    return r.d;
  }
}
