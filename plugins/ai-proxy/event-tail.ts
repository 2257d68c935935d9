// Holds back the incomplete last event of a passed-through SSE stream, so the client only ever
// gets whole events and a cut stream can be ended cleanly (the half event dropped, an error event
// sent). An event ends at a blank line: a line end (CRLF, LF or CR) right after another line end.
//   chunk 1  "data: {...}\n\ndata: {\"id\":\"a\",\"ch"   -> send "data: {...}\n\n", hold the rest
//   chunk 2  "oices\":[]}\n\n"                           -> send held + chunk 2, hold nothing
// Everything complete passes byte for byte (a chunk that ends on an event boundary with nothing
// held passes as is). Memory is bounded: an incomplete event longer than `limit` bytes is sent
// on as it comes (flushedPartial) rather than held. Pure: no host calls.
import { findByte2 } from "../shared/swar";

const LF: u8 = 0x0a;
const CR: u8 = 0x0d;

const EMPTY = new ArrayBuffer(0);

export class EventTail {
  private held: ArrayBuffer = EMPTY;
  /** the last byte seen ended a line (stream start counts as one) */
  private atLineStart: bool = true;
  /** the last byte seen was a CR: an LF right after it belongs to the same line end */
  private lastCR: bool = false;
  /** the last byte seen ended an event */
  private boundaryAtPrev: bool = false;
  /** the incomplete event outgrew the limit and its bytes so far were sent */
  flushedPartial: bool = false;

  /** Bytes held (the incomplete event). */
  get heldBytes(): i32 {
    return this.held.byteLength;
  }

  /** Feeds one chunk. Returns null to send the chunk unchanged, or the bytes to send instead
   *  (the held bytes and the chunk up to its last event boundary; possibly empty). */
  push(chunk: ArrayBuffer, limit: i32): ArrayBuffer | null {
    const n = chunk.byteLength;
    if (n == 0) return null;
    const cut = this.lastBoundary(chunk);
    const heldLen = this.held.byteLength;
    if (this.flushedPartial) {
      // The oversized event goes on as it comes; holding resumes after its end.
      if (cut < 0) return null;
      this.flushedPartial = false;
      return this.split(chunk, cut);
    }
    if (cut == n && heldLen == 0) return null;
    if (cut < 0 && heldLen + n > limit) {
      // Too long to hold: send it on (the end of stream adds a blank line if it stays cut).
      const all = join(this.held, 0, heldLen, chunk, 0, n);
      this.held = EMPTY;
      this.flushedPartial = true;
      return all;
    }
    if (cut < 0) {
      this.held = join(this.held, 0, heldLen, chunk, 0, n);
      return EMPTY;
    }
    return this.split(chunk, cut);
  }

  /** Takes the held bytes (end of stream: passed on as they are). */
  take(): ArrayBuffer {
    const h = this.held;
    this.held = EMPTY;
    return h;
  }

  /** Forgets the held bytes (end of a cut stream: the half event is not sent). */
  drop(): void {
    this.held = EMPTY;
  }

  /** Sends held + chunk[0, cut), holds chunk[cut, n). */
  private split(chunk: ArrayBuffer, cut: i32): ArrayBuffer {
    const out = join(this.held, 0, this.held.byteLength, chunk, 0, cut);
    this.held = cut < chunk.byteLength ? chunk.slice(cut) : EMPTY;
    return out;
  }

  /** Index after the last event boundary in the chunk, or -1. Line ends are found 8 bytes per
   *  step; the state carries across chunks (a CR LF may be split between two). */
  private lastBoundary(chunk: ArrayBuffer): i32 {
    const p = changetype<usize>(chunk);
    const n = chunk.byteLength;
    let last = -1;
    let i = 0;
    while (i < n) {
      const c = load<u8>(p + <usize>i);
      if (c != LF && c != CR) {
        this.atLineStart = false;
        this.lastCR = false;
        this.boundaryAtPrev = false;
        i = findByte2(p, i + 1, n, LF, CR);
        continue;
      }
      if (c == LF && this.lastCR) {
        // The LF of a CR LF: part of the line end just seen.
        this.lastCR = false;
        if (this.boundaryAtPrev) last = i + 1;
        i++;
        continue;
      }
      if (this.atLineStart) {
        last = i + 1;
        this.boundaryAtPrev = true;
      } else this.boundaryAtPrev = false;
      this.atLineStart = true;
      this.lastCR = c == CR;
      i++;
    }
    return last;
  }
}

function join(a: ArrayBuffer, aFrom: i32, aTo: i32, b: ArrayBuffer, bFrom: i32, bTo: i32): ArrayBuffer {
  const la = aTo - aFrom;
  const lb = bTo - bFrom;
  const out = new ArrayBuffer(la + lb);
  memory.copy(changetype<usize>(out), changetype<usize>(a) + <usize>aFrom, <usize>la);
  memory.copy(changetype<usize>(out) + <usize>la, changetype<usize>(b) + <usize>bFrom, <usize>lb);
  return out;
}
