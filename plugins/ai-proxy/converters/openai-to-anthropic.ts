// OpenAI Chat Completions client -> Anthropic Messages upstream: request, response, stream events
// and errors. Wire facts: /work/shared/reference/providers.md; Anthropic Messages API reference.
// (Over 400 lines because it holds all four mappings of one direction, as the converter layout asks.)
//
// Request mapping (OpenAI -> Anthropic):
//   system / developer messages (anywhere)  -> `system` (string when there is one string, else text blocks)
//   user / assistant                        -> messages; consecutive turns of one role are merged
//                                              (Anthropic alternates roles); string content stays a string
//   content parts text / image_url          -> text / image blocks; data: URLs -> base64 source,
//                                              http(s) -> url source
//   assistant tool_calls                    -> tool_use blocks, `arguments` text parsed to an object
//   role tool                               -> tool_result block in a user turn (consecutive ones merged)
//   tools[].function                        -> tools[] {name, description, input_schema}
//   tool_choice auto|none|required|{function} -> {type auto|none|any|tool}; parallel_tool_calls:false
//                                              -> disable_parallel_tool_use:true
//   max_completion_tokens | max_tokens      -> max_tokens (ConvertOptions.defaultMaxTokens when absent)
//   stop (string|array) -> stop_sequences; temperature, top_p, stream copied as given (Anthropic
//   takes temperature 0..1 and answers 400 above; the gateway does not silently clamp);
//   user -> metadata.user_id
//   n > 1 -> 400 (Anthropic returns one answer).
// Dropped (no Anthropic field): frequency_penalty, presence_penalty, logit_bias, logprobs,
//   top_logprobs, seed, response_format, service_tier, store, metadata, modalities, audio,
//   prediction, reasoning_effort, web_search_options, stream_options (kept as state), message
//   `name`, image `detail`, tool `strict`, and any field OpenAI does not define.
//
// Response: text blocks -> message.content (concatenated), tool_use -> tool_calls (input object as
//   `arguments` text), thinking blocks dropped (OpenAI has no field). stop_reason: end_turn,
//   stop_sequence, pause_turn -> stop; max_tokens, model_context_window_exceeded -> length;
//   tool_use -> tool_calls; refusal -> content_filter.
// Usage: Anthropic's input_tokens counts only input after the last cache breakpoint (prompt-caching
//   docs: total input = input_tokens + cache_creation_input_tokens + cache_read_input_tokens), so
//   prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens,
//   prompt_tokens_details.cached_tokens = cache_read_input_tokens (tokens served from cache; OpenAI's
//   meaning of cached), completion_tokens = output_tokens.
// Stream (framing in openai-helper.ts): message_start -> role chunk; text_delta -> content;
//   tool_use block start -> tool_calls[{index, id, type, function {name, arguments ""}}];
//   input_json_delta -> arguments deltas; message_delta -> finish chunk; message_stop -> usage chunk
//   (when include_usage was asked) + [DONE]; error event -> error chunk, no [DONE]; ping, thinking
//   and citation deltas, content_block_stop and unknown events -> nothing.
// Errors: status kept except 529 -> 503; OpenAI type from the status (shared/errors.ts); code =
//   the Anthropic error type. A body that is not an Anthropic error gets a generic message.
import { Converter, Protocol, ConvertOptions, RequestResult, BodyResult, StreamState, ConvertError, ErrorResult } from "./converter";
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM } from "./json-tape";
import { OutBuf } from "./out-buf";
import { Reader } from "./reader";
import { OpenAIStream, OpenAIUsage, writeUsage, openAiError, openAiStatus } from "./openai-helper";
import { openAiErrorBody, openAiTypeFor, statusForErrorType } from "../../shared/errors";
import { DataUrl, writeToolInput, readRoles, ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT, ROLE_TOOL } from "./openai-request-parts";

/** OpenAI finish_reason for an Anthropic stop_reason token (raw JSON string or null). */
function finishFor(d: JsonDoc, t: i32): string {
  if (t < 0 || d.kind(t) != K_STR) return "stop";
  if (d.strIs(t, "max_tokens") || d.strIs(t, "model_context_window_exceeded")) return "length";
  if (d.strIs(t, "tool_use")) return "tool_calls";
  if (d.strIs(t, "refusal")) return "content_filter";
  return "stop";
}

/** Integer member or 0. */
function intOr0(d: JsonDoc, o: i32, key: string): i64 {
  const t = d.get(o, key);
  if (t < 0 || d.kind(t) != K_NUM) return 0;
  const v = d.int(t);
  return v < 0 ? 0 : v;
}

/** Reads an Anthropic usage object into OpenAI terms; members absent from `u` keep their value. */
function readUsage(d: JsonDoc, u: i32, into: OpenAIUsage, cache: StaticArray<i64>): void {
  if (u < 0 || d.kind(u) != K_OBJ) return;
  if (d.get(u, "input_tokens") >= 0) unchecked((cache[0] = intOr0(d, u, "input_tokens")));
  if (d.get(u, "cache_read_input_tokens") >= 0) unchecked((cache[1] = intOr0(d, u, "cache_read_input_tokens")));
  if (d.get(u, "cache_creation_input_tokens") >= 0) unchecked((cache[2] = intOr0(d, u, "cache_creation_input_tokens")));
  if (d.get(u, "output_tokens") >= 0) into.completion = intOr0(d, u, "output_tokens");
  into.prompt = unchecked(cache[0]) + unchecked(cache[1]) + unchecked(cache[2]);
  into.cached = unchecked(cache[1]);
  into.seen = true;
}

class AnthropicToOpenAIStream extends OpenAIStream {
  /** Anthropic content block index -> OpenAI tool_calls index (-1: not a tool block). */
  toolOfBlock: Array<i32> = new Array<i32>();
  nextTool: i32 = 0;
  /** input, cache_read, cache_creation as last reported (message_delta may repeat them). */
  inputs: StaticArray<i64> = new StaticArray<i64>(3);
  fallbackModel: string = "";
  fallbackId: string = "";
}

export class OpenAIToAnthropic extends Converter {
  private args: JsonDoc = new JsonDoc(32);
  private ev: JsonDoc = new JsonDoc(64);
  private dataUrl: DataUrl = new DataUrl();
  private roles: Array<i32> = new Array<i32>();

  client(): Protocol {
    return Protocol.OpenAI;
  }
  upstream(): Protocol {
    return Protocol.Anthropic;
  }

  // ------------------------------------------------------------------ request

  protected writeRequest(body: string, opts: ConvertOptions, res: RequestResult): bool {
    const r = this.r;
    if (!r.open(body, 400)) return false;
    const d = r.doc;
    const o = r.out;
    const mt = r.opt(0, "model", K_STR);
    if (mt == -2) return false;
    o.str('{"model":');
    if (opts.model.length > 0) {
      o.quote(opts.model);
      res.model = opts.model;
    } else if (mt >= 0) {
      r.copy(mt);
      res.model = d.str(mt);
    } else return r.fail("model", "required string is missing");

    let max = r.optPositiveInt(0, "max_completion_tokens");
    if (max == -1) max = r.optPositiveInt(0, "max_tokens");
    if (max == -2) return false;
    o.str(',"max_tokens":').int(max > 0 ? max : opts.defaultMaxTokens);

    const msgs = r.req(0, "messages", K_ARR);
    if (msgs < 0) return false;
    if (!readRoles(r, msgs, this.roles)) return false;
    if (!this.writeSystem(msgs)) return false;
    if (!this.writeMessages(msgs)) return false;

    const temp = r.opt(0, "temperature", K_NUM);
    if (temp == -2) return false;
    if (temp >= 0) r.field(',"temperature":', temp);
    const topP = r.opt(0, "top_p", K_NUM);
    if (topP == -2) return false;
    if (topP >= 0) r.field(',"top_p":', topP);

    const n = r.optPositiveInt(0, "n");
    if (n == -2) return false;
    if (n > 1) return r.fail("n", "only 1 is supported by this upstream (Anthropic returns one answer)");

    const stop = r.member(0, "stop");
    if (stop >= 0) {
      if (d.kind(stop) == K_STR) {
        o.str(',"stop_sequences":[');
        r.copy(stop);
        o.ch(0x5d);
      } else if (d.kind(stop) == K_ARR) {
        if (!r.allStrings(stop, "stop")) return false;
        if (d.size(stop) > 0) r.field(',"stop_sequences":', stop);
      } else return r.wrong("stop", "string or array", stop);
    }

    const stream = r.optBool(0, "stream");
    if (stream == -2) return false;
    res.stream = stream == 1;
    if (res.stream) o.str(',"stream":true');
    const so = r.opt(0, "stream_options", K_OBJ);
    if (so == -2) return false;
    if (so >= 0) {
      r.enter("stream_options");
      const iu = r.optBool(so, "include_usage");
      if (iu == -2) return false;
      r.leave();
      res.includeUsage = iu == 1;
    }

    const user = r.opt(0, "user", K_STR);
    if (user == -2) return false;
    if (user >= 0) {
      o.str(',"metadata":{"user_id":');
      r.copy(user);
      o.ch(0x7d);
    }
    if (!this.writeTools()) return false;
    o.ch(0x7d);
    return true;
  }

  // system and developer messages, wherever they are, become the top-level `system`.
  private writeSystem(msgs: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const roles = this.roles;
    let count = 0;
    let only = -1; // the content token when there is exactly one string system message
    let i = 0;
    for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
      if (roles[i] == ROLE_SYSTEM) {
        const c = r.member(m, "content");
        if (d.kind(c) != K_STR && d.kind(c) != K_ARR) {
          r.enter("messages", i);
          return r.wrong("content", "string or array", c < 0 ? m : c);
        }
        count++;
        only = d.kind(c) == K_STR ? c : -2;
      }
      i++;
    }
    if (count == 0) return true;
    if (count == 1 && only >= 0) {
      r.field(',"system":', only);
      return true;
    }
    o.str(',"system":[');
    i = 0;
    for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
      if (roles[i] == ROLE_SYSTEM) {
        r.enter("messages", i);
        r.enter("content");
        if (!this.writeTextBlocks(r.member(m, "content"))) return false;
        r.leave();
        r.leave();
      }
      i++;
    }
    o.dropLast(0x2c).ch(0x5d);
    return true;
  }

  // String or text-part content (the current path) as text blocks, each followed by a comma.
  private writeTextBlocks(c: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    if (d.kind(c) == K_STR) {
      if (!r.isEmptyStr(c)) {
        r.field('{"type":"text","text":', c);
        o.str("},");
      }
      return true;
    }
    let j = 0;
    for (let p = d.first(c); p < d.after(c); p = d.after(p)) {
      r.enter("", j++);
      if (d.kind(p) != K_OBJ) return r.wrong("", "object", p);
      const ty = d.get(p, "type");
      const isText = d.strIs(ty, "text");
      if (!isText && !d.strIs(ty, "refusal")) return r.fail("type", "expected \"text\" here");
      const t = r.req(p, isText ? "text" : "refusal", K_STR);
      if (t < 0) return false;
      if (!r.isEmptyStr(t)) {
        r.field('{"type":"text","text":', t);
        o.str("},");
      }
      r.leave();
    }
    return true;
  }

  // User, assistant and tool messages; runs of one Anthropic role become one message.
  private writeMessages(msgs: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const roles = this.roles;
    const count = roles.length;
    o.str(',"messages":[');
    let open = -1; // Anthropic role of the open message (ROLE_USER or ROLE_ASSISTANT), -1 none
    let i = 0;
    for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
      const role = roles[i];
      if (role == ROLE_SYSTEM) {
        i++;
        continue;
      }
      const side = role == ROLE_ASSISTANT ? ROLE_ASSISTANT : ROLE_USER;
      if (side != open) {
        if (open >= 0) o.dropLast(0x2c).str("]},");
        open = -1;
        // A lone message with plain string content stays a string.
        let next = -1;
        for (let k = i + 1; k < count; k++) {
          if (roles[k] == ROLE_SYSTEM) continue;
          next = roles[k] == ROLE_ASSISTANT ? ROLE_ASSISTANT : ROLE_USER;
          break;
        }
        const c = r.member(m, "content");
        if (next != side && role != ROLE_TOOL && d.kind(c) == K_STR && (role == ROLE_USER || r.member(m, "tool_calls") < 0)) {
          o.str(side == ROLE_USER ? '{"role":"user","content":' : '{"role":"assistant","content":');
          r.copy(c);
          o.str("},");
          i++;
          continue;
        }
        o.str(side == ROLE_USER ? '{"role":"user","content":[' : '{"role":"assistant","content":[');
        open = side;
      }
      r.enter("messages", i);
      if (!this.writeBlocks(m, role)) return false;
      r.leave();
      i++;
    }
    if (open >= 0) o.dropLast(0x2c).str("]}");
    else o.dropLast(0x2c);
    o.ch(0x5d);
    return true;
  }

  // The blocks of one message (the current path), each followed by a comma.
  private writeBlocks(m: i32, role: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const c = r.member(m, "content");
    if (role == ROLE_TOOL) {
      const id = r.req(m, "tool_call_id", K_STR);
      if (id < 0) return false;
      r.field('{"type":"tool_result","tool_use_id":', id);
      if (d.kind(c) == K_STR) r.field(',"content":', c);
      else if (d.kind(c) == K_ARR) {
        o.str(',"content":[');
        r.enter("content");
        if (!this.writeTextBlocks(c)) return false;
        r.leave();
        o.dropLast(0x2c).ch(0x5d);
      } else if (c >= 0) return r.wrong("content", "string or array", c);
      o.str("},");
      return true;
    }
    if (d.kind(c) == K_STR || (role == ROLE_ASSISTANT && d.kind(c) == K_ARR)) {
      r.enter("content");
      if (!this.writeTextBlocks(c)) return false;
      r.leave();
    } else if (d.kind(c) == K_ARR) {
      r.enter("content");
      if (!this.writeUserParts(c)) return false;
      r.leave();
    } else if (c >= 0) return r.wrong("content", "string or array", c);
    else if (role == ROLE_USER) return r.fail("content", "required string or array is missing");
    if (role == ROLE_ASSISTANT) {
      const tcs = r.opt(m, "tool_calls", K_ARR);
      if (tcs == -2) return false;
      if (tcs >= 0) {
        let j = 0;
        for (let tc = d.first(tcs); tc < d.after(tcs); tc = d.after(tc)) {
          r.enter("tool_calls", j++);
          if (d.kind(tc) != K_OBJ) return r.wrong("", "object", tc);
          const id = r.req(tc, "id", K_STR);
          const fn = id < 0 ? -1 : r.req(tc, "function", K_OBJ);
          if (fn < 0) return false;
          r.enter("function");
          const name = r.req(fn, "name", K_STR);
          if (name < 0) return false;
          r.field('{"type":"tool_use","id":', id);
          r.field(',"name":', name);
          o.str(',"input":');
          if (!writeToolInput(r, this.args, fn)) return false;
          o.str("},");
          r.leave();
          r.leave();
        }
      }
    }
    return true;
  }

  private writeUserParts(c: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    let j = 0;
    for (let p = d.first(c); p < d.after(c); p = d.after(p)) {
      r.enter("", j++);
      if (d.kind(p) != K_OBJ) return r.wrong("", "object", p);
      const ty = r.req(p, "type", K_STR);
      if (ty < 0) return false;
      if (d.strIs(ty, "text")) {
        const t = r.req(p, "text", K_STR);
        if (t < 0) return false;
        if (!r.isEmptyStr(t)) {
          r.field('{"type":"text","text":', t);
          o.str("},");
        }
      } else if (d.strIs(ty, "image_url")) {
        if (!writeImageBlock(r, p, this.dataUrl)) return false;
        o.ch(0x2c);
      } else return r.fail("type", "unsupported content part " + d.raw(ty) + " for an Anthropic upstream");
      r.leave();
    }
    return true;
  }

  private writeTools(): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const tools = r.opt(0, "tools", K_ARR);
    if (tools == -2) return false;
    const par = r.optBool(0, "parallel_tool_calls");
    if (par == -2) return false;
    if (tools < 0 || d.size(tools) == 0) return true;
    o.str(',"tools":[');
    let j = 0;
    for (let t = d.first(tools); t < d.after(tools); t = d.after(t)) {
      r.enter("tools", j++);
      if (d.kind(t) != K_OBJ) return r.wrong("", "object", t);
      const ty = r.member(t, "type");
      if (ty >= 0 && !d.strIs(ty, "function")) return r.fail("type", "only \"function\" tools can be sent to an Anthropic upstream");
      const fn = r.req(t, "function", K_OBJ);
      if (fn < 0) return false;
      r.enter("function");
      const name = r.req(fn, "name", K_STR);
      if (name < 0) return false;
      r.field('{"name":', name);
      const desc = r.opt(fn, "description", K_STR);
      if (desc == -2) return false;
      if (desc >= 0) r.field(',"description":', desc);
      const params = r.opt(fn, "parameters", K_OBJ);
      if (params == -2) return false;
      if (params >= 0) r.field(',"input_schema":', params);
      else o.str(',"input_schema":{"type":"object","properties":{}}');
      o.str("},");
      r.leave();
      r.leave();
    }
    o.dropLast(0x2c).ch(0x5d);

    const tc = r.member(0, "tool_choice");
    const noParallel = par == 0 ? ',"disable_parallel_tool_use":true}' : "}";
    if (tc < 0) {
      if (par == 0) o.str(',"tool_choice":{"type":"auto"').str(noParallel);
      return true;
    }
    if (d.kind(tc) == K_STR) {
      if (d.strIs(tc, "auto")) o.str(',"tool_choice":{"type":"auto"').str(noParallel);
      else if (d.strIs(tc, "required")) o.str(',"tool_choice":{"type":"any"').str(noParallel);
      else if (d.strIs(tc, "none")) o.str(',"tool_choice":{"type":"none"}');
      else return r.fail("tool_choice", "expected \"auto\", \"none\", \"required\" or an object");
      return true;
    }
    if (d.kind(tc) != K_OBJ) return r.wrong("tool_choice", "string or object", tc);
    r.enter("tool_choice");
    const fn = r.req(tc, "function", K_OBJ);
    if (fn < 0) return false;
    r.enter("function");
    const name = r.req(fn, "name", K_STR);
    if (name < 0) return false;
    r.leave();
    r.leave();
    r.field(',"tool_choice":{"type":"tool","name":', name);
    o.str(noParallel);
    return true;
  }

  // ------------------------------------------------------------------ response

  response(body: string, req: RequestResult, opts: ConvertOptions): BodyResult {
    const res = new BodyResult();
    const r = this.r;
    if (this.writeResponse(body, req, opts)) res.body = r.out.toString();
    else res.error = r.err;
    return res;
  }

  private writeResponse(body: string, req: RequestResult, opts: ConvertOptions): bool {
    const r = this.r;
    if (!r.open(body, 502)) return false;
    const d = r.doc;
    const o = r.out;
    const id = r.req(0, "id", K_STR);
    const content = id < 0 ? -1 : r.req(0, "content", K_ARR);
    if (content < 0) return false;
    r.field('{"id":', id);
    o.str(',"object":"chat.completion","created":').int(opts.nowSeconds).str(',"model":');
    const model = d.get(0, "model");
    if (model >= 0 && d.kind(model) == K_STR) r.copy(model);
    else o.quote(req.model);
    o.str(',"choices":[{"index":0,"message":{"role":"assistant","content":');
    // Text blocks: their JSON string bodies are concatenated as they are (no decoding needed).
    let texts = 0;
    let tools = 0;
    for (let b = d.first(content); b < d.after(content); b = d.after(b)) {
      const ty = d.get(b, "type");
      if (d.strIs(ty, "text")) {
        const t = d.get(b, "text");
        if (t < 0 || d.kind(t) != K_STR) continue;
        if (texts++ == 0) o.ch(0x22);
        r.copyInner(t);
      } else if (d.strIs(ty, "tool_use")) tools++;
    }
    if (texts > 0) o.ch(0x22);
    else o.str("null");
    if (tools > 0) {
      o.str(',"tool_calls":[');
      for (let b = d.first(content); b < d.after(content); b = d.after(b)) {
        if (!d.strIs(d.get(b, "type"), "tool_use")) continue;
        const tid = d.get(b, "id");
        const name = d.get(b, "name");
        if (tid < 0 || d.kind(tid) != K_STR || name < 0 || d.kind(name) != K_STR) return r.fail("content", "tool_use block without id or name");
        r.field('{"id":', tid);
        r.field(',"type":"function","function":{"name":', name);
        o.str(',"arguments":');
        const input = d.get(b, "input");
        if (input >= 0 && d.kind(input) == K_OBJ) r.quoteRaw(input);
        else o.str('"{}"');
        o.str("}},");
      }
      o.dropLast(0x2c).ch(0x5d);
    }
    o.str(',"refusal":null},"logprobs":null,"finish_reason":"').str(finishFor(d, d.get(0, "stop_reason"))).str('"}],"usage":');
    const u = new OpenAIUsage();
    readUsage(d, d.get(0, "usage"), u, new StaticArray<i64>(3));
    writeUsage(o, u);
    o.ch(0x7d);
    return true;
  }

  // ------------------------------------------------------------------ stream

  newStream(req: RequestResult, opts: ConvertOptions): StreamState {
    const st = new AnthropicToOpenAIStream();
    st.includeUsage = req.includeUsage;
    st.created = opts.nowSeconds;
    st.fallbackModel = req.model;
    st.fallbackId = opts.fallbackId;
    return st;
  }

  streamEvent(state: StreamState, event: string, data: string, out: OutBuf): ConvertError | null {
    const st = state as AnthropicToOpenAIStream;
    if (st.done) return null;
    const d = this.ev;
    if (!d.parse(data) || d.kind(0) != K_OBJ) {
      const msg = "upstream stream event: " + (d.error.length > 0 ? d.error : "expected a JSON object");
      this.failStream(st, out, msg, 502, "");
      return new ConvertError(502, msg);
    }
    const ty = d.get(0, "type");
    // Chunks need id/model from message_start; an upstream that skips it still gets valid chunks.
    if (st.head.length == 0 && !d.strIs(ty, "message_start") && !d.strIs(ty, "error")) st.setHead(jsonQuoted(st.fallbackId), jsonQuoted(st.fallbackModel));
    if (d.strIs(ty, "content_block_delta")) {
      const delta = d.get(0, "delta");
      const dt = d.get(delta, "type");
      if (d.strIs(dt, "text_delta")) {
        const t = d.get(delta, "text");
        if (t < 0 || d.kind(t) != K_STR) return null;
        st.open(out, 0);
        out.str('"content":').span(d.src, d.start(t), d.end(t));
        st.close(out, "");
      } else if (d.strIs(dt, "input_json_delta")) {
        const k = this.toolOf(st, d.get(0, "index"));
        const pj = d.get(delta, "partial_json");
        if (k < 0 || pj < 0 || d.kind(pj) != K_STR || d.end(pj) - d.start(pj) <= 2) return null;
        st.open(out, 0);
        out.str('"tool_calls":[{"index":').int(k).str(',"function":{"arguments":').span(d.src, d.start(pj), d.end(pj));
        out.str("}}]");
        st.close(out, "");
      }
      return null; // thinking, signature and citation deltas have no OpenAI field
    }
    if (d.strIs(ty, "content_block_start")) {
      const cb = d.get(0, "content_block");
      const idx = d.get(0, "index");
      if (!d.strIs(d.get(cb, "type"), "tool_use")) {
        const t = d.get(cb, "text");
        if (d.strIs(d.get(cb, "type"), "text") && t >= 0 && d.kind(t) == K_STR && d.end(t) - d.start(t) > 2) {
          st.open(out, 0);
          out.str('"content":').span(d.src, d.start(t), d.end(t));
          st.close(out, "");
        }
        return null;
      }
      const bi = idx >= 0 ? <i32>d.int(idx) : -1;
      const id = d.get(cb, "id");
      const name = d.get(cb, "name");
      if (bi < 0 || bi > 10000 || id < 0 || d.kind(id) != K_STR || name < 0 || d.kind(name) != K_STR) {
        const msg = "upstream stream event: content_block_start: tool_use block without index, id or name";
        this.failStream(st, out, msg, 502, "");
        return new ConvertError(502, msg);
      }
      while (st.toolOfBlock.length <= bi) st.toolOfBlock.push(-1);
      const k = st.nextTool++;
      st.toolOfBlock[bi] = k;
      st.open(out, 0);
      out.str('"tool_calls":[{"index":').int(k).str(',"id":').span(d.src, d.start(id), d.end(id));
      out.str(',"type":"function","function":{"name":').span(d.src, d.start(name), d.end(name)).str(',"arguments":""}}]');
      st.close(out, "");
      return null;
    }
    if (d.strIs(ty, "message_start")) {
      const msg = d.get(0, "message");
      const id = d.get(msg, "id");
      const model = d.get(msg, "model");
      st.setHead(d.kind(id) == K_STR ? d.raw(id) : jsonQuoted(st.fallbackId), d.kind(model) == K_STR ? d.raw(model) : jsonQuoted(st.fallbackModel));
      readUsage(d, d.get(msg, "usage"), st.usage, st.inputs);
      st.open(out, 0);
      out.str('"role":"assistant","content":""');
      st.close(out, "");
      return null;
    }
    if (d.strIs(ty, "message_delta")) {
      readUsage(d, d.get(0, "usage"), st.usage, st.inputs);
      st.open(out, 0);
      st.close(out, finishFor(d, d.get(d.get(0, "delta"), "stop_reason")));
      return null;
    }
    if (d.strIs(ty, "message_stop")) {
      st.finish(out);
      return null;
    }
    if (d.strIs(ty, "error")) {
      const e = d.get(0, "error");
      const et = d.get(e, "type");
      const em = d.get(e, "message");
      const type = et >= 0 && d.kind(et) == K_STR ? d.str(et) : "api_error";
      const message = em >= 0 && d.kind(em) == K_STR ? d.str(em) : "upstream stream error";
      this.failStream(st, out, message, <i32>statusForErrorType(type), type);
      return null;
    }
    return null; // ping, content_block_stop, and event types added later
  }

  streamEnd(state: StreamState, out: OutBuf): void {
    const st = state as AnthropicToOpenAIStream;
    if (!st.done) this.failStream(st, out, "upstream stream ended before message_stop", 502, "");
  }

  private toolOf(st: AnthropicToOpenAIStream, idx: i32): i32 {
    if (idx < 0) return -1;
    const bi = <i32>this.ev.int(idx);
    return bi >= 0 && bi < st.toolOfBlock.length ? st.toolOfBlock[bi] : -1;
  }

  private failStream(st: AnthropicToOpenAIStream, out: OutBuf, message: string, status: i32, code: string): void {
    st.fail(out, message, openAiTypeFor(<u32>openAiStatus(status)), code);
  }

  // ------------------------------------------------------------------ errors

  error(status: i32, body: string): ErrorResult {
    const d = this.ev;
    if (d.parse(body) && d.kind(0) == K_OBJ) {
      const e = d.get(0, "error");
      const et = d.get(e, "type");
      const em = d.get(e, "message");
      if (em >= 0 && d.kind(em) == K_STR) return openAiError(status, d.str(em), et >= 0 && d.kind(et) == K_STR ? d.str(et) : "");
    }
    return openAiError(status, "upstream returned HTTP " + status.toString());
  }

  clientErrorBody(err: ConvertError): string {
    return openAiErrorBody(err.message, openAiTypeFor(<u32>openAiStatus(err.status)), "", err.status < 500 ? err.param : "");
  }
}

function jsonQuoted(s: string): string {
  return new OutBuf(s.length + 2).quote(s).toString();
}

/** An image_url part (the current path) as an Anthropic image block: data: URL -> base64 source, http(s) -> url source. */
function writeImageBlock(r: Reader, p: i32, du: DataUrl): bool {
  const o = r.out;
  const iu = r.req(p, "image_url", K_OBJ);
  if (iu < 0) return false;
  r.enter("image_url");
  const url = r.req(iu, "url", K_STR);
  if (url < 0) return false;
  if (du.read(r.doc, url)) {
    o.str('{"type":"image","source":{"type":"base64","media_type":"');
    du.writeType(o);
    o.str('","data":"');
    du.writeData(o);
    o.str('"}}');
  } else if (du.isHttp) {
    r.field('{"type":"image","source":{"type":"url","url":', url);
    o.str("}}");
  } else return r.fail("url", "expected a base64 data: URL or an http(s) URL");
  r.leave();
  return true;
}
