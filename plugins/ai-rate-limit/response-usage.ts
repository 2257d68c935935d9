// Token usage of one response, read while it passes (never held): SSE events go through the
// shared parser one by one (OpenAI final usage chunk, Anthropic message_start + message_delta,
// Gemini cumulative usageMetadata); a JSON body is copied (up to MAX_JSON_BYTES) and read at the
// end. Partial streams keep what was seen, so an aborted stream still charges its known usage.
import { SseParser } from "../shared/sse-parser";
import { UsageStream, Usage, usageFromBody } from "../shared/usage";

/** Larger JSON bodies are not copied; their usage then counts as unknown (estimate kept). */
export const MAX_JSON_BYTES: i32 = 4 << 20;

export class ResponseUsage {
  sse: bool;
  bytes: i64 = 0;
  private parser: SseParser | null = null;
  private stream: UsageStream = new UsageStream();
  private json: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  private jsonBytes: i32 = 0;
  private overflow: bool = false;
  private done: bool = false;
  private u: Usage = new Usage();

  constructor(sse: bool) {
    this.sse = sse;
    if (sse) this.parser = new SseParser();
  }

  push(chunk: ArrayBuffer): void {
    this.bytes += chunk.byteLength;
    if (this.sse) {
      const p = this.parser!;
      p.push(chunk);
      for (let ev = p.next(); ev !== null; ev = p.next()) this.stream.onEvent(ev);
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
      if (last !== null) this.stream.onEvent(last);
      const s = this.stream.usage;
      this.u.found = s.found;
      this.u.total = s.total > 0 ? s.total : s.input + s.output;
      return;
    }
    if (this.overflow || this.jsonBytes == 0) return;
    const all = new Uint8Array(this.jsonBytes);
    let off = 0;
    for (let i = 0; i < this.json.length; i++) {
      all.set(Uint8Array.wrap(this.json[i]), off);
      off += this.json[i].byteLength;
    }
    this.json.length = 0;
    usageFromBody(String.UTF8.decode(all.buffer), this.u);
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
