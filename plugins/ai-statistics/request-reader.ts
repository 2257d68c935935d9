// Reads the request body as it streams past (every chunk continues at once): the requested model
// and the stream flag from the top-level members, plus a bounded copy when request_body attributes
// or the `question` built-in need the whole body. Pure.
import { JsonMemberCapture, MemberKeys } from "../shared/json-member-capture";
import { sliceString } from "../shared/json-scan";
import { BoundedCopy } from "./body-copy";
import { BodySink } from "./body-bytes";

const REQUEST_KEYS = new MemberKeys(["model", "stream"]);

export class RequestReader extends BodySink {
  private capture: JsonMemberCapture = new JsonMemberCapture(REQUEST_KEYS, 1024);
  copy: BoundedCopy | null = null;
  bytes: i64 = 0;
  private pinned: ArrayBuffer | null = null;
  model: string = "";
  stream: bool = false;

  constructor(keepCopy: bool, maxCopyBytes: i32) {
    super();
    if (keepCopy) this.copy = new BoundedCopy(maxCopyBytes);
  }

  /** Starts on a new request (the capture, bounded to 1 KiB values, is reused). */
  reset(keepCopy: bool, maxCopyBytes: i32): void {
    this.capture.reset();
    this.copy = keepCopy ? new BoundedCopy(maxCopyBytes) : null;
    this.bytes = 0;
    this.model = "";
    this.stream = false;
  }

  push(chunk: ArrayBuffer): void {
    this.pinned = chunk; // reachable while read (the GC sees no locals)
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** n body bytes at p (valid during the call). */
  pushBytes(p: usize, n: i32): void {
    this.bytes += n;
    this.capture.pushBytes(p, n);
    const c = this.copy;
    if (c !== null) c.pushBytes(p, n);
  }

  finish(): void {
    const m = this.capture.value("model");
    if (m !== null) {
      const s = sliceString(m, 0, m.length);
      if (s !== null) this.model = s;
    }
    const st = this.capture.value("stream");
    this.stream = st !== null && st == "true";
  }

  /** The whole body (null: not kept or too large). */
  body(): string | null {
    const c = this.copy;
    return c === null ? null : c.text();
  }
}
