// Key values taken from a request: query parameters (percent-decoded, first occurrence, like Go's
// url.ParseQuery that Higress uses), cookies, and the counter key built from a prefix and a value.

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Percent-decodes a query component ('+' is a space); malformed escapes are kept as written. */
export function queryUnescape(s: string): string {
  if (s.indexOf("%") < 0 && s.indexOf("+") < 0) return s;
  const utf8 = String.UTF8.encode(s);
  const src = Uint8Array.wrap(utf8);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = <i32>src[i];
    if (c == 0x2b) {
      out[n++] = 0x20;
    } else if (c == 0x25 && i + 2 < src.length && hexVal(src[i + 1]) >= 0 && hexVal(src[i + 2]) >= 0) {
      out[n++] = <u8>((hexVal(src[i + 1]) << 4) | hexVal(src[i + 2]));
      i += 2;
    } else {
      out[n++] = <u8>c;
    }
  }
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>n);
}

/** First value of query parameter `name` in a :path, or null when absent. */
export function queryParam(path: string, name: string): string | null {
  const q = path.indexOf("?");
  if (q < 0) return null;
  let hash = path.indexOf("#", q);
  if (hash < 0) hash = path.length;
  let start = q + 1;
  while (start <= hash) {
    let end = path.indexOf("&", start);
    if (end < 0 || end > hash) end = hash;
    if (end > start) {
      const eq = path.indexOf("=", start);
      const keyEnd = eq >= 0 && eq < end ? eq : end;
      const key = queryUnescape(path.substring(start, keyEnd));
      if (key == name) return keyEnd < end ? queryUnescape(path.substring(keyEnd + 1, end)) : "";
    }
    start = end + 1;
  }
  return null;
}

/** Value of cookie `name` in a Cookie header ("a=1; b=2"), or null. */
export function cookieValue(header: string, name: string): string | null {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end < 0) end = header.length;
    const part = header.substring(start, end).trim();
    const eq = part.indexOf("=");
    if (eq > 0 && part.substring(0, eq).trim() == name) {
      let v = part.substring(eq + 1).trim();
      if (v.length >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length - 1);
      return v;
    }
    start = end + 1;
  }
  return null;
}

/** Path without the query string. */
export function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : path.substring(0, q);
}

/** Longest key value kept verbatim; longer ones are hashed (bounded key sizes in shared data). */
export const MAX_KEY_VALUE: i32 = 128;

/** FNV-1a 64 over the UTF-16 code units, as 16 hex digits. */
export function hash64(s: string): string {
  let h: u64 = 0xcbf29ce484222325;
  for (let i = 0; i < s.length; i++) {
    h ^= <u64>s.charCodeAt(i);
    h *= 0x100000001b3;
  }
  let out = h.toString(16);
  while (out.length < 16) out = "0" + out;
  return out;
}

/** The counter key for `value` under `prefix`. */
export function counterKey(prefix: string, value: string): string {
  if (value.length <= MAX_KEY_VALUE) return prefix + value;
  return prefix + "#" + hash64(value);
}

/** Gemini names the model in the path: /v1beta/models/<model>:generateContent. "" otherwise. */
export function modelFromPath(path: string): string {
  const p = pathOnly(path);
  const i = p.indexOf("/models/");
  if (i < 0) return "";
  const start = i + 8;
  const colon = p.indexOf(":", start);
  if (colon < 0) return "";
  const slash = p.indexOf("/", start);
  if (slash >= 0 && slash < colon) return "";
  return p.substring(start, colon);
}
