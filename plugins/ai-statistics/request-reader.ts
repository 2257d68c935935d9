// Reads the request body as it streams past (every chunk continues at once): the requested model
// from the top-level `model` member, plus a bounded copy when request_body attributes or the
// `question` built-in need the whole body. The first top-level `model` counts (as Higress's gjson
// reads it): once it is captured the rest of the body is not scanned, and the body is fed in
// slices so a large one-chunk body stops being scanned soon after its `model`. Pure.
import { JsonMemberCapture, MemberKeys } from "../shared/json-member-capture";
import { sliceString } from "../shared/json-scan";
import { BoundedCopy } from "./body-copy";
import { BodySink } from "./body-bytes";

const REQUEST_KEYS = new MemberKeys(["model"]);
/** Bytes scanned between two looks at whether `model` was captured. */
const SLICE: i32 = 512;

export class RequestReader extends BodySink {
  private capture: JsonMemberCapture = new JsonMemberCapture(REQUEST_KEYS, 1024);
  /** `model` was captured (or the body cannot hold one any more): the capture is not fed */
  private scanned: bool = false;
  copy: BoundedCopy | null = null;
  bytes: i64 = 0;
  private pinned: ArrayBuffer | null = null;
  model: string = "";

  constructor(keepCopy: bool, maxCopyBytes: i32) {
    super();
    if (keepCopy) this.copy = new BoundedCopy(maxCopyBytes);
  }

  /** Starts on a new request (the capture, bounded to 1 KiB values, is reused). */
  reset(keepCopy: bool, maxCopyBytes: i32): void {
    this.capture.reset();
    this.scanned = false;
    this.copy = keepCopy ? new BoundedCopy(maxCopyBytes) : null;
    this.bytes = 0;
    this.model = "";
  }

  push(chunk: ArrayBuffer): void {
    this.pinned = chunk; // reachable while read (the GC sees no locals)
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** n body bytes at p (valid during the call). */
  pushBytes(p: usize, n: i32): void {
    this.bytes += n;
    const c = this.copy;
    if (c !== null) c.pushBytes(p, n);
    if (this.scanned) return;
    const cap = this.capture;
    for (let off = 0; off < n; off += SLICE) {
      cap.pushBytes(p + <usize>off, min(SLICE, n - off));
      if (cap.valueAt(0) !== null || cap.malformed || cap.done) {
        this.scanned = true;
        return;
      }
    }
  }

  finish(): void {
    const m = this.capture.valueAt(0);
    if (m !== null) {
      const s = sliceString(m, 0, m.length);
      if (s !== null) this.model = s;
    }
  }

  /** The whole body (null: not kept or too large). */
  body(): string | null {
    const c = this.copy;
    return c === null ? null : c.text();
  }
}
