// Relays one streamed (SSE) response to the client, chunk by chunk, never holding more than the
// incomplete tail of an event (shared SseParser):
//   same protocol  the bytes pass untouched up to the end of the last complete event; the
//                  incomplete event is held back until its blank line arrives (EventTail), so a
//                  cut stream never leaves the client a half event. Events are only watched for
//                  the end marker (`data: [DONE]`, Anthropic `message_stop`) and upstream errors;
//   converted      each upstream event goes through the converter and the chunk is replaced.
// If the upstream ends without its end marker and without an error event, the incomplete event is
// dropped and the client gets an error event instead of a clean end. The client-facing output can
// be captured (bounded) for the degrade cache. Pure: no host calls.
import { Protocol } from "./api";
import { SseParser, SseEvent } from "../shared/sse-parser";
import { Converter, ConvertOptions, RequestResult, StreamState } from "./converters/converter";
import { OutBuf } from "./converters/out-buf";
import { clientErrorEvent } from "./client-error";
import { EventTail } from "./event-tail";
import { ReasoningMode, ReasoningStream, editReasoningChunk } from "./reasoning-content";

export const TRUNCATED_MESSAGE = "upstream stream ended before completion";

export class StreamRelay {
  parser: SseParser = new SseParser();
  /** same protocol: the bytes of the incomplete event, held back */
  tail: EventTail = new EventTail();
  out: OutBuf = new OutBuf(512);
  conv: Converter | null;
  state: StreamState | null = null;
  /** the upstream's end marker was seen */
  completed: bool = false;
  /** an error event was seen (passed on, or written by the converter) */
  failed: bool = false;
  /** events relayed */
  events: i32 = 0;
  /** captured client-facing bytes, null when capture is off or over the limit */
  capture: Array<ArrayBuffer> | null = null;
  captured: i32 = 0;
  captureLimit: i32 = 0;
  /** the stream's first event was an error with its headers held (headerHold): the failed body
   *  is kept in Envoy's buffer (StopIterationAndBuffer) until the answer replaces it */
  heldFailure: bool = false;
  /** ... and the failed body's last chunk was seen */
  heldFailureEnded: bool = false;
  /** same protocol, reasoningContentMode ignore/concat: events are rewritten, not passed as bytes */
  reasoning: ReasoningMode = ReasoningMode.Passthrough;
  reasoningState: ReasoningStream = new ReasoningStream();

  constructor(public client: Protocol, public upstream: Protocol, conv: Converter | null, req: RequestResult | null, opts: ConvertOptions | null) {
    this.conv = conv;
    if (conv !== null) this.state = conv.newStream(req!, opts!);
  }

  startCapture(limit: i32): void {
    this.capture = new Array<ArrayBuffer>();
    this.captureLimit = limit;
  }

  /** Rewrites `reasoning_content` in the chunks of a same-protocol OpenAI chat stream. */
  editReasoning(mode: ReasoningMode): void {
    if (this.conv === null) this.reasoning = mode;
  }

  /** Feeds one upstream chunk. Returns the bytes to send instead (converted, or the complete
   *  events only when an incomplete one is held back), or null to send the chunk unchanged. */
  push(chunk: ArrayBuffer): ArrayBuffer | null {
    this.parser.push(chunk);
    if (this.conv === null && this.reasoning != ReasoningMode.Passthrough) {
      // Whole events only (the parser keeps an incomplete one), each rewritten.
      this.out.reset();
      let ev = this.parser.next();
      while (ev !== null) {
        this.watch(ev);
        this.writeEdited(ev);
        ev = this.parser.next();
      }
      const bytes = this.out.toUtf8();
      this.keep(bytes);
      return bytes;
    }
    if (this.conv === null) {
      let ev = this.parser.next();
      while (ev !== null) {
        this.watch(ev);
        ev = this.parser.next();
      }
      const ready = this.tail.push(chunk, this.parser.maxLineBytes);
      this.keep(ready === null ? chunk : ready!);
      return ready;
    }
    this.out.reset();
    let ev = this.parser.next();
    while (ev !== null) {
      this.convertEvent(ev);
      ev = this.parser.next();
    }
    const bytes = this.out.toUtf8();
    this.keep(bytes);
    return bytes;
  }

  /** End of the upstream stream: the bytes to append (possibly empty). */
  finish(): ArrayBuffer {
    this.out.reset();
    // Same protocol: a last event without its blank line is still held (tail); it is watched
    // here, then passed on unchanged unless the stream was cut (below).
    let ev = this.parser.finish();
    while (ev !== null) {
      if (this.conv === null) {
        this.watch(ev);
        if (this.reasoning != ReasoningMode.Passthrough) this.writeEdited(ev);
      } else this.convertEvent(ev);
      ev = this.parser.finish();
    }
    if (this.conv !== null) {
      const st = this.state!;
      this.conv!.streamEnd(st, this.out);
      this.completed = st.done && !st.failed;
      this.failed = st.failed;
    } else if (!this.completed && !this.failed && this.upstream != Protocol.Gemini) {
      // Gemini streams have no end marker: their end cannot be told from a cut.
      // Cut: the incomplete event is dropped (a client would parse its truncated JSON first);
      // only when it outgrew the hold limit were its bytes already sent, and a blank line ends it.
      this.tail.drop();
      if (this.tail.flushedPartial) this.out.str("\n\n");
      this.out.str(clientErrorEvent(this.client, 502, TRUNCATED_MESSAGE, "stream_truncated"));
      this.failed = true;
    }
    if (this.conv === null) {
      const held = this.tail.take();
      if (held.byteLength > 0) {
        // Ended cleanly (or by an upstream error) without a last blank line: bytes as they came.
        const rest = this.out.toUtf8();
        const bytes = new ArrayBuffer(held.byteLength + rest.byteLength);
        memory.copy(changetype<usize>(bytes), changetype<usize>(held), held.byteLength);
        memory.copy(changetype<usize>(bytes) + <usize>held.byteLength, changetype<usize>(rest), rest.byteLength);
        this.keep(bytes);
        return bytes;
      }
    }
    const bytes = this.out.toUtf8();
    this.keep(bytes);
    return bytes;
  }

  /** True when the stream finished cleanly (cacheable). */
  get clean(): bool {
    return !this.failed && (this.completed || (this.conv === null && this.upstream == Protocol.Gemini));
  }

  private convertEvent(ev: SseEvent): void {
    this.events++;
    this.conv!.streamEvent(this.state!, ev.event, ev.data, this.out);
    const st = this.state!;
    if (st.failed) this.failed = true;
  }

  private watch(ev: SseEvent): void {
    this.events++;
    if (isEndMarker(ev)) this.completed = true;
    else if (isErrorEvent(ev)) this.failed = true;
  }

  /** One event written back as SSE, its data edited for reasoningContentMode. */
  private writeEdited(ev: SseEvent): void {
    const o = this.out;
    if (ev.id.length > 0) o.str("id: ").str(ev.id).ch(0x0a);
    if (ev.event.length > 0) o.str("event: ").str(ev.event).ch(0x0a);
    const edited = editReasoningChunk(ev.data, this.reasoning, this.reasoningState);
    const data = edited === null ? ev.data : edited!;
    const lines = data.split("\n");
    for (let i = 0; i < lines.length; i++) o.str("data: ").str(lines[i]).ch(0x0a);
    o.ch(0x0a);
  }

  private keep(bytes: ArrayBuffer): void {
    if (this.capture === null) return;
    if (this.captured + bytes.byteLength > this.captureLimit) {
      this.capture = null;
      return;
    }
    this.capture!.push(bytes);
    this.captured += bytes.byteLength;
  }

  /** The captured output as one buffer (null when not captured). */
  captureBytes(): ArrayBuffer | null {
    if (this.capture === null) return null;
    const parts = this.capture!;
    const out = new ArrayBuffer(this.captured);
    let at: usize = 0;
    for (let i = 0; i < parts.length; i++) {
      memory.copy(changetype<usize>(out) + at, changetype<usize>(parts[i]), parts[i].byteLength);
      at += <usize>parts[i].byteLength;
    }
    return out;
  }
}

/** `data: [DONE]` (OpenAI) or `event: message_stop` (Anthropic). */
export function isEndMarker(ev: SseEvent): bool {
  return ev.data == "[DONE]" || ev.event == "message_stop";
}

/** Anthropic `event: error`, or a data object whose first member is "error" (OpenAI, Gemini). */
export function isErrorEvent(ev: SseEvent): bool {
  if (ev.event == "error") return true;
  const d = ev.data;
  let i = 0;
  while (i < d.length && (d.charCodeAt(i) == 0x20 || d.charCodeAt(i) == 0x0a || d.charCodeAt(i) == 0x0d || d.charCodeAt(i) == 0x09)) i++;
  if (i >= d.length || d.charCodeAt(i) != 0x7b) return false;
  i++;
  while (i < d.length && (d.charCodeAt(i) == 0x20 || d.charCodeAt(i) == 0x0a || d.charCodeAt(i) == 0x0d || d.charCodeAt(i) == 0x09)) i++;
  return d.startsWith('"error"', i);
}
