// Captures chosen top-level members of a JSON object while its bytes stream past, so a plugin can
// read `usage`, `model`, `error`... of a response body without buffering the body: everything else
// (e.g. a large `choices` or `data` array) is skipped byte by byte and never stored. Each captured
// value is bounded by `maxValueBytes` (a longer one is dropped and flagged).
//
//   {"id":"chatcmpl-1","choices":[...skipped...],"usage":{"prompt_tokens":5}}
//   capture(["id","usage"]) -> document() == '{"id":"chatcmpl-1","usage":{"prompt_tokens":5}}'
//
// Keys are encoded once in a MemberKeys, shared by every capture (one per body).
// Lenient: malformed input stops capturing (`malformed` is set), never traps. Keys are compared as
// raw bytes (escaped keys never match; API field names have no escapes).

const S_START: u8 = 0;
const S_KEY_OR_END: u8 = 1;
const S_KEY: u8 = 2;
const S_KEY_ESC: u8 = 3;
const S_COLON: u8 = 4;
const S_VALUE_START: u8 = 5;
const S_VSTR: u8 = 6;
const S_VNEST: u8 = 7;
const S_VSCALAR: u8 = 8;
const S_AFTER_VALUE: u8 = 9;
const S_DONE: u8 = 10;

import { findByte2, decodeUtf8 } from "./swar";

const MAX_KEY_BYTES: i32 = 64;

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** The member names to capture, encoded once (build it at load time or in onConfigure). */
export class MemberKeys {
  readonly encoded: ArrayBuffer[] = [];
  constructor(readonly names: string[]) {
    for (let i = 0; i < names.length; i++) this.encoded.push(String.UTF8.encode(names[i]));
  }
}

export class JsonMemberCapture {
  private keys: ArrayBuffer[];
  private names: string[];
  private values: (string | null)[] = [];
  private readonly maxValueBytes: i32;

  private state: u8 = S_START;
  private keyBuf: StaticArray<u8> = new StaticArray<u8>(MAX_KEY_BYTES);
  private keyLen: i32 = 0;
  /** index of the wanted key whose value is being read, -1 when skipping */
  private target: i32 = -1;
  private depth: i32 = 0;
  private inStr: bool = false;
  private esc: bool = false;
  private cap: StaticArray<u8> = new StaticArray<u8>(256);
  private capLen: i32 = 0;
  private capOverflow: bool = false;
  private pinned: ArrayBuffer | null = null;

  /** the body is not a JSON object, or broke off */
  malformed: bool = false;
  /** a wanted value was longer than maxValueBytes and was dropped */
  truncated: bool = false;
  /** bytes seen */
  bytes: i64 = 0;

  constructor(keys: MemberKeys, maxValueBytes: i32 = 65536) {
    this.maxValueBytes = maxValueBytes;
    this.keys = keys.encoded;
    this.names = keys.names;
    for (let i = 0; i < keys.names.length; i++) this.values.push(null);
  }

  /** Forgets all state (reuse for another body). */
  reset(): void {
    this.state = S_START;
    this.keyLen = 0;
    this.target = -1;
    this.depth = 0;
    this.inStr = false;
    this.esc = false;
    this.capLen = 0;
    this.capOverflow = false;
    this.malformed = false;
    this.truncated = false;
    this.bytes = 0;
    for (let i = 0; i < this.values.length; i++) this.values[i] = null;
  }

  /** The top-level object ended. */
  get done(): bool {
    return this.state == S_DONE && !this.malformed;
  }

  push(chunk: ArrayBuffer): void {
    // Keep the chunk reachable: capturing allocates (GC) while it still reads from the pointer.
    this.pinned = chunk;
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** Feeds `len` bytes at `p`. The memory must stay reachable by the GC during the call (a raw
   *  pointer does not keep its ArrayBuffer alive): prefer push(). */
  pushBytes(p: usize, len: i32): void {
    this.bytes += len;
    let i = 0;
    // start of the captured span inside this chunk (-1: none)
    let spanStart: i32 = this.target >= 0 && this.state >= S_VSTR && this.state <= S_VSCALAR ? 0 : -1;
    while (i < len) {
      const st = this.state;
      if (st == S_DONE) return;
      const c = <u32>load<u8>(p + <usize>i);
      if (st == S_VSTR) {
        // Inside a top-level string value: jump to the next quote or backslash.
        if (this.esc) {
          this.esc = false;
          i++;
          continue;
        }
        i = findByte2(p, i, len, 0x22, 0x5c);
        if (i >= len) break;
        if (load<u8>(p + <usize>i) == 0x5c) {
          this.esc = true;
          i++;
          continue;
        }
        this.endValue(p, spanStart, i + 1);
        spanStart = -1;
        this.state = S_AFTER_VALUE;
        i++;
        continue;
      }
      if (st == S_VNEST) {
        // Walk the nested value in a tight loop until its depth returns to 0 or the chunk ends.
        let depth = this.depth;
        let inStr = this.inStr;
        let esc = this.esc;
        let closed = false;
        while (i < len) {
          if (inStr) {
            if (esc) {
              esc = false;
              i++;
              continue;
            }
            i = findByte2(p, i, len, 0x22, 0x5c);
            if (i >= len) break;
            if (load<u8>(p + <usize>i) == 0x5c) esc = true;
            else inStr = false;
            i++;
            continue;
          }
          const d = load<u8>(p + <usize>i);
          i++;
          if (d == 0x22) inStr = true;
          else if (d == 0x7b || d == 0x5b) depth++;
          else if (d == 0x7d || d == 0x5d) {
            depth--;
            if (depth == 0) {
              closed = true;
              break;
            }
          }
        }
        this.depth = depth;
        this.inStr = inStr;
        this.esc = esc;
        if (closed) {
          this.endValue(p, spanStart, i);
          spanStart = -1;
          this.state = S_AFTER_VALUE;
        }
        continue;
      }
      if (st == S_VSCALAR) {
        if (c == 0x2c || c == 0x7d || c == 0x5d || isWs(c)) {
          this.endValue(p, spanStart, i);
          spanStart = -1;
          this.state = S_AFTER_VALUE;
          continue; // the delimiter is handled in S_AFTER_VALUE
        }
        i++;
        continue;
      }
      if (st == S_KEY) {
        // Copy the key bytes up to the closing quote (or a backslash) in one step.
        const k = findByte2(p, i, len, 0x22, 0x5c);
        this.keyBytes(p + <usize>i, k - i);
        i = k;
        if (i >= len) break;
        this.state = load<u8>(p + <usize>i) == 0x22 ? S_COLON : S_KEY_ESC;
        i++;
        continue;
      }
      if (st == S_KEY_ESC) {
        this.keyLen = MAX_KEY_BYTES + 1; // escaped keys never match
        this.state = S_KEY;
        i++;
        continue;
      }
      if (isWs(c)) {
        i++;
        continue;
      }
      if (st == S_START) {
        if (c == 0x7b) this.state = S_KEY_OR_END;
        else this.fail();
      } else if (st == S_KEY_OR_END) {
        if (c == 0x22) {
          this.keyLen = 0;
          this.state = S_KEY;
        } else if (c == 0x7d) this.state = S_DONE;
        else this.fail();
      } else if (st == S_COLON) {
        if (c == 0x3a) this.state = S_VALUE_START;
        else this.fail();
      } else if (st == S_VALUE_START) {
        this.target = this.findKey();
        this.capLen = 0;
        this.capOverflow = false;
        spanStart = i;
        if (c == 0x22) {
          this.state = S_VSTR;
          this.esc = false;
        } else if (c == 0x7b || c == 0x5b) {
          this.state = S_VNEST;
          this.depth = 1;
          this.inStr = false;
          this.esc = false;
        } else if (c == 0x2c || c == 0x7d || c == 0x5d || c == 0x3a) {
          this.fail();
        } else {
          this.state = S_VSCALAR;
        }
      } else if (st == S_AFTER_VALUE) {
        if (c == 0x2c) this.state = S_KEY_OR_END;
        else if (c == 0x7d) this.state = S_DONE;
        else this.fail();
      }
      i++;
    }
    // The chunk ended inside a captured value: keep its bytes so far.
    if (spanStart >= 0 && this.target >= 0 && this.state >= S_VSTR && this.state <= S_VSCALAR) {
      this.appendCap(p + <usize>spanStart, len - spanStart);
    }
  }

  /** End of body: a top-level scalar value still open (`{"a":1` cut) is not taken. */
  finish(): void {
    if (this.state != S_DONE) this.malformed = true;
  }

  /** Number of wanted keys (for nameAt / valueAt). */
  get count(): i32 {
    return this.names.length;
  }

  nameAt(i: i32): string {
    return unchecked(this.names[i]);
  }

  /** The captured JSON text of key i, or null. */
  valueAt(i: i32): string | null {
    return unchecked(this.values[i]);
  }

  /** The captured JSON text of `key` (last occurrence), or null. */
  value(key: string): string | null {
    for (let i = 0; i < this.names.length; i++) {
      if (unchecked(this.names[i]) == key) return unchecked(this.values[i]);
    }
    return null;
  }

  /** The captured members as one JSON object text (`{}` when none). */
  document(): string {
    const parts = new Array<string>();
    for (let i = 0; i < this.names.length; i++) {
      const v = unchecked(this.values[i]);
      if (v === null) continue;
      parts.push('"' + unchecked(this.names[i]) + '":' + v);
    }
    return "{" + parts.join(",") + "}";
  }

  private fail(): void {
    this.malformed = true;
    this.state = S_DONE;
  }

  private keyBytes(src: usize, n: i32): void {
    const room = MAX_KEY_BYTES - this.keyLen;
    if (room > 0) memory.copy(changetype<usize>(this.keyBuf) + <usize>this.keyLen, src, <usize>(n < room ? n : room));
    this.keyLen += n;
  }

  private findKey(): i32 {
    const n = this.keyLen;
    if (n > MAX_KEY_BYTES || n == 0) return -1;
    const kb = changetype<usize>(this.keyBuf);
    const first = load<u8>(kb);
    const keys = this.keys;
    for (let k = 0, m = keys.length; k < m; k++) {
      const key = changetype<usize>(unchecked(keys[k]));
      if (changetype<ArrayBuffer>(key).byteLength != n || load<u8>(key) != first) continue;
      if (memory.compare(key, kb, <usize>n) == 0) return k;
    }
    return -1;
  }

  private appendCap(p: usize, n: i32): void {
    if (this.capOverflow || n <= 0) return;
    if (this.capLen + n > this.maxValueBytes) {
      this.capOverflow = true;
      this.truncated = true;
      return;
    }
    if (this.capLen + n > this.cap.length) {
      let cap = this.cap.length;
      while (cap < this.capLen + n) cap <<= 1;
      const nb = new StaticArray<u8>(cap);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.cap), <usize>this.capLen);
      this.cap = nb;
    }
    memory.copy(changetype<usize>(this.cap) + <usize>this.capLen, p, <usize>n);
    this.capLen += n;
  }

  private endValue(p: usize, spanStart: i32, end: i32): void {
    const t = this.target;
    this.target = -1;
    if (t < 0) return;
    if (spanStart >= 0) this.appendCap(p + <usize>spanStart, end - spanStart);
    if (this.capOverflow) return;
    this.values[t] = decodeUtf8(changetype<usize>(this.cap), this.capLen);
    this.capLen = 0;
  }
}
