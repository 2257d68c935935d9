// JSON string literals for hand-built bodies (error bodies, log records): quotes and escapes per
// RFC 8259 section 7; control characters become \u00XX. Lone surrogates pass through unchanged.

const HEX = "0123456789abcdef";

/** `s` as a quoted JSON string. */
export function jsonQuote(s: string): string {
  return '"' + jsonEscape(s) + '"';
}

/** `s` with JSON escapes applied (no surrounding quotes). */
export function jsonEscape(s: string): string {
  const n = s.length;
  let i = 0;
  // Fast path: nothing to escape.
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c) break;
    i++;
  }
  if (i == n) return s;
  const parts = new Array<string>();
  let start = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > start) parts.push(s.substring(start, i));
    if (c == 0x22) parts.push('\\"');
    else if (c == 0x5c) parts.push("\\\\");
    else if (c == 0x0a) parts.push("\\n");
    else if (c == 0x0d) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else if (c == 0x08) parts.push("\\b");
    else if (c == 0x0c) parts.push("\\f");
    else parts.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
    start = i + 1;
  }
  if (start < n) parts.push(s.substring(start));
  return parts.join("");
}
