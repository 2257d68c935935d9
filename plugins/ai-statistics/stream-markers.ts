// Which SSE events can change what a stream reports. Most events of a long stream are text deltas
// that carry nothing the usage tracker keeps; one pass over the event's bytes finds the keys that
// matter, so only those events are decoded and walked (UsageStream.onJson):
//   usage / finish_reason / finishReason / error (not null), usageMetadata, message, response
//   (Anthropic message_start, Responses events), `type` values message_delta, message_stop, error,
//   response.completed / .incomplete / .failed; and any event without a `{` ([DONE], odd data).
// A key found at any depth, or in the `event:` line, counts: a false positive costs only the full
// read; keys are compared as written (API field names have no escapes). Pure.
import { findByte2 } from "../shared/swar";

/** The event bytes at p (its lines, as on the wire) may update usage, id/model, completion or the
 *  error state. */
export function eventBytesMatter(p: usize, n: i32): bool {
  if (findByte2(p, 0, n, 0x7b, 0x7b) >= n) return true; // no JSON object: [DONE] or unknown
  let i = 0;
  while (i < n) {
    i = findByte2(p, i, n, 0x22, 0x22); // next quote
    const k = i + 1; // first byte of a key (or of a string value)
    if (k >= n) return false;
    i = k;
    const c = <u32>load<u8>(p + <usize>k);
    let len = 0;
    if (c == 0x75 /* u */) len = keyLen(p, k, n, "usage") | keyLen(p, k, n, "usageMetadata");
    else if (c == 0x66 /* f */) len = keyLen(p, k, n, "finish_reason") | keyLen(p, k, n, "finishReason");
    else if (c == 0x65 /* e */) len = keyLen(p, k, n, "error");
    else if (c == 0x6d /* m */) len = keyLen(p, k, n, "message");
    else if (c == 0x72 /* r */) len = keyLen(p, k, n, "response");
    else if (c == 0x74 /* t */) len = keyLen(p, k, n, "type");
    else continue;
    if (len == 0) continue;
    // `"key"` then optional whitespace, a colon, optional whitespace: the value.
    let v = skipWs(p, k + len + 1, n);
    if (v >= n || load<u8>(p + <usize>v) != 0x3a) continue;
    v = skipWs(p, v + 1, n);
    if (v >= n) return true;
    const first = <u32>load<u8>(p + <usize>v);
    if (c == 0x74) {
      if (first == 0x22 && typeMatters(p, v + 1, n)) return true;
    } else if (first != 0x6e /* n(ull) */) return true;
    i = v;
  }
  return false;
}

/** eventBytesMatter over one event's data as a string (tests, and callers holding strings). */
export function eventMatters(data: string): bool {
  const b = String.UTF8.encode(data);
  return eventBytesMatter(changetype<usize>(b), b.byteLength);
}

/** Length of `key` (ASCII) when the bytes at k spell it followed by a quote, else 0. */
function keyLen(p: usize, k: i32, n: i32, key: string): i32 {
  const l = key.length;
  if (k + l >= n) return 0;
  const q = changetype<usize>(key);
  for (let j = 0; j < l; j++) {
    if (<u32>load<u8>(p + <usize>(k + j)) != <u32>load<u16>(q + (<usize>j << 1))) return 0;
  }
  return load<u8>(p + <usize>(k + l)) == 0x22 ? l : 0;
}

const TYPES = ["message_delta", "message_stop", "error", "response.completed", "response.incomplete", "response.failed"];

/** The `type` string value starting at k is one that changes the stream's state. */
function typeMatters(p: usize, k: i32, n: i32): bool {
  for (let t = 0; t < TYPES.length; t++) {
    if (keyLen(p, k, n, unchecked(TYPES[t])) != 0) return true;
  }
  return false;
}

@inline function skipWs(p: usize, i: i32, n: i32): i32 {
  while (i < n) {
    const c = load<u8>(p + <usize>i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    i++;
  }
  return i;
}
