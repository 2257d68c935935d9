// Reads and edits the few top-level fields ai-proxy touches in a same-protocol request body,
// working on the UTF-8 bytes so everything else is forwarded byte for byte:
//   {"model":"gpt-4o","stream":true,"messages":[{"role":"developer",...}],"user":"u1"}
//           ^^^^^^^^ value span              ^^^^^^^^^^^ role value spans
// The body has already passed the strict JSON check (shared/json-check), so the scanner only
// needs to be bounds-safe, not a validator. Edits are splices (byte range -> new bytes) applied
// in one pass. Pure: no host calls.
import { jsonQuote } from "../shared/json-string";

@inline function at(base: usize, i: i32): u32 {
  return <u32>load<u8>(base + <usize>i);
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

function skipWs(base: usize, i: i32, end: i32): i32 {
  while (i < end && isWs(at(base, i))) i++;
  return i;
}

/** Index after the string starting at i (a quote), or -1. */
function skipString(base: usize, i: i32, end: i32): i32 {
  let j = i + 1;
  while (j < end) {
    const c = at(base, j);
    if (c == 0x22) return j + 1;
    j += c == 0x5c ? 2 : 1;
  }
  return -1;
}

/** Index after the value starting at i, or -1. */
export function skipValue(base: usize, i: i32, end: i32): i32 {
  if (i >= end) return -1;
  const c = at(base, i);
  if (c == 0x22) return skipString(base, i, end);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    let j = i;
    while (j < end) {
      const d = at(base, j);
      if (d == 0x22) {
        j = skipString(base, j, end);
        if (j < 0) return -1;
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < end) {
    const d = at(base, j);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isWs(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** True when bytes [a, b) equal the ASCII key `k`. */
function keyIs(base: usize, a: i32, b: i32, k: string): bool {
  if (b - a != k.length) return false;
  for (let i = 0; i < k.length; i++) if (at(base, a + i) != <u32>k.charCodeAt(i)) return false;
  return true;
}

/** A JSON string literal's text (quotes at a and b-1) decoded, escapes included. */
export function decodeStringLiteral(buf: ArrayBuffer, a: i32, b: i32): string {
  const raw = String.UTF8.decodeUnsafe(changetype<usize>(buf) + <usize>(a + 1), <usize>(b - a - 2));
  if (!raw.includes("\\")) return raw;
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c != 0x5c || i + 1 >= raw.length) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const e = raw.charCodeAt(i + 1);
    i += 2;
    if (e == 0x6e) out += "\n";
    else if (e == 0x74) out += "\t";
    else if (e == 0x72) out += "\r";
    else if (e == 0x62) out += "\b";
    else if (e == 0x66) out += "\f";
    else if (e == 0x75 && i + 4 <= raw.length) {
      out += String.fromCharCode(<i32>I32.parseInt(raw.substring(i, i + 4), 16));
      i += 4;
    } else out += String.fromCharCode(e);
  }
  return out;
}

/** What scanBody found. Spans are byte offsets of whole values (quotes included); -1 = absent. */
export class BodyFields {
  error: string | null = null;
  /** index of the top-level object's closing brace */
  closeBrace: i32 = -1;
  members: i32 = 0;
  model: string = "";
  modelStart: i32 = -1;
  modelEnd: i32 = -1;
  stream: bool = false;
  streamOptionsStart: i32 = -1;
  streamOptionsEnd: i32 = -1;
  messagesStart: i32 = -1;
  messagesEnd: i32 = -1;
  /** the sticky body field's value ("" when absent); numbers keep their JSON text */
  sticky: string = "";
}

/** Scans the top-level members of a request body. `stickyField` "" = none. */
export function scanBody(buf: ArrayBuffer, stickyField: string): BodyFields {
  const f = new BodyFields();
  const base = changetype<usize>(buf);
  const end = buf.byteLength;
  let i = skipWs(base, 0, end);
  if (i >= end || at(base, i) != 0x7b) {
    f.error = "request body: expected a JSON object";
    return f;
  }
  i++;
  while (true) {
    i = skipWs(base, i, end);
    if (i >= end) break;
    const c = at(base, i);
    if (c == 0x7d) {
      f.closeBrace = i;
      return f;
    }
    if (c == 0x2c) {
      i++;
      continue;
    }
    if (c != 0x22) break;
    const keyEnd = skipString(base, i, end);
    if (keyEnd < 0) break;
    const ka = i + 1;
    const kb = keyEnd - 1;
    i = skipWs(base, keyEnd, end);
    if (i >= end || at(base, i) != 0x3a) break;
    const vs = skipWs(base, i + 1, end);
    const ve = skipValue(base, vs, end);
    if (ve < 0) break;
    f.members++;
    const first = at(base, vs);
    if (keyIs(base, ka, kb, "model")) {
      if (first != 0x22) {
        f.error = "model: expected string";
        return f;
      }
      f.modelStart = vs;
      f.modelEnd = ve;
      f.model = decodeStringLiteral(buf, vs, ve);
    } else if (keyIs(base, ka, kb, "stream")) {
      if (first == 0x74) f.stream = true;
      else if (first == 0x66 || first == 0x6e) f.stream = false;
      else {
        f.error = "stream: expected boolean";
        return f;
      }
    } else if (keyIs(base, ka, kb, "stream_options")) {
      f.streamOptionsStart = vs;
      f.streamOptionsEnd = ve;
    } else if (keyIs(base, ka, kb, "messages")) {
      f.messagesStart = vs;
      f.messagesEnd = ve;
    }
    if (stickyField.length > 0 && keyIs(base, ka, kb, stickyField)) {
      if (first == 0x22) f.sticky = decodeStringLiteral(buf, vs, ve);
      else if (first == 0x2d || (first >= 0x30 && first <= 0x39)) f.sticky = String.UTF8.decodeUnsafe(base + <usize>vs, <usize>(ve - vs));
    }
    i = ve;
  }
  f.error = "request body: malformed JSON object";
  return f;
}

export class Splice {
  constructor(public start: i32, public end: i32, public data: string) {}
}

/** Applies splices (sorted by start, not overlapping) in one pass. */
export function applySplices(buf: ArrayBuffer, splices: Splice[]): ArrayBuffer {
  const base = changetype<usize>(buf);
  const parts: ArrayBuffer[] = [];
  let size = buf.byteLength;
  for (let i = 0; i < splices.length; i++) {
    const e = String.UTF8.encode(splices[i].data);
    parts.push(e);
    size += e.byteLength - (splices[i].end - splices[i].start);
  }
  const out = new ArrayBuffer(size);
  const dst = changetype<usize>(out);
  let src = 0;
  let w: usize = 0;
  for (let i = 0; i < splices.length; i++) {
    const s = splices[i];
    const n = s.start - src;
    memory.copy(dst + w, base + <usize>src, <usize>n);
    w += <usize>n;
    const e = parts[i];
    memory.copy(dst + w, changetype<usize>(e), <usize>e.byteLength);
    w += <usize>e.byteLength;
    src = s.end;
  }
  memory.copy(dst + w, base + <usize>src, <usize>(buf.byteLength - src));
  return out;
}

/** model value -> `model` (JSON-quoted). */
export function modelSplice(f: BodyFields, model: string): Splice {
  return new Splice(f.modelStart, f.modelEnd, jsonQuote(model));
}

/** Makes stream_options.include_usage true (OpenAI streams report usage only when asked).
 *  Returns null when it already is. */
export function includeUsageSplice(buf: ArrayBuffer, f: BodyFields): Splice | null {
  if (f.streamOptionsStart < 0 || at(changetype<usize>(buf), f.streamOptionsStart) != 0x7b) {
    if (f.streamOptionsStart >= 0) return new Splice(f.streamOptionsStart, f.streamOptionsEnd, '{"include_usage":true}');
    const member = (f.members > 0 ? "," : "") + '"stream_options":{"include_usage":true}';
    return new Splice(f.closeBrace, f.closeBrace, member);
  }
  const base = changetype<usize>(buf);
  const end = f.streamOptionsEnd;
  let i = f.streamOptionsStart + 1;
  let members = 0;
  while (i < end) {
    i = skipWs(base, i, end);
    if (i >= end) break;
    const c = at(base, i);
    if (c == 0x7d) break;
    if (c == 0x2c) {
      i++;
      continue;
    }
    const keyEnd = skipString(base, i, end);
    if (keyEnd < 0) break;
    const isUsage = keyIs(base, i + 1, keyEnd - 1, "include_usage");
    i = skipWs(base, keyEnd, end);
    const vs = skipWs(base, i + 1, end);
    const ve = skipValue(base, vs, end);
    if (ve < 0) break;
    members++;
    if (isUsage) {
      if (ve - vs == 4 && at(base, vs) == 0x74) return null; // already true
      return new Splice(vs, ve, "true");
    }
    i = ve;
  }
  const at1 = f.streamOptionsStart + 1;
  return new Splice(at1, at1, members > 0 ? '"include_usage":true,' : '"include_usage":true');
}

/** `"role":"developer"` -> `"role":"system"` in every message (for upstreams without the role). */
export function developerRoleSplices(buf: ArrayBuffer, f: BodyFields, out: Splice[]): void {
  if (f.messagesStart < 0) return;
  const base = changetype<usize>(buf);
  if (at(base, f.messagesStart) != 0x5b) return;
  const end = f.messagesEnd - 1;
  let i = f.messagesStart + 1;
  while (i < end) {
    i = skipWs(base, i, end);
    if (i >= end) break;
    const c = at(base, i);
    if (c == 0x2c) {
      i++;
      continue;
    }
    const ve = skipValue(base, i, end);
    if (ve < 0) return;
    if (c == 0x7b) roleInMessage(base, i + 1, ve - 1, out);
    i = ve;
  }
}

function roleInMessage(base: usize, i: i32, end: i32, out: Splice[]): void {
  while (i < end) {
    i = skipWs(base, i, end);
    if (i >= end) return;
    const c = at(base, i);
    if (c == 0x2c) {
      i++;
      continue;
    }
    if (c != 0x22) return;
    const keyEnd = skipString(base, i, end);
    if (keyEnd < 0) return;
    const isRole = keyIs(base, i + 1, keyEnd - 1, "role");
    i = skipWs(base, keyEnd, end);
    const vs = skipWs(base, i + 1, end);
    const ve = skipValue(base, vs, end);
    if (ve < 0) return;
    if (isRole && keyIs(base, vs, ve, '"developer"')) {
      out.push(new Splice(vs, ve, '"system"'));
      return;
    }
    i = ve;
  }
}

/** Sorts splices by start (few elements: insertion sort). */
export function sortSplices(s: Splice[]): void {
  for (let i = 1; i < s.length; i++) {
    const x = s[i];
    let j = i - 1;
    while (j >= 0 && s[j].start > x.start) {
      s[j + 1] = s[j];
      j--;
    }
    s[j + 1] = x;
  }
}
