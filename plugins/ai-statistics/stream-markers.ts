// Which SSE events can change what a stream reports. Most events of a long stream are text deltas
// that carry nothing the usage tracker keeps; one pass over the event's characters finds the keys
// that matter, so only those events get the full JSON walk (UsageStream.onJson):
//   usage / finish_reason / finishReason / error (not null), usageMetadata, message, response
//   (Anthropic message_start, Responses events), `type` values message_delta, message_stop, error,
//   response.completed / .incomplete / .failed, and `[DONE]`.
// A key found at any depth, or inside a string, counts: a false positive costs only the full walk;
// keys are compared as written (API field names have no escapes). Pure.

/** `data` (one event's data) may update usage, id/model, completion or the error state. */
export function eventMatters(data: string): bool {
  const n = data.length;
  if (n == 6 && data == "[DONE]") return true;
  const p = changetype<usize>(data);
  let i = 0;
  while (i < n) {
    // next quote
    while (i < n && load<u16>(p + (<usize>i << 1)) != 0x22) i++;
    if (i >= n) return false;
    const k = i + 1; // first character of a key (or of a string value)
    i = k;
    if (k >= n) return false;
    const c = <u32>load<u16>(p + (<usize>k << 1));
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
    if (v >= n || load<u16>(p + (<usize>v << 1)) != 0x3a) continue;
    v = skipWs(p, v + 1, n);
    if (v >= n) return true;
    const first = <u32>load<u16>(p + (<usize>v << 1));
    if (c == 0x74) {
      if (first == 0x22 && typeMatters(p, v + 1, n)) return true;
      i = v;
      continue;
    }
    if (first != 0x6e /* n(ull) */) return true;
    i = v;
  }
  return false;
}

/** Length of `key` when the text at k spells it followed by a quote, else 0. */
function keyLen(p: usize, k: i32, n: i32, key: string): i32 {
  const l = key.length;
  if (k + l >= n) return 0;
  if (memory.compare(p + (<usize>k << 1), changetype<usize>(key), <usize>l << 1) != 0) return 0;
  return load<u16>(p + (<usize>(k + l) << 1)) == 0x22 ? l : 0;
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
    const c = load<u16>(p + (<usize>i << 1));
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    i++;
  }
  return i;
}
