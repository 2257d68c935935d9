// Cuts an SSE body into whole events (up to and including the blank line that ends each) without
// decoding them, and hands only the events that matter (stream-markers.ts) to the SSE parser, so a
// text delta costs a line-end search and a quote scan over its bytes: no string, no event object.
// Line ends are CRLF, LF or CR (a CR at the end of the bytes held waits for the next byte, so a
// CRLF is never split between two events). The parser sees whole events only, in order, and keeps
// its own rules (BOM, comments, multi-line data, line limit). An event longer than PASS_BYTES goes
// to the parser as it arrives, so the bytes held here stay bounded. Pure.
import { SseParser, SseEvent } from "../shared/sse-parser";
import { findByte2 } from "../shared/swar";
import { eventBytesMatter } from "./stream-markers";

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;
/** An event growing past this is passed on unfiltered as it arrives. */
const PASS_BYTES: i32 = 16 << 10;

export class SseEventFilter {
  readonly parser: SseParser = new SseParser();
  private buf: StaticArray<u8> = new StaticArray<u8>(1024);
  /** first byte of the current event */
  private start: i32 = 0;
  /** first byte of the current line */
  private line: i32 = 0;
  /** bytes held */
  private end: i32 = 0;
  /** the current event is being passed to the parser as it arrives (too long to hold) */
  private passing: bool = false;
  private ended: bool = false;
  private pinned: ArrayBuffer | null = null;
  private drained: bool = false;
  /** the current line began before `line` (its first bytes were passed on already) */
  private midLine: bool = false;
  /** when true, every event is handed on (the reader still needs the id and model) */
  passAll: bool = true;
  /** events handed to the parser / skipped (tests, benches) */
  handed: i32 = 0;
  skipped: i32 = 0;

  reset(): void {
    this.parser.reset();
    this.start = 0;
    this.line = 0;
    this.end = 0;
    this.passing = false;
    this.ended = false;
    this.drained = false;
    this.midLine = false;
    this.passAll = true;
    this.handed = 0;
    this.skipped = 0;
  }

  push(chunk: ArrayBuffer): void {
    this.pinned = chunk; // reachable while read (compact may allocate; the GC sees no locals)
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** Appends n bytes at p (memory the GC does not free during the call). */
  pushBytes(p: usize, n: i32): void {
    if (n <= 0) return;
    this.compact(n);
    memory.copy(changetype<usize>(this.buf) + <usize>this.end, p, <usize>n);
    this.end += n;
  }

  /** The next event that matters (parsed), or null when more bytes are needed. */
  next(): SseEvent | null {
    const p = this.parser;
    let ev = p.next();
    while (ev === null) {
      if (!this.cut()) return null;
      ev = p.next();
    }
    return ev;
  }

  /** End of the body: the rest goes to the parser; then its remaining events one by one. */
  finish(): SseEvent | null {
    this.ended = true;
    if (!this.drained) {
      let ev = this.parser.next();
      while (ev === null && this.cut()) ev = this.parser.next();
      if (ev !== null) return ev;
      if (this.start < this.end) this.hand(this.start, this.end - this.start);
      this.start = this.line = this.end;
      this.drained = true;
    }
    return this.parser.finish();
  }

  /** Finds the next whole event and hands it on or skips it; false when none is complete. */
  private cut(): bool {
    const base = changetype<usize>(this.buf);
    const end = this.end;
    let i = this.line;
    while (true) {
      i = findByte2(base, i, end, LF, CR);
      if (i >= end) break;
      let next = i + 1;
      if (load<u8>(base + <usize>i) == CR) {
        if (next >= end && !this.ended) break; // CR LF may be split: wait
        if (next < end && load<u8>(base + <usize>next) == LF) next++;
      }
      const empty = i == this.line && !this.midLine;
      this.midLine = false;
      this.line = next;
      i = next;
      if (!empty) continue;
      // A blank line: the event is [start, next).
      const s = this.start;
      this.start = next;
      if (this.passing) {
        this.passing = false;
        this.hand(s, next - s);
      } else if (this.passAll || eventBytesMatter(base + <usize>s, next - s)) this.hand(s, next - s);
      else this.skipped++;
      return true;
    }
    // No whole event yet: a long one goes on as it arrives (all but a last CR, which may be the
    // first half of a CRLF), so what is held stays bounded.
    if (this.passing || end - this.start > PASS_BYTES) {
      let upto = end;
      if (upto > this.start && load<u8>(base + <usize>(upto - 1)) == CR) upto--;
      if (upto > this.start) {
        this.parser.pushBytes(base + <usize>this.start, upto - this.start);
        if (upto > this.line) this.midLine = true; // the current line began in what was passed
        this.start = upto;
        this.line = upto;
      }
      this.passing = true;
    }
    return false;
  }

  private hand(from: i32, len: i32): void {
    this.handed++;
    this.parser.pushBytes(changetype<usize>(this.buf) + <usize>from, len);
  }

  /** Room for n more bytes: drops what was handed on or skipped, grows only for a held event. */
  private compact(n: i32): void {
    const held = this.end - this.start;
    if (this.end + n <= this.buf.length) return;
    if (held + n <= this.buf.length) {
      memory.copy(changetype<usize>(this.buf), changetype<usize>(this.buf) + <usize>this.start, <usize>held);
    } else {
      let cap = this.buf.length;
      while (cap < held + n) cap <<= 1;
      const nb = new StaticArray<u8>(cap);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.buf) + <usize>this.start, <usize>held);
      this.buf = nb;
    }
    this.line -= this.start;
    this.end = held;
    this.start = 0;
  }
}
