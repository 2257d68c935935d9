// Shared data (key -> bytes + cas), scoped by vm_id and shared by every worker VM of one Envoy.
// cpp-host (src/shared_data.cc): cas 0 writes unconditionally; a non-zero cas that differs from
// the stored one is CasMismatch; a MISSING key is created whatever cas is given; every write
// stores a new cas from a global counter that skips 0.
import { proxy_get_shared_data, proxy_set_shared_data } from "./abi/imports";
import { WasmResult } from "./enums";
import { RET_PTR, RET_SIZE, RET_EXTRA, expectBuffer, takeReturnedBytes, releaseReturned, textBlock, releaseText, textLen1 } from "./memory";

export class SharedValue {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

/** Value and cas of `key`, or null when missing. */
export function getSharedData(key: string): SharedValue | null {
  const k = textBlock(key);
  expectBuffer();
  const r = proxy_get_shared_data(k, textLen1, RET_PTR, RET_SIZE, RET_EXTRA);
  releaseText(k);
  if (r != WasmResult.Ok) {
    releaseReturned(0);
    return null;
  }
  const cas = load<u32>(RET_EXTRA);
  return new SharedValue(takeReturnedBytes(), cas);
}

/** Writes `value`; cas 0 = unconditional, else CasMismatch when someone wrote since the read. */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32): WasmResult {
  const k = textBlock(key);
  const r = proxy_set_shared_data(k, textLen1, changetype<usize>(value), <usize>value.byteLength, cas);
  releaseText(k);
  return <WasmResult>r;
}

/** The read-modify-write step of casUpdateSharedData. Keep results in fields of the object. */
export abstract class CasUpdate {
  /** New value from the current one (null = key missing). Return null to write nothing. */
  abstract update(current: ArrayBuffer | null): ArrayBuffer | null;
}

/** Cas used to create a missing key: a create with it succeeds only while the key is still
 *  missing (any existing key has a different cas unless 2^32-1 writes happened since start),
 *  so two workers creating the same key cannot both win, unlike a create with cas 0. */
export const CREATE_CAS: u32 = 0xffffffff;

/** Bounded optimistic update: read, update(), write with the read cas; on CasMismatch read
 *  again, at most `maxAttempts` times. Returns Ok, CasMismatch (gave up), or the host's error.
 *  Returns Ok without writing when update() returns null. */
export function casUpdateSharedData(key: string, updater: CasUpdate, maxAttempts: i32 = 8): WasmResult {
  let last = WasmResult.CasMismatch;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = getSharedData(key);
    const next = updater.update(current === null ? null : current.value);
    if (next === null) return WasmResult.Ok;
    const cas = current === null ? CREATE_CAS : current.cas;
    last = setSharedData(key, next, cas);
    if (last != WasmResult.CasMismatch) return last;
  }
  return last;
}
