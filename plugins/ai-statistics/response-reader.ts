// Reads the response body as it streams past, never holding it: SSE bodies go through the byte
// parser event by event (usage, id, completion, streamed attributes); other bodies through the
// top-level member capture (usage, model, id, error), plus a bounded copy only when response_body
// attributes need one. Pure.
import { SseParser, SseEvent } from "../shared/sse-parser";
import { JsonMemberCapture, MemberKeys } from "../shared/json-member-capture";
import { UsageStream } from "../shared/usage";
import { BoundedCopy } from "./body-copy";
import { StatsConfig } from "./config";
import { AttributeValues } from "./attribute-values";
import { Source, Builtin, Rule } from "./attribute-config";
import { BuiltinPaths } from "./builtin-attributes";

/** Members of a whole JSON response that matter here. */
const CAPTURE_KEYS = new MemberKeys(["id", "model", "modelVersion", "responseId", "usage", "usageMetadata", "error", "type", "response"]);
/** With estimates on, the generated text is needed too. */
const CAPTURE_KEYS_WITH_TEXT = new MemberKeys(["id", "model", "modelVersion", "responseId", "usage", "usageMetadata", "error", "type", "response", "choices", "candidates"]);

export class ResponseReader {
  tracker: UsageStream = new UsageStream();
  private sse: SseParser | null = null;
  private capture: JsonMemberCapture | null = null;
  private copy: BoundedCopy | null = null;
  bytes: i64 = 0;

  constructor(public stream: bool, private cfg: StatsConfig, private values: AttributeValues, private builtins: BuiltinPaths | null) {
    this.tracker.countText = cfg.estimateUsage;
    if (stream) {
      this.sse = new SseParser();
    } else {
      this.capture = new JsonMemberCapture(cfg.estimateUsage ? CAPTURE_KEYS_WITH_TEXT : CAPTURE_KEYS, 1 << 20);
      if (cfg.needResponseBody) this.copy = new BoundedCopy(cfg.maxBodyBytes);
    }
  }

  push(chunk: ArrayBuffer): void {
    this.bytes += chunk.byteLength;
    const sse = this.sse;
    if (sse !== null) {
      sse.push(chunk);
      let ev = sse.next();
      while (ev !== null) {
        this.onEvent(ev);
        ev = sse.next();
      }
      return;
    }
    this.capture!.push(chunk);
    const c = this.copy;
    if (c !== null) c.push(chunk);
  }

  /** End of the body. */
  finish(): void {
    const sse = this.sse;
    if (sse !== null) {
      let ev = sse.finish();
      while (ev !== null) {
        this.onEvent(ev);
        ev = sse.finish();
      }
      return;
    }
    const cap = this.capture!;
    cap.finish();
    this.tracker.onCaptured(cap);
    const c = this.copy;
    if (c === null) return;
    const body = c.text();
    if (body === null) return;
    const attrs = this.cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (a.source == Source.ResponseBody) this.values.set(i, a.path!.valueText(body));
      else if (a.builtin == Builtin.Answer && this.builtins !== null) this.values.set(i, this.builtins!.answerOf(body));
    }
  }

  private onEvent(ev: SseEvent): void {
    const data = ev.data;
    this.tracker.onEvent(ev);
    if (!this.cfg.hasStreamAttributes) return;
    const attrs = this.cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (a.source == Source.ResponseStreamingBody) this.values.stream(i, a.rule, a.path!.valueText(data));
      else if (a.builtin == Builtin.Answer && this.builtins !== null) this.values.stream(i, Rule.Append, this.builtins!.answerPieceOf(data));
    }
  }
}
