// Degrade-cache keys and values (pure). The key is a 64-bit FNV-1a of the request body with the
// whitespace between JSON tokens removed (so `{"a": 1}` and `{"a":1}` are one request), the API
// and the upstream model. The value is the client-facing answer, stored as
//   u64 hash | u64 expiresAtMs | u32 status | u8 stream | u32 contentTypeLen | contentType | body
// and looked up in a direct-mapped table of `maxEntries` slots (slot = hash % maxEntries): a new
// entry replaces whatever held its slot, which bounds memory to maxEntries x maxEntryBytes.
import { fnv1a64 } from "./hash";

const HEADER: i32 = 8 + 8 + 4 + 1 + 4;

/** Hash of the request: JSON body minus insignificant whitespace, plus api and model. */
export function requestHash(body: ArrayBuffer, api: i32, model: string): u64 {
  const base = changetype<usize>(body);
  const n = body.byteLength;
  let h: u64 = 0xcbf29ce484222325;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(base + <usize>i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c == 0x5c) escaped = true;
      else if (c == 0x22) inString = false;
    } else {
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) continue;
      if (c == 0x22) inString = true;
    }
    h = (h ^ <u64>c) * 0x100000001b3;
  }
  h = fnv1a64("|" + api.toString() + "|" + model, h);
  return h;
}

export class CacheEntry {
  hash: u64 = 0;
  expiresAtMs: u64 = 0;
  status: u32 = 200;
  stream: bool = false;
  contentType: string = "";
  body: ArrayBuffer = new ArrayBuffer(0);
}

export function encodeEntry(e: CacheEntry): ArrayBuffer {
  const ct = String.UTF8.encode(e.contentType);
  const out = new ArrayBuffer(HEADER + ct.byteLength + e.body.byteLength);
  const p = changetype<usize>(out);
  store<u64>(p, e.hash);
  store<u64>(p + 8, e.expiresAtMs);
  store<u32>(p + 16, e.status);
  store<u8>(p + 20, e.stream ? 1 : 0);
  store<u32>(p + 21, <u32>ct.byteLength);
  memory.copy(p + HEADER, changetype<usize>(ct), ct.byteLength);
  memory.copy(p + HEADER + ct.byteLength, changetype<usize>(e.body), e.body.byteLength);
  return out;
}

/** The entry for `hash` if the stored value holds it and it has not expired, else null. */
export function decodeEntry(data: ArrayBuffer, hash: u64, nowMs: u64): CacheEntry | null {
  if (data.byteLength < HEADER) return null;
  const p = changetype<usize>(data);
  if (load<u64>(p) != hash) return null;
  const e = new CacheEntry();
  e.hash = hash;
  e.expiresAtMs = load<u64>(p + 8);
  if (e.expiresAtMs <= nowMs) return null;
  e.status = load<u32>(p + 16);
  e.stream = load<u8>(p + 20) != 0;
  const ctLen = <i32>load<u32>(p + 21);
  if (HEADER + ctLen > data.byteLength) return null;
  e.contentType = String.UTF8.decodeUnsafe(p + HEADER, <usize>ctLen);
  e.body = data.slice(HEADER + ctLen);
  return e;
}

/** Shared-data key of the slot holding `hash`. */
export function slotKey(prefix: string, hash: u64, maxEntries: i32): string {
  return prefix + (hash % <u64>maxEntries).toString();
}
