// Reads the response body as it streams past, never holding it: SSE bodies are cut into events
// and those that can change the report (sse-event-filter.ts, stream-markers.ts; all of them when
// streamed attributes or estimates need the text) go through the byte parser and the usage
// tracker; other bodies through the top-level member capture (usage, model, id, error), plus a
// bounded copy only when response_body attributes need one. A reader is reused by the next
// request of its VM (reset), so the parser and capture buffers are allocated once. Pure.
import { SseEvent } from "../shared/sse-parser";
import { SseEventFilter } from "./sse-event-filter";
import { BodySink } from "./body-bytes";
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

/** A reader whose body was larger than this is not reused (its buffers may have grown). */
export const REUSE_MAX_BYTES: i64 = 64 << 10;

export class ResponseReader extends BodySink {
  tracker: UsageStream = new UsageStream();
  stream: bool = false;
  private cfg: StatsConfig;
  private values: AttributeValues;
  private builtins: BuiltinPaths | null;
  private sse: SseEventFilter | null = null;
  private capture: JsonMemberCapture | null = null;
  private copy: BoundedCopy | null = null;
  // kept between requests
  private sseFilter: SseEventFilter | null = null;
  private plainCapture: JsonMemberCapture | null = null;
  private textCapture: JsonMemberCapture | null = null;
  /** every event goes through the JSON walk (text is counted or streamed attributes read) */
  private everyEvent: bool = false;
  bytes: i64 = 0;
  private pinned: ArrayBuffer | null = null;

  constructor(stream: bool, cfg: StatsConfig, values: AttributeValues, builtins: BuiltinPaths | null) {
    super();
    this.cfg = cfg;
    this.values = values;
    this.builtins = builtins;
    this.reset(stream, cfg, values, builtins);
  }

  /** Starts on a new response. */
  reset(stream: bool, cfg: StatsConfig, values: AttributeValues, builtins: BuiltinPaths | null): void {
    this.stream = stream;
    this.cfg = cfg;
    this.values = values;
    this.builtins = builtins;
    this.bytes = 0;
    this.tracker = new UsageStream();
    this.tracker.countText = cfg.estimateUsage;
    this.everyEvent = cfg.estimateUsage || cfg.hasStreamAttributes;
    this.copy = null;
    this.sse = null;
    this.capture = null;
    if (stream) {
      let f = this.sseFilter;
      if (f === null) {
        f = new SseEventFilter();
        this.sseFilter = f;
      } else f.reset();
      this.sse = f;
    } else {
      let c = cfg.estimateUsage ? this.textCapture : this.plainCapture;
      if (c === null) {
        c = new JsonMemberCapture(cfg.estimateUsage ? CAPTURE_KEYS_WITH_TEXT : CAPTURE_KEYS, 1 << 20);
        if (cfg.estimateUsage) this.textCapture = c;
        else this.plainCapture = c;
      } else c.reset();
      this.capture = c;
      if (cfg.needResponseBody) this.copy = new BoundedCopy(cfg.maxBodyBytes);
    }
  }

  /** Drops the body copy (the request is over). */
  dropCopy(): void {
    this.copy = null;
  }

  push(chunk: ArrayBuffer): void {
    this.pinned = chunk; // reachable while read (the GC sees no locals)
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** n body bytes at p (valid during the call). */
  pushBytes(p: usize, n: i32): void {
    this.bytes += n;
    const sse = this.sse;
    if (sse !== null) {
      sse.pushBytes(p, n);
      sse.passAll = this.passAll();
      let ev = sse.next();
      while (ev !== null) {
        this.onEvent(ev);
        sse.passAll = this.passAll();
        ev = sse.next();
      }
      return;
    }
    this.capture!.pushBytes(p, n);
    const c = this.copy;
    if (c !== null) c.pushBytes(p, n);
  }

  /** End of the body. */
  finish(): void {
    const sse = this.sse;
    if (sse !== null) {
      sse.passAll = true;
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
    this.copy = null;
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

  /** Every event is read while the id or model is still unknown, or when the text is needed. */
  private passAll(): bool {
    const t = this.tracker;
    return this.everyEvent || t.id.length == 0 || t.usage.model.length == 0;
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
