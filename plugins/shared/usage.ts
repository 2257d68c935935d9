// Token usage from whole response bodies and from SSE events, for OpenAI (chat completions,
// completions, embeddings, Responses API), Anthropic Messages and Gemini generateContent.
// The shape is recognised from the JSON itself, so it works on either side of a protocol
// conversion. Counts are normalised as described in usage-fields.ts.
//
// Streams (one call per SSE event, nothing buffered here):
//   OpenAI     data: {"id":..,"model":..,"choices":[..],"usage":null} ... final chunk with usage
//              (its choices may be non-empty) ... data: [DONE]
//   Anthropic  message_start {message {id, model, usage {input_tokens, cache_*, output_tokens}}}
//              message_delta {usage {output_tokens (cumulative), maybe input/cache counts}}
//              message_stop
//   Gemini     every chunk {candidates, usageMetadata (cumulative), modelVersion, responseId}
//   Responses  response.completed {response {id, model, usage}}
import { JsonCursor, findMember, findElement, skipWs, packSlice, sliceStartOf, sliceEndOf, sliceString } from "./json-scan";
import { JsonMemberCapture } from "./json-member-capture";
import { Usage, UsageFields } from "./usage-fields";
import { SseEvent } from "./sse-parser";

export { Usage, UsageFields } from "./usage-fields";

/** Reads usage and model from a whole (non-streamed) response body of any supported shape. */
export function usageFromBody(body: string, u: Usage): bool {
  const t = new UsageStream();
  t.onJson(body);
  copyUsage(t.usage, u);
  return u.found;
}

/** Reads usage from an OpenAI (chat, completions, embeddings, Responses) body. */
export function openAiUsageFromBody(body: string, u: Usage): bool {
  return usageFromBody(body, u);
}

/** Reads usage from an Anthropic Messages body. */
export function anthropicUsageFromBody(body: string, u: Usage): bool {
  return usageFromBody(body, u);
}

/** Reads usage from a Gemini generateContent body. */
export function geminiUsageFromBody(body: string, u: Usage): bool {
  return usageFromBody(body, u);
}

export function copyUsage(from: Usage, to: Usage): void {
  to.input = from.input;
  to.output = from.output;
  to.total = from.total;
  to.cachedInput = from.cachedInput;
  to.cacheCreation = from.cacheCreation;
  to.reasoning = from.reasoning;
  to.model = from.model;
  to.found = from.found;
  to.estimated = from.estimated;
}

const SCRATCH_FIELDS = new UsageFields();
const SCRATCH_OUTER = new JsonCursor();
const SCRATCH_INNER = new JsonCursor();

/** Follows one response (streamed or not) and keeps its usage, model, id and end state. */
export class UsageStream {
  usage: Usage = new Usage();
  /** response id: chatcmpl-..., msg_..., Gemini responseId, resp_... ("" until seen) */
  id: string = "";
  /** a terminal marker was seen: [DONE], message_stop, response.completed, or a finish reason */
  complete: bool = false;
  /** an error object arrived in the stream (Anthropic `error` event, OpenAI {"error":...}) */
  errorType: string = "";
  /** events seen */
  events: i32 = 0;
  /** when true, characters of generated text are counted (for estimates) */
  countText: bool = false;
  /** generated text characters seen (only when countText) */
  textChars: i64 = 0;

  // Scratch state shared by every tracker (calls never nest), so a tracker costs two allocations.
  private get fields(): UsageFields {
    return SCRATCH_FIELDS;
  }
  private get c(): JsonCursor {
    return SCRATCH_OUTER;
  }
  private get d(): JsonCursor {
    return SCRATCH_INNER;
  }

  /** Feeds one SSE event. */
  onEvent(ev: SseEvent): void {
    this.onData(ev.data);
  }

  /** Feeds one event's data (or a whole body). */
  onData(data: string): void {
    this.events++;
    if (data.length == 6 && data == "[DONE]") {
      this.complete = true;
      return;
    }
    this.onJson(data);
  }

  /** Reads one JSON document: a chunk, an event payload or a whole body. */
  onJson(s: string): void {
    const c = this.c;
    if (!c.open(s, 0, s.length)) return;
    // Slices of interest, -1 when absent.
    let usage: i64 = -1;
    let usageMeta: i64 = -1;
    let message: i64 = -1;
    let response: i64 = -1;
    let choices: i64 = -1;
    let candidates: i64 = -1;
    let delta: i64 = -1;
    let error: i64 = -1;
    // Anthropic / Responses event type, compared in place
    let isDelta = false;
    let isError = false;
    while (c.next()) {
      const k0 = <u32>s.charCodeAt(c.keyStart);
      if (k0 == 0x75 /* u */) {
        if (c.keyIs("usage")) {
          if (c.isObject()) usage = pack(c);
        } else if (c.keyIs("usageMetadata")) {
          if (c.isObject()) usageMeta = pack(c);
        }
      } else if (k0 == 0x6d /* m */) {
        if ((c.keyIs("model") || c.keyIs("modelVersion")) && this.usage.model.length == 0) this.setModel(c.str());
        else if (c.keyIs("message") && c.isObject()) message = pack(c);
      } else if (k0 == 0x69 /* i */) {
        if (c.keyIs("id") && this.id.length == 0) this.setId(c.str());
      } else if (k0 == 0x72 /* r */) {
        if (c.keyIs("responseId") && this.id.length == 0) this.setId(c.str());
        else if (c.keyIs("response") && c.isObject()) response = pack(c);
      } else if (k0 == 0x74 /* t */) {
        if (c.keyIs("type") && c.isString()) {
          if (c.valueIs("message_delta")) isDelta = true;
          else if (c.valueIs("message_stop") || c.valueIs("response.completed") || c.valueIs("response.incomplete") || c.valueIs("response.failed")) this.complete = true;
          else if (c.valueIs("error")) isError = true;
        }
      } else if (k0 == 0x63 /* c */) {
        if (c.keyIs("choices") && c.isArray()) choices = pack(c);
        else if (c.keyIs("candidates") && c.isArray()) candidates = pack(c);
      } else if (k0 == 0x64 /* d */) {
        if (c.keyIs("delta") && c.isObject()) delta = pack(c);
      } else if (k0 == 0x65 /* e */) {
        if (c.keyIs("error") && !c.isNull()) error = pack(c);
      }
    }
    const f = this.fields;
    const u = this.usage;
    if (error >= 0) this.noteError(s, error);
    if (isError && this.errorType.length == 0) this.errorType = "error";
    if (message >= 0) this.readInner(s, message, false); // Anthropic message_start
    if (response >= 0) this.readInner(s, response, false); // Responses API event
    if (usage >= 0 && f.readUsage(s, sliceStartOf(usage), sliceEndOf(usage))) {
      // message_delta carries cumulative output; keep message_start's input unless it is resent
      f.applyUsage(u, isDelta);
    }
    if (usageMeta >= 0 && f.readUsageMetadata(s, sliceStartOf(usageMeta), sliceEndOf(usageMeta))) {
      f.applyUsageMetadata(u);
    }
    if (choices >= 0) this.readFirst(s, choices, "finish_reason", "delta", "content");
    if (candidates >= 0) this.readFirst(s, candidates, "finishReason", "content", "parts");
    if (delta >= 0) {
      // Anthropic content_block_delta {delta {type text_delta, text}} / message_delta stop_reason
      if (this.countText) this.countMember(s, delta, "text");
    }
  }

  /**
   * Reads the members a JsonMemberCapture kept from a whole body (keys it may hold: id,
   * responseId, model, modelVersion, error, type, response, usage, usageMetadata, choices,
   * candidates), without joining or re-scanning them.
   */
  onCaptured(cap: JsonMemberCapture): void {
    this.events++;
    const f = this.fields;
    let isError = false;
    for (let i = 0, n = cap.count; i < n; i++) {
      const v = cap.valueAt(i);
      if (v === null) continue;
      const key = cap.nameAt(i);
      const len = v.length;
      const k0 = key.charCodeAt(0);
      if (k0 == 0x75 /* u */) {
        if (key == "usage") {
          if (v.charCodeAt(0) == 0x7b && f.readUsage(v, 0, len)) f.applyUsage(this.usage, false);
        } else if (key == "usageMetadata") {
          if (v.charCodeAt(0) == 0x7b && f.readUsageMetadata(v, 0, len)) f.applyUsageMetadata(this.usage);
        }
      } else if (key == "id" || key == "responseId") {
        if (this.id.length == 0) this.setId(sliceString(v, 0, len));
      } else if (key == "model" || key == "modelVersion") {
        if (this.usage.model.length == 0) this.setModel(sliceString(v, 0, len));
      } else if (key == "error") {
        if (v != "null") this.noteError(v, packSlice(0, len));
      } else if (key == "type") {
        if (v == '"error"') isError = true;
      } else if (key == "response") {
        if (v.charCodeAt(0) == 0x7b) this.readInner(v, packSlice(0, len), false);
      } else if (key == "choices") {
        if (v.charCodeAt(0) == 0x5b) this.readFirst(v, packSlice(0, len), "finish_reason", "delta", "content");
      } else if (key == "candidates") {
        if (v.charCodeAt(0) == 0x5b) this.readFirst(v, packSlice(0, len), "finishReason", "content", "parts");
      }
    }
    if (isError && this.errorType.length == 0) this.errorType = "error";
  }

  /** Estimates output tokens from streamed text when no usage arrived (about 4 chars per token). */
  estimateIfMissing(inputChars: i64): void {
    const u = this.usage;
    if (u.found) return;
    u.input = (inputChars + 3) / 4;
    u.output = (this.textChars + 3) / 4;
    u.total = u.input + u.output;
    u.estimated = true;
  }

  private setModel(m: string | null): void {
    if (m !== null && m.length > 0 && this.usage.model.length == 0) this.usage.model = m;
  }

  private setId(v: string | null): void {
    if (v !== null) this.id = v;
  }

  /** Anthropic `message` / Responses `response`: id, model, usage. */
  private readInner(s: string, slice: i64, keep: bool): void {
    const d = this.d;
    if (!d.open(s, sliceStartOf(slice), sliceEndOf(slice))) return;
    let usage: i64 = -1;
    while (d.next()) {
      if (d.keyIs("usage")) {
        if (d.isObject()) usage = pack(d);
      } else if (d.keyIs("model")) {
        if (this.usage.model.length == 0) this.setModel(d.str());
      }
      else if (d.keyIs("id") && this.id.length == 0) this.setId(d.str());
    }
    const f = this.fields;
    if (usage >= 0 && f.readUsage(s, sliceStartOf(usage), sliceEndOf(usage))) f.applyUsage(this.usage, keep);
  }

  /** choices[0] / candidates[0]: a finish reason marks completion; text is counted if asked. */
  private readFirst(s: string, arr: i64, finishKey: string, contentKey: string, textKey: string): void {
    // The cursor walks element 0 in place and stops at its closing brace.
    const end = sliceEndOf(arr);
    const first = skipWs(s, sliceStartOf(arr) + 1, end);
    const d = this.d;
    if (!d.open(s, first, end)) return;
    let content: i64 = -1;
    while (d.next()) {
      if (d.keyIs(finishKey)) {
        if (!d.isNull()) this.complete = true;
      } else if (this.countText && (d.keyIs(contentKey) || d.keyIs("message") || d.keyIs("text"))) {
        content = pack(d);
      }
    }
    if (content < 0) return;
    const a = sliceStartOf(content);
    const b = sliceEndOf(content);
    const ch = s.charCodeAt(a);
    if (ch == 0x22) {
      this.textChars += b - a - 2; // completions `text`
      return;
    }
    if (ch != 0x7b) return;
    // {content: "..."} (OpenAI delta/message) or {parts: [{text}]} (Gemini)
    const inner = findMember(s, a, b, textKey, this.c);
    if (inner < 0) return;
    const ia = sliceStartOf(inner);
    const ib = sliceEndOf(inner);
    if (s.charCodeAt(ia) == 0x22) {
      this.textChars += ib - ia - 2;
      return;
    }
    const part = findElement(s, ia, ib, 0);
    if (part >= 0) this.countMember(s, part, "text");
  }

  private countMember(s: string, obj: i64, key: string): void {
    const v = findMember(s, sliceStartOf(obj), sliceEndOf(obj), key, this.c);
    if (v < 0) return;
    if (s.charCodeAt(sliceStartOf(v)) == 0x22) this.textChars += sliceEndOf(v) - sliceStartOf(v) - 2;
  }

  private noteError(s: string, slice: i64): void {
    if (this.errorType.length > 0) return;
    const a = sliceStartOf(slice);
    const b = sliceEndOf(slice);
    if (s.charCodeAt(a) != 0x7b) {
      this.errorType = "error";
      return;
    }
    const keys = ["type", "status", "code"];
    for (let i = 0; i < keys.length; i++) {
      const v = findMember(s, a, b, keys[i], this.d);
      if (v < 0) continue;
      const t = sliceString(s, sliceStartOf(v), sliceEndOf(v));
      if (t !== null && t.length > 0) {
        this.errorType = t;
        return;
      }
    }
    this.errorType = "error";
  }
}

@inline function pack(c: JsonCursor): i64 {
  return (<i64>c.valueStart << 32) | <i64>(<u32>c.valueEnd);
}
