// Server-Sent Events parser over body BYTES, per the WHATWG event-stream rules:
//
//   event: message_delta\r\n          <- field "event"
//   data: {"type":"message_delta"}\n  <- field "data" (one leading space dropped)
//   : comment                          <- ignored
//   \n                                 <- blank line: dispatch the event
//
// Lines end in CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the next are
// one line end). Chunks may split anywhere, including inside a UTF-8 sequence: bytes are decoded
// only once a whole line is present. Memory is bounded: only the incomplete tail is kept, and a line
// longer than `maxLineBytes` is dropped (with its event) and counted in `droppedEvents`.
// Each byte is examined once: the line-end search resumes where the previous one stopped.
//
// Hot loops are word-at-a-time (swar.ts): line ends are found 8 bytes per step, ASCII lines are
// widened without the general UTF-8 decoder.
//
// Usage: push(chunk) then call next() until it returns null; at end of stream call finish() until
// it returns null (it also yields a last event that lacks its blank line).

import { findByte2, decodeUtf8 } from "./swar";

export class SseEvent {
  /** `event:` field, "" when absent (the spec's default type is "message") */
  event: string = "";
  /** `data:` lines joined by "\n" */
  data: string = "";
  /** `id:` field set within this event, "" when absent */
  id: string = "";
}

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;

export const DEFAULT_MAX_LINE_BYTES: i32 = 4 << 20;

export class SseParser {
  private buf: StaticArray<u8>;
  /** first byte of the current (incomplete) line */
  private start: i32 = 0;
  /** where the line-end search resumes */
  private scan: i32 = 0;
  /** bytes held */
  private end: i32 = 0;
  /** the previous line ended in CR: drop one LF that follows */
  private skipLf: bool = false;
  private atStreamStart: bool = true;
  private ended: bool = false;
  /** the current line is too long: drop bytes until its end */
  private discarding: bool = false;
  /** the event being built lost a line: drop it at dispatch */
  private broken: bool = false;

  private eventType: string = "";
  private data: string = "";
  private hasData: bool = false;
  private eventId: string = "";
  private pinned: ArrayBuffer | null = null;

  readonly maxLineBytes: i32;
  /** events dropped because a line exceeded maxLineBytes */
  droppedEvents: i32 = 0;

  constructor(maxLineBytes: i32 = DEFAULT_MAX_LINE_BYTES, initialCapacity: i32 = 1024) {
    this.maxLineBytes = maxLineBytes;
    this.buf = new StaticArray<u8>(initialCapacity);
  }

  /** Bytes currently held (the incomplete tail). */
  get pendingBytes(): i32 {
    return this.end - this.start;
  }

  /** Appends a chunk of the body. */
  push(chunk: ArrayBuffer): void {
    // Keep the chunk reachable: pushBytes may allocate (GC) before it copies from the pointer.
    this.pinned = chunk;
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** Appends `len` bytes at `ptr`. The memory must stay reachable by the GC during the call (a
   *  raw pointer does not keep its ArrayBuffer alive): prefer push(). */
  pushBytes(ptr: usize, len: i32): void {
    if (len <= 0) return;
    if (this.start == this.end) {
      this.start = 0;
      this.scan = 0;
      this.end = 0;
    }
    const need = this.end + len;
    if (need > this.buf.length) {
      const held = this.end - this.start;
      if (held + len <= this.buf.length && this.start > 0) {
        // Slide the tail to the front.
        memory.copy(changetype<usize>(this.buf), changetype<usize>(this.buf) + <usize>this.start, <usize>held);
      } else {
        let cap = this.buf.length;
        while (cap < held + len) cap <<= 1;
        const nb = new StaticArray<u8>(cap);
        memory.copy(changetype<usize>(nb), changetype<usize>(this.buf) + <usize>this.start, <usize>held);
        this.buf = nb;
      }
      this.scan -= this.start;
      this.start = 0;
      this.end = held;
    }
    memory.copy(changetype<usize>(this.buf) + <usize>this.end, ptr, <usize>len);
    this.end += len;
  }

  /** The next complete event, or null when more bytes are needed. */
  next(): SseEvent | null {
    const base = changetype<usize>(this.buf);
    while (true) {
      if (this.skipLf && this.start < this.end) {
        if (load<u8>(base + <usize>this.start) == LF) this.start++;
        this.skipLf = false;
        if (this.scan < this.start) this.scan = this.start;
      }
      if (this.atStreamStart) {
        // A UTF-8 BOM may open the stream.
        if (this.end - this.start < 3 && !this.ended) {
          if (this.end == this.start || isBomPrefix(base + <usize>this.start, this.end - this.start)) return null;
        }
        if (this.end - this.start >= 3 && isBomPrefix(base + <usize>this.start, 3)) {
          this.start += 3;
          this.scan = this.start;
        }
        this.atStreamStart = false;
      }
      // Find the end of the current line.
      const end = this.end;
      const i = findByte2(base, this.scan, end, LF, CR);
      if (i >= end) {
        this.scan = end;
        if (this.discarding || this.end - this.start > this.maxLineBytes) {
          // Too long: forget it, keep dropping until its line end.
          this.discarding = true;
          this.broken = true;
          this.start = this.end;
          this.scan = this.end;
        }
        if (!this.ended) return null;
        // End of stream: the rest is a last line, then a last dispatch.
        if (this.start < this.end) {
          this.takeLine(base + <usize>this.start, this.end - this.start);
          this.start = this.end;
          this.scan = this.end;
        }
        return this.dispatch();
      }
      const lineStart = this.start;
      const lineLen = i - lineStart;
      this.skipLf = load<u8>(base + <usize>i) == CR;
      this.start = i + 1;
      this.scan = this.start;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (lineLen == 0) {
        const ev = this.dispatch();
        if (ev !== null) return ev;
        continue;
      }
      this.takeLine(base + <usize>lineStart, lineLen);
    }
    return null;
  }

  /** Marks the end of the body; then returns the remaining events one by one (null when done). */
  finish(): SseEvent | null {
    this.ended = true;
    return this.next();
  }

  /** Drops all state (for reuse on another stream). */
  reset(): void {
    this.start = 0;
    this.scan = 0;
    this.end = 0;
    this.skipLf = false;
    this.atStreamStart = true;
    this.ended = false;
    this.discarding = false;
    this.broken = false;
    this.eventType = "";
    this.data = "";
    this.hasData = false;
    this.eventId = "";
    this.droppedEvents = 0;
  }

  private takeLine(p: usize, len: i32): void {
    const first = load<u8>(p);
    if (first == 0x3a) return; // ":" comment
    let colon = 0;
    while (colon < len && load<u8>(p + <usize>colon) != 0x3a) colon++;
    let vp = p + <usize>colon;
    let vlen = 0;
    if (colon < len) {
      vp = p + <usize>(colon + 1);
      vlen = len - colon - 1;
      if (vlen > 0 && load<u8>(vp) == 0x20) {
        vp++;
        vlen--;
      }
    }
    if (colon == 4 && fieldIs(p, 0x64617461)) {
      // "data"
      const v = decodeUtf8(vp, vlen);
      if (this.hasData) this.data = this.data + "\n" + v;
      else this.data = v;
      this.hasData = true;
    } else if (colon == 5 && fieldIs(p, 0x6576656e) && load<u8>(p + 4) == 0x74) {
      // "event"
      this.eventType = decodeUtf8(vp, vlen);
    } else if (colon == 2 && load<u8>(p) == 0x69 && load<u8>(p + 1) == 0x64) {
      // "id" (a value holding NUL is ignored, per the spec)
      for (let k = 0; k < vlen; k++) if (load<u8>(vp + <usize>k) == 0) return;
      this.eventId = decodeUtf8(vp, vlen);
    }
    // "retry" and unknown fields are ignored.
  }

  private dispatch(): SseEvent | null {
    const broken = this.broken;
    const hasData = this.hasData;
    this.broken = false;
    if (!hasData || broken) {
      if (broken) this.droppedEvents++;
      this.eventType = "";
      this.eventId = "";
      this.data = "";
      this.hasData = false;
      return null;
    }
    const ev = new SseEvent();
    ev.event = this.eventType;
    ev.data = this.data;
    ev.id = this.eventId;
    this.eventType = "";
    this.eventId = "";
    this.data = "";
    this.hasData = false;
    return ev;
  }
}

/** The first 4 bytes at p spell `word` (big-endian letters, e.g. 0x64617461 = "data"). */
@inline function fieldIs(p: usize, word: u32): bool {
  return bswap<u32>(load<u32>(p)) == word;
}

function isBomPrefix(p: usize, n: i32): bool {
  if (n >= 1 && load<u8>(p) != 0xef) return false;
  if (n >= 2 && load<u8>(p + 1) != 0xbb) return false;
  if (n >= 3 && load<u8>(p + 2) != 0xbf) return false;
  return true;
}
