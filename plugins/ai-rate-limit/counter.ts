// Bounded optimistic (CAS) updates of one shared-data key, behind a small store interface so the
// loop and the racy first write can be tested without a host (__tests__/counter.spec.ts runs two
// interleaved "workers" against an in-memory store with cpp-host's rules).
//
// cpp-host (src/shared_data.cc): cas 0 writes unconditionally; a non-zero cas that differs from
// the stored one is CasMismatch; a missing key is created whatever cas is given. So a new key is
// created with cas 0xffffffff: that succeeds only while the key is still missing (an existing key
// has another cas), and two workers creating the same key cannot both win - the loser re-reads
// and applies its change on top. A create with cas 0 would overwrite the winner's count.
import { WindowSpec, WindowDecision, tryAdd, adjust } from "./windows";

export const RESULT_OK: i32 = 0;
export const RESULT_CAS_MISMATCH: i32 = 8;
export const CREATE_CAS: u32 = 0xffffffff;

export class KvValue {
  value: ArrayBuffer;
  cas: u32;
  constructor(value: ArrayBuffer, cas: u32) {
    this.value = value;
    this.cas = cas;
  }
}

/** Shared data as the plugin sees it (host-backed in index.ts, in-memory in tests). */
export abstract class KvStore {
  /** Value and cas, or null when the key is missing. */
  abstract get(key: string): KvValue | null;
  /** Host WasmResult: 0 Ok, 8 CasMismatch, others are errors. */
  abstract set(key: string, value: ArrayBuffer, cas: u32): i32;
}

/** One read-modify-write step; keep results in fields (no closures in AssemblyScript). */
export abstract class Updater {
  /** New value from the current one (null = missing). Return null to write nothing. */
  abstract update(current: ArrayBuffer | null): ArrayBuffer | null;
}

/** Default retry bound: a worker gives up after this many lost races on one key. */
export const MAX_CAS_ATTEMPTS: i32 = 16;

/** Read, update, write with the read cas; retried on CasMismatch up to maxAttempts times. */
export function casUpdate(store: KvStore, key: string, updater: Updater, maxAttempts: i32 = MAX_CAS_ATTEMPTS): i32 {
  let last = RESULT_CAS_MISMATCH;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = store.get(key);
    const next = updater.update(current === null ? null : current.value);
    if (next === null) return RESULT_OK;
    last = store.set(key, next, current === null ? CREATE_CAS : current.cas);
    if (last != RESULT_CAS_MISMATCH) return last;
  }
  return last;
}

/** Check-and-add of `cost` to one window; the decision lands in `decision`. */
export class WindowAdd extends Updater {
  spec: WindowSpec = new WindowSpec(1000, 1, false, 1);
  nowMs: i64 = 0;
  cost: i64 = 0;
  decision: WindowDecision = new WindowDecision();

  set(spec: WindowSpec, nowMs: i64, cost: i64): WindowAdd {
    this.spec = spec;
    this.nowMs = nowMs;
    this.cost = cost;
    return this;
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return tryAdd(current, this.spec, this.nowMs, this.cost, this.decision);
  }
}

/** Correction of an earlier add (token reconciliation, rollback of a partial admission). */
export class WindowAdjust extends Updater {
  spec: WindowSpec = new WindowSpec(1000, 1, false, 1);
  nowMs: i64 = 0;
  bucket: i64 = 0;
  delta: i64 = 0;

  set(spec: WindowSpec, nowMs: i64, bucket: i64, delta: i64): WindowAdjust {
    this.spec = spec;
    this.nowMs = nowMs;
    this.bucket = bucket;
    this.delta = delta;
    return this;
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return adjust(current, this.spec, this.nowMs, this.bucket, this.delta);
  }
}
