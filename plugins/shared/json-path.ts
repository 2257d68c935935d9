// Dotted JSON paths as Higress configs write them (gjson subset): `usage.prompt_tokens`,
// `choices.0.delta.content`, `messages.@reverse.0.content` (index from the end), `data.#` (array
// length), `a\.b` (a literal dot in a key). A path is compiled once (from config) and evaluated on
// JSON text without building a tree.
import { JsonCursor, findMember, findElement, countElements, packSlice, sliceStartOf, sliceEndOf, skipWs, sliceString } from "./json-scan";

const SEG_KEY: u8 = 0;
const SEG_REVERSE: u8 = 1; // the next index counts from the end
const SEG_COUNT: u8 = 2; // '#': the array length

export class JsonPath {
  readonly text: string;
  private keys: string[] = [];
  private kinds: u8[] = [];
  /** numeric value of a segment, -1 when it is not an array index */
  private indexes: i32[] = [];
  private cursor: JsonCursor = new JsonCursor();
  /** Error when compiling failed (empty segment), else null. */
  error: string | null = null;

  constructor(text: string) {
    this.text = text;
    if (text.length == 0) this.error = "empty path";
    let cur = "";
    let i = 0;
    while (i <= text.length && this.error === null) {
      const c = i < text.length ? text.charCodeAt(i) : 0x2e;
      if (c == 0x5c && i + 1 < text.length) {
        cur += String.fromCharCode(text.charCodeAt(i + 1));
        i += 2;
        continue;
      }
      if (c == 0x2e) {
        if (cur.length == 0) this.error = "empty segment in path '" + text + "'";
        else this.addSegment(cur);
        cur = "";
      } else cur += String.fromCharCode(c);
      i++;
    }
  }

  private addSegment(seg: string): void {
    let kind = SEG_KEY;
    if (seg == "@reverse") kind = SEG_REVERSE;
    else if (seg == "#") kind = SEG_COUNT;
    let idx: i32 = -1;
    if (seg.length > 0 && seg.length < 10) {
      idx = 0;
      for (let i = 0; i < seg.length; i++) {
        const d = seg.charCodeAt(i) - 0x30;
        if (d < 0 || d > 9) {
          idx = -1;
          break;
        }
        idx = idx * 10 + d;
      }
    }
    this.keys.push(seg);
    this.kinds.push(kind);
    this.indexes.push(idx);
  }

  /** Finds the value in s[start, end): a packed slice (json-scan packSlice) or -1. Not for `#`. */
  find(s: string, start: i32, end: i32): i64 {
    return this.walk(s, start, end, this.keys.length);
  }

  /** Follows the first `n` segments. */
  private walk(s: string, start: i32, end: i32, n: i32): i64 {
    let from = start;
    let to = end;
    let reverse = false;
    for (let i = 0; i < n; i++) {
      const kind = unchecked(this.kinds[i]);
      if (kind == SEG_REVERSE) {
        reverse = true;
        continue;
      }
      const p = skipWs(s, from, to);
      if (p >= to) return -1;
      const c = s.charCodeAt(p);
      let r: i64 = -1;
      if (c == 0x5b) {
        if (kind == SEG_COUNT) return -1; // handled by count()
        let idx = unchecked(this.indexes[i]);
        if (idx < 0) return -1;
        if (reverse) {
          const len = countElements(s, p, to);
          if (idx >= len) return -1;
          idx = len - 1 - idx;
          reverse = false;
        }
        r = findElement(s, p, to, idx);
      } else if (c == 0x7b) {
        r = findMember(s, p, to, unchecked(this.keys[i]), this.cursor);
      }
      if (r < 0) return -1;
      from = sliceStartOf(r);
      to = sliceEndOf(r);
    }
    return packSlice(from, to);
  }

  /** For a path ending in `#`: the length of the array it names, else -1. */
  count(s: string): i32 {
    const n = this.keys.length;
    if (n == 0 || unchecked(this.kinds[n - 1]) != SEG_COUNT) return -1;
    const r = this.walk(s, 0, s.length, n - 1);
    if (r < 0) return -1;
    return countElements(s, sliceStartOf(r), sliceEndOf(r));
  }

  endsWithCount(): bool {
    const n = this.kinds.length;
    return n > 0 && unchecked(this.kinds[n - 1]) == SEG_COUNT;
  }

  /**
   * The value at this path rendered for logs: strings decoded, other values as their JSON text,
   * `#` as a number. null when absent.
   */
  valueText(s: string): string | null {
    if (this.endsWithCount()) {
      const c = this.count(s);
      return c < 0 ? null : c.toString();
    }
    const r = this.find(s, 0, s.length);
    if (r < 0) return null;
    const a = sliceStartOf(r);
    const b = sliceEndOf(r);
    if (s.charCodeAt(a) == 0x22) return sliceString(s, a, b);
    return s.substring(a, b);
  }
}
