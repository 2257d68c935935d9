// Token usage of one response, read while it passes (never held): SSE events go through the
// shared parser one by one (OpenAI final usage chunk, Anthropic message_start + message_delta,
// Gemini cumulative usageMetadata); a JSON body is copied (up to MAX_JSON_BYTES) and read at the
// end. Partial streams keep what was seen, so an aborted stream still charges its known usage.
import { SseParser } from "../shared/sse-parser";
import { UsageStream, Usage, usageFromBody } from "../shared/usage";
import { decodeUtf8 } from "../shared/swar";

/** Larger JSON bodies are not copied; their usage then counts as unknown (estimate kept). */
export const MAX_JSON_BYTES: i32 = 4 << 20;

export class ResponseUsage {
  sse: bool;
  bytes: i64 = 0;
  private parser: SseParser | null = null;
  private stream: UsageStream | null = null;
  private json: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  private jsonBytes: i32 = 0;
  private overflow: bool = false;
  private done: bool = false;
  private u: Usage = new Usage();

  constructor(sse: bool) {
    this.sse = sse;
    if (sse) {
      this.parser = new SseParser();
      this.stream = new UsageStream();
    }
  }

  push(chunk: ArrayBuffer): void {
    this.bytes += chunk.byteLength;
    if (this.sse) {
      const p = this.parser!;
      p.push(chunk);
      const st = this.stream!;
      for (let ev = p.next(); ev !== null; ev = p.next()) st.onEvent(ev);
      return;
    }
    if (this.overflow) return;
    if (this.jsonBytes + chunk.byteLength > MAX_JSON_BYTES) {
      this.overflow = true;
      this.json.length = 0;
      return;
    }
    this.json.push(chunk);
    this.jsonBytes += chunk.byteLength;
  }

  private settle(): void {
    if (this.done) return;
    this.done = true;
    if (this.sse) {
      const last = this.parser!.finish();
      const st = this.stream!;
      if (last !== null) st.onEvent(last);
      const s = st.usage;
      this.u.found = s.found;
      this.u.total = s.total > 0 ? s.total : s.input + s.output;
      return;
    }
    if (this.overflow || this.jsonBytes == 0) return;
    let all: ArrayBuffer;
    if (this.json.length == 1) {
      all = this.json[0]; // the usual single-chunk answer: no joining copy
    } else {
      all = new ArrayBuffer(this.jsonBytes);
      let off = 0;
      for (let i = 0; i < this.json.length; i++) {
        memory.copy(changetype<usize>(all) + <usize>off, changetype<usize>(this.json[i]), <usize>this.json[i].byteLength);
        off += this.json[i].byteLength;
      }
    }
    this.json.length = 0;
    usageFromBody(decodeUtf8(changetype<usize>(all), all.byteLength), this.u);
    if (this.u.total <= 0) this.u.total = this.u.input + this.u.output;
  }

  found(): bool {
    this.settle();
    return this.u.found;
  }

  total(): i64 {
    this.settle();
    return this.u.total;
  }
}
