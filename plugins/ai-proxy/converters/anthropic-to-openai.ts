// Anthropic Messages client -> OpenAI-compatible Chat Completions upstream (OpenAI, DeepSeek, Qwen,
// Moonshot, vLLM, Ollama): request, response, stream events and errors.
// (Over 400 lines because it holds all four mappings of one direction, as the converter layout asks.)
//
// Request mapping (Anthropic -> OpenAI):
//   system (string | text blocks)        -> first message, role system (blocks joined by "\n";
//                                           OpenAI-compatible servers vary in accepting arrays there)
//   user text / image blocks              -> user message (one text block: string content; else parts;
//                                           base64 image -> data: URL, url image -> image_url)
//   user tool_result blocks               -> one role tool message each, placed BEFORE the rest of that
//                                           user turn (OpenAI wants tool answers right after the call);
//                                           text content joined by "\n"; images in a tool result move
//                                           to the user message that follows (tool messages hold text)
//   assistant text / tool_use blocks      -> content (joined) + tool_calls (input object -> arguments text)
//   tools {name, description, input_schema} -> {type function, function {name, description, parameters}}
//   tool_choice auto|any|tool|none        -> "auto"|"required"|{function}|"none";
//                                           disable_parallel_tool_use -> parallel_tool_calls false
//   max_tokens -> ConvertOptions.openaiMaxTokensField; stop_sequences -> stop; temperature, top_p
//   copied; metadata.user_id -> user; stream -> stream + stream_options.include_usage (so the
//   final message_delta can carry real token counts).
// Dropped (no OpenAI field): top_k, thinking, service_tier, container, mcp_servers,
//   context_management, cache_control, tool_result is_error, thinking / redacted_thinking blocks,
//   and any field Anthropic does not define. Server tools and document blocks are refused (400).
//
// Response: content -> text block, refusal -> text block, tool_calls -> tool_use blocks (arguments
//   that are not a JSON object become input {}: Anthropic clients need an object); reasoning_content
//   dropped. finish_reason stop -> end_turn, length -> max_tokens, tool_calls/function_call ->
//   tool_use (also "stop" when tool calls were made: some compatible servers say stop),
//   content_filter -> refusal. Usage: input_tokens = prompt_tokens - cached_tokens,
//   cache_read_input_tokens = cached_tokens, cache_creation_input_tokens = 0, output = completion.
// Stream: first chunk -> message_start (usage 0: OpenAI reports it only at the end); content ->
//   text block; each new tool_calls index -> its own tool_use block, arguments -> input_json_delta;
//   finish_reason -> content_block_stop; the usage chunk is kept; [DONE] (or the end of a stream that
//   had a finish_reason) -> message_delta {stop_reason, usage} + message_stop; an error chunk -> an
//   error event and the end; a stream cut before finish_reason -> an error event.
// Errors: status kept; Anthropic type from the status (shared/errors.ts); message from error.message
//   (or a bare {"error": "text"}); anything else gets a generic message.
import { Converter, Protocol, ConvertOptions, RequestResult, BodyResult, StreamState, ConvertError, ErrorResult } from "./converter";
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM } from "./json-tape";
import { OutBuf } from "./out-buf";
import { Reader } from "./reader";
import { anthropicErrorBody, anthropicTypeFor, statusForErrorType } from "../../shared/errors";

/**
 * Anthropic stop_reason for an OpenAI finish_reason token. Some OpenAI-compatible servers answer
 * "stop" with tool calls; Anthropic clients run tools only on tool_use, so calls make it tool_use.
 */
function stopReasonFor(d: JsonDoc, t: i32, calledTools: bool): string {
  if (d.strIs(t, "length")) return "max_tokens";
  if (d.strIs(t, "content_filter")) return "refusal";
  if (calledTools || d.strIs(t, "tool_calls") || d.strIs(t, "function_call")) return "tool_use";
  return "end_turn";
}

function intOr0(d: JsonDoc, o: i32, key: string): i64 {
  const t = d.get(o, key);
  if (t < 0 || d.kind(t) != K_NUM) return 0;
  const v = d.int(t);
  return v < 0 ? 0 : v;
}

/** Token counts read from an OpenAI usage object. */
class Tokens {
  prompt: i64 = 0;
  completion: i64 = 0;
  cached: i64 = 0;

  read(d: JsonDoc, u: i32): void {
    if (u < 0 || d.kind(u) != K_OBJ) return;
    this.prompt = intOr0(d, u, "prompt_tokens");
    this.completion = intOr0(d, u, "completion_tokens");
    this.cached = intOr0(d, d.get(u, "prompt_tokens_details"), "cached_tokens");
    if (this.cached > this.prompt) this.cached = this.prompt;
  }

  /** Anthropic usage members (no braces). */
  write(out: OutBuf): void {
    out.str('"input_tokens":').int(this.prompt - this.cached).str(',"output_tokens":').int(this.completion);
    out.str(',"cache_creation_input_tokens":0,"cache_read_input_tokens":').int(this.cached);
  }
}

class OpenAIToAnthropicStream extends StreamState {
  started: bool = false;
  /** Index of the open content block, -1 when none. */
  open: i32 = -1;
  nextBlock: i32 = 0;
  /** OpenAI tool_calls index -> Anthropic block index (-1 unmapped). */
  blockOfTool: Array<i32> = new Array<i32>();
  stopReason: string = "";
  tokens: Tokens = new Tokens();
  fallbackModel: string = "";
}

export class AnthropicToOpenAI extends Converter {
  private args: JsonDoc = new JsonDoc(32);
  private ev: JsonDoc = new JsonDoc(64);

  client(): Protocol {
    return Protocol.Anthropic;
  }
  upstream(): Protocol {
    return Protocol.OpenAI;
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

    const max = r.optPositiveInt(0, "max_tokens");
    if (max == -2) return false;
    if (max == -1) return r.fail("max_tokens", "required integer is missing");
    o.str(',"').str(opts.openaiMaxTokensField).str('":').int(max);

    const msgs = r.req(0, "messages", K_ARR);
    if (msgs < 0) return false;
    o.str(',"messages":[');
    const sys = r.member(0, "system");
    if (sys >= 0 && !(d.kind(sys) == K_STR && r.isEmptyStr(sys))) {
      o.str('{"role":"system","content":');
      if (d.kind(sys) == K_STR) r.copy(sys);
      else if (d.kind(sys) == K_ARR) {
        o.ch(0x22);
        r.enter("system");
        if (!this.joinTexts(sys, false)) return false;
        r.leave();
        o.ch(0x22);
      } else return r.wrong("system", "string or array", sys);
      o.str("},");
    }
    let i = 0;
    for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
      r.enter("messages", i++);
      if (!this.writeMessage(m)) return false;
      r.leave();
    }
    o.dropLast(0x2c).ch(0x5d);

    const temp = r.opt(0, "temperature", K_NUM);
    if (temp == -2) return false;
    if (temp >= 0) r.field(',"temperature":', temp);
    const topP = r.opt(0, "top_p", K_NUM);
    if (topP == -2) return false;
    if (topP >= 0) r.field(',"top_p":', topP);
    const stop = r.opt(0, "stop_sequences", K_ARR);
    if (stop == -2) return false;
    if (stop >= 0) {
      if (!r.allStrings(stop, "stop_sequences")) return false;
      if (d.size(stop) > 0) r.field(',"stop":', stop);
    }
    const stream = r.optBool(0, "stream");
    if (stream == -2) return false;
    res.stream = stream == 1;
    if (res.stream) o.str(',"stream":true,"stream_options":{"include_usage":true}');
    const meta = r.opt(0, "metadata", K_OBJ);
    if (meta == -2) return false;
    if (meta >= 0) {
      r.enter("metadata");
      const uid = r.opt(meta, "user_id", K_STR);
      if (uid == -2) return false;
      r.leave();
      if (uid >= 0) r.field(',"user":', uid);
    }
    if (!this.writeTools()) return false;
    o.ch(0x7d);
    return true;
  }

  // Text of string-or-block content c (the current path) joined by "\n", as JSON string content
  // (no quotes). With skipImages, image blocks are passed over (the caller moves them elsewhere).
  private joinTexts(c: i32, skipImages: bool): bool {
    const r = this.r;
    const d = r.doc;
    if (d.kind(c) == K_STR) {
      r.copyInner(c);
      return true;
    }
    let j = 0;
    let n = 0;
    for (let b = d.first(c); b < d.after(c); b = d.after(b)) {
      r.enter("", j++);
      if (d.kind(b) != K_OBJ) return r.wrong("", "object", b);
      const ty = r.req(b, "type", K_STR);
      if (ty < 0) return false;
      if (!(skipImages && d.strIs(ty, "image"))) {
        if (!d.strIs(ty, "text")) return r.fail("type", "expected \"text\" here");
        const t = r.req(b, "text", K_STR);
        if (t < 0) return false;
        if (n++ > 0) r.out.str("\\n");
        r.copyInner(t);
      }
      r.leave();
    }
    return true;
  }

  // One message (the current path).
  private writeMessage(m: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    if (d.kind(m) != K_OBJ) return r.wrong("", "object", m);
    const role = r.req(m, "role", K_STR);
    if (role < 0) return false;
    const isUser = d.strIs(role, "user");
    if (!isUser && !d.strIs(role, "assistant")) return r.fail("role", "expected user or assistant");
    const c = r.member(m, "content");
    if (c < 0) return r.fail("content", "required string or array is missing");
    if (d.kind(c) == K_STR) {
      o.str(isUser ? '{"role":"user","content":' : '{"role":"assistant","content":');
      r.copy(c);
      o.str("},");
      return true;
    }
    if (d.kind(c) != K_ARR) return r.wrong("content", "string or array", c);
    r.enter("content");
    const ok = isUser ? this.writeUserBlocks(c) : this.writeAssistantBlocks(c);
    r.leave();
    return ok;
  }

  private writeUserBlocks(c: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    // 1) tool results first, each as a tool message
    let j = 0;
    let others = 0;
    let lastText = -1;
    for (let b = d.first(c); b < d.after(c); b = d.after(b)) {
      r.enter("", j++);
      if (d.kind(b) != K_OBJ) return r.wrong("", "object", b);
      const ty = r.req(b, "type", K_STR);
      if (ty < 0) return false;
      if (d.strIs(ty, "tool_result")) {
        const id = r.req(b, "tool_use_id", K_STR);
        if (id < 0) return false;
        r.field('{"role":"tool","tool_call_id":', id);
        o.str(',"content":');
        const tc = r.member(b, "content");
        if (tc < 0) o.str('""');
        else if (d.kind(tc) == K_STR) r.copy(tc);
        else if (d.kind(tc) == K_ARR) {
          o.ch(0x22);
          r.enter("content");
          if (!this.joinTexts(tc, true)) return false;
          r.leave();
          o.ch(0x22);
          others += this.countImages(tc);
        } else return r.wrong("content", "string or array", tc);
        o.str("},");
      } else if (d.strIs(ty, "text")) {
        if (r.req(b, "text", K_STR) < 0) return false;
        others++;
        lastText = b;
      } else if (d.strIs(ty, "image")) {
        others++;
        lastText = -1;
      } else return r.fail("type", "unsupported block " + d.raw(ty) + " for an OpenAI upstream");
      r.leave();
    }
    if (others == 0) return true;
    // 2) the rest as one user message; a single text block stays a plain string
    if (others == 1 && lastText >= 0) {
      r.field('{"role":"user","content":', d.get(lastText, "text"));
      o.str("},");
      return true;
    }
    o.str('{"role":"user","content":[');
    j = 0;
    for (let b = d.first(c); b < d.after(c); b = d.after(b)) {
      r.enter("", j++);
      const ty = d.get(b, "type");
      if (d.strIs(ty, "tool_result")) {
        const tc = d.get(b, "content");
        if (d.kind(tc) == K_ARR) {
          let k = 0;
          for (let e = d.first(tc); e < d.after(tc); e = d.after(e)) {
            r.enter("content", k++);
            if (d.strIs(d.get(e, "type"), "image") && !this.writeImagePart(e)) return false;
            r.leave();
          }
        }
      } else if (d.strIs(ty, "text")) {
        r.field('{"type":"text","text":', d.get(b, "text"));
        o.str("},");
      } else if (!this.writeImagePart(b)) return false;
      r.leave();
    }
    o.dropLast(0x2c).str("]},");
    return true;
  }

  private countImages(a: i32): i32 {
    const d = this.r.doc;
    let n = 0;
    for (let e = d.first(a); e < d.after(a); e = d.after(e)) if (d.strIs(d.get(e, "type"), "image")) n++;
    return n;
  }

  // An Anthropic image block (the current path) as an OpenAI image_url part, followed by a comma.
  private writeImagePart(b: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const src = r.req(b, "source", K_OBJ);
    if (src < 0) return false;
    r.enter("source");
    const st = r.req(src, "type", K_STR);
    if (st < 0) return false;
    if (d.strIs(st, "base64")) {
      const mt = r.req(src, "media_type", K_STR);
      const data = mt < 0 ? -1 : r.req(src, "data", K_STR);
      if (data < 0) return false;
      o.str('{"type":"image_url","image_url":{"url":"data:');
      r.copyInner(mt);
      o.str(";base64,");
      r.copyInner(data);
      o.str('"}},');
    } else if (d.strIs(st, "url")) {
      const url = r.req(src, "url", K_STR);
      if (url < 0) return false;
      r.field('{"type":"image_url","image_url":{"url":', url);
      o.str("}},");
    } else return r.fail("type", "expected \"base64\" or \"url\" for an OpenAI upstream");
    r.leave();
    return true;
  }

  private writeAssistantBlocks(c: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    o.str('{"role":"assistant","content":');
    let texts = 0;
    let tools = 0;
    let j = 0;
    for (let b = d.first(c); b < d.after(c); b = d.after(b)) {
      r.enter("", j++);
      if (d.kind(b) != K_OBJ) return r.wrong("", "object", b);
      const ty = r.req(b, "type", K_STR);
      if (ty < 0) return false;
      if (d.strIs(ty, "text")) {
        const t = r.req(b, "text", K_STR);
        if (t < 0) return false;
        o.str(texts++ == 0 ? '"' : "\\n");
        r.copyInner(t);
      } else if (d.strIs(ty, "tool_use")) {
        const id = r.req(b, "id", K_STR);
        if (id < 0 || r.req(b, "name", K_STR) < 0) return false;
        const input = r.member(b, "input");
        if (input >= 0 && d.kind(input) != K_OBJ) return r.wrong("input", "object", input);
        tools++;
      } else if (!d.strIs(ty, "thinking") && !d.strIs(ty, "redacted_thinking")) return r.fail("type", "unsupported block " + d.raw(ty) + " for an OpenAI upstream");
      r.leave();
    }
    if (texts > 0) o.ch(0x22);
    else o.str("null");
    if (tools > 0) {
      o.str(',"tool_calls":[');
      for (let b = d.first(c); b < d.after(c); b = d.after(b)) {
        if (!d.strIs(d.get(b, "type"), "tool_use")) continue;
        r.field('{"id":', d.get(b, "id"));
        r.field(',"type":"function","function":{"name":', d.get(b, "name"));
        o.str(',"arguments":');
        const input = r.member(b, "input");
        if (input < 0) o.str('"{}"');
        else r.quoteRaw(input);
        o.str("}},");
      }
      o.dropLast(0x2c).ch(0x5d);
    }
    o.str("},");
    return true;
  }

  private writeTools(): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const tools = r.opt(0, "tools", K_ARR);
    if (tools == -2) return false;
    if (tools >= 0 && d.size(tools) > 0) {
      o.str(',"tools":[');
      let j = 0;
      for (let t = d.first(tools); t < d.after(tools); t = d.after(t)) {
        r.enter("tools", j++);
        if (d.kind(t) != K_OBJ) return r.wrong("", "object", t);
        const ty = r.member(t, "type");
        if (ty >= 0 && !d.strIs(ty, "custom")) return r.fail("type", "server tool " + d.raw(ty) + " cannot be sent to an OpenAI upstream");
        const name = r.req(t, "name", K_STR);
        if (name < 0) return false;
        r.field('{"type":"function","function":{"name":', name);
        const desc = r.opt(t, "description", K_STR);
        if (desc == -2) return false;
        if (desc >= 0) r.field(',"description":', desc);
        const schema = r.opt(t, "input_schema", K_OBJ);
        if (schema == -2) return false;
        if (schema >= 0) r.field(',"parameters":', schema);
        o.str("}},");
        r.leave();
      }
      o.dropLast(0x2c).ch(0x5d);
    }
    const tc = r.opt(0, "tool_choice", K_OBJ);
    if (tc == -2) return false;
    if (tc < 0) return true;
    r.enter("tool_choice");
    const ty = r.req(tc, "type", K_STR);
    if (ty < 0) return false;
    if (d.strIs(ty, "auto")) o.str(',"tool_choice":"auto"');
    else if (d.strIs(ty, "any")) o.str(',"tool_choice":"required"');
    else if (d.strIs(ty, "none")) o.str(',"tool_choice":"none"');
    else if (d.strIs(ty, "tool")) {
      const name = r.req(tc, "name", K_STR);
      if (name < 0) return false;
      r.field(',"tool_choice":{"type":"function","function":{"name":', name);
      o.str("}}");
    } else return r.fail("type", "expected auto, any, tool or none");
    const dp = r.optBool(tc, "disable_parallel_tool_use");
    if (dp == -2) return false;
    r.leave();
    if (dp == 1 && tools >= 0 && !d.strIs(ty, "none")) o.str(',"parallel_tool_calls":false');
    return true;
  }

  // ------------------------------------------------------------------ response

  response(body: string, req: RequestResult, opts: ConvertOptions): BodyResult {
    const res = new BodyResult();
    if (this.writeResponse(body, req)) res.body = this.r.out.toString();
    else res.error = this.r.err;
    return res;
  }

  private writeResponse(body: string, req: RequestResult): bool {
    const r = this.r;
    if (!r.open(body, 502)) return false;
    const d = r.doc;
    const o = r.out;
    const choices = r.req(0, "choices", K_ARR);
    if (choices < 0) return false;
    if (d.size(choices) == 0) return r.fail("choices", "no choice in the upstream answer");
    const ch = d.first(choices);
    r.enter("choices", 0);
    const msg = r.req(ch, "message", K_OBJ);
    if (msg < 0) return false;
    r.leave();
    o.str('{"id":');
    const id = d.get(0, "id");
    if (id >= 0 && d.kind(id) == K_STR) r.copy(id);
    else o.str('"msg"');
    o.str(',"type":"message","role":"assistant","model":');
    const model = d.get(0, "model");
    if (model >= 0 && d.kind(model) == K_STR) r.copy(model);
    else o.quote(req.model);
    o.str(',"content":[');
    const content = d.get(msg, "content");
    if (content >= 0 && d.kind(content) == K_STR && d.end(content) - d.start(content) > 2) {
      r.field('{"type":"text","text":', content);
      o.str("},");
    } else if (content >= 0 && d.kind(content) == K_ARR) {
      for (let p = d.first(content); p < d.after(content); p = d.after(p)) {
        const t = d.get(p, "text");
        if (t >= 0 && d.kind(t) == K_STR) {
          r.field('{"type":"text","text":', t);
          o.str("},");
        }
      }
    }
    const refusal = d.get(msg, "refusal");
    if (refusal >= 0 && d.kind(refusal) == K_STR) {
      r.field('{"type":"text","text":', refusal);
      o.str("},");
    }
    const tcs = d.get(msg, "tool_calls");
    const called = d.kind(tcs) == K_ARR && d.size(tcs) > 0;
    if (called) {
      for (let tc = d.first(tcs); tc < d.after(tcs); tc = d.after(tc)) {
        const tid = d.get(tc, "id");
        const fn = d.get(tc, "function");
        const name = d.get(fn, "name");
        if (tid < 0 || d.kind(tid) != K_STR || name < 0 || d.kind(name) != K_STR) return r.fail("choices[0].message.tool_calls", "tool call without id or function.name");
        r.field('{"type":"tool_use","id":', tid);
        r.field(',"name":', name);
        o.str(',"input":');
        this.writeInput(d.get(fn, "arguments"));
        o.str("},");
      }
    }
    o.dropLast(0x2c).str('],"stop_reason":"').str(stopReasonFor(d, d.get(ch, "finish_reason"), called));
    o.str('","stop_sequence":null,"usage":{');
    const tok = new Tokens();
    tok.read(d, d.get(0, "usage"));
    tok.write(o);
    o.str("}}");
    return true;
  }

  // Tool arguments text as an input object; text that is not a JSON object becomes {}.
  private writeInput(t: i32): void {
    const d = this.r.doc;
    if (t >= 0 && d.kind(t) == K_STR) {
      const text = d.str(t);
      if (this.args.parse(text) && this.args.kind(0) == K_OBJ) {
        this.r.out.str(text);
        return;
      }
    }
    this.r.out.str("{}");
  }

  // ------------------------------------------------------------------ stream

  newStream(req: RequestResult, opts: ConvertOptions): StreamState {
    const st = new OpenAIToAnthropicStream();
    st.fallbackModel = req.model;
    return st;
  }

  streamEvent(state: StreamState, event: string, data: string, out: OutBuf): ConvertError | null {
    const st = state as OpenAIToAnthropicStream;
    if (st.done) return null;
    if (data == "[DONE]") {
      this.finish(st, out);
      return null;
    }
    const d = this.ev;
    if (!d.parse(data) || d.kind(0) != K_OBJ) {
      const msg = "upstream stream event: " + (d.error.length > 0 ? d.error : "expected a JSON object");
      this.failStream(st, out, "api_error", msg);
      return new ConvertError(502, msg);
    }
    const err = d.get(0, "error");
    if (err >= 0 && d.kind(err) == K_OBJ) {
      const em = d.get(err, "message");
      const et = d.get(err, "type");
      const type = et >= 0 && d.kind(et) == K_STR ? anthropicTypeFor(statusForErrorType(d.str(et))) : "api_error";
      this.failStream(st, out, type, em >= 0 && d.kind(em) == K_STR ? d.str(em) : "upstream stream error");
      return null;
    }
    if (!st.started) this.start(st, out);
    const u = d.get(0, "usage");
    if (u >= 0 && d.kind(u) == K_OBJ) st.tokens.read(d, u);
    const choices = d.get(0, "choices");
    if (choices < 0 || d.kind(choices) != K_ARR || d.size(choices) == 0) return null;
    const ch = d.first(choices); // an Anthropic answer has one choice
    const delta = d.get(ch, "delta");
    if (delta >= 0 && d.kind(delta) == K_OBJ) {
      const text = d.get(delta, "content");
      if (text >= 0 && d.kind(text) == K_STR && d.end(text) - d.start(text) > 2) this.text(st, out, text);
      const refusal = d.get(delta, "refusal");
      if (refusal >= 0 && d.kind(refusal) == K_STR && d.end(refusal) - d.start(refusal) > 2) this.text(st, out, refusal);
      const tcs = d.get(delta, "tool_calls");
      if (tcs >= 0 && d.kind(tcs) == K_ARR) {
        let pos = 0;
        for (let tc = d.first(tcs); tc < d.after(tcs); tc = d.after(tc)) this.toolDelta(st, out, tc, pos++);
      }
    }
    const fr = d.get(ch, "finish_reason");
    if (fr >= 0 && d.kind(fr) == K_STR) {
      this.closeBlock(st, out);
      st.stopReason = stopReasonFor(d, fr, st.blockOfTool.length > 0);
    }
    return null;
  }

  streamEnd(state: StreamState, out: OutBuf): void {
    const st = state as OpenAIToAnthropicStream;
    if (st.done) return;
    // Some OpenAI-compatible servers end without [DONE]; a finish_reason is enough to close cleanly.
    if (st.stopReason.length > 0) this.finish(st, out);
    else this.failStream(st, out, "api_error", "upstream stream ended before finish_reason");
  }

  private start(st: OpenAIToAnthropicStream, out: OutBuf): void {
    const d = this.ev;
    st.started = true;
    out.str('event: message_start\ndata: {"type":"message_start","message":{"id":');
    const id = d.get(0, "id");
    if (id >= 0 && d.kind(id) == K_STR) out.span(d.src, d.start(id), d.end(id));
    else out.str('"msg"');
    out.str(',"type":"message","role":"assistant","model":');
    const model = d.get(0, "model");
    if (model >= 0 && d.kind(model) == K_STR) out.span(d.src, d.start(model), d.end(model));
    else out.quote(st.fallbackModel);
    out.str(',"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}\n\n');
  }

  private text(st: OpenAIToAnthropicStream, out: OutBuf, t: i32): void {
    const d = this.ev;
    if (st.open < 0 || this.isToolBlock(st, st.open)) {
      this.closeBlock(st, out);
      st.open = st.nextBlock++;
      out.str('event: content_block_start\ndata: {"type":"content_block_start","index":').int(st.open);
      out.str(',"content_block":{"type":"text","text":""}}\n\n');
    }
    out.str('event: content_block_delta\ndata: {"type":"content_block_delta","index":').int(st.open);
    out.str(',"delta":{"type":"text_delta","text":').span(d.src, d.start(t), d.end(t)).str("}}\n\n");
  }

  private toolDelta(st: OpenAIToAnthropicStream, out: OutBuf, tc: i32, pos: i32): void {
    const d = this.ev;
    const it = d.get(tc, "index");
    const k = it >= 0 && d.kind(it) == K_NUM ? <i32>d.int(it) : pos;
    if (k < 0 || k > 10000) return;
    while (st.blockOfTool.length <= k) st.blockOfTool.push(-1);
    const fn = d.get(tc, "function");
    if (st.blockOfTool[k] < 0) {
      // a new call: its own tool_use block
      this.closeBlock(st, out);
      const b = st.nextBlock++;
      st.blockOfTool[k] = b;
      st.open = b;
      out.str('event: content_block_start\ndata: {"type":"content_block_start","index":').int(b);
      out.str(',"content_block":{"type":"tool_use","id":');
      const id = d.get(tc, "id");
      if (id >= 0 && d.kind(id) == K_STR) out.span(d.src, d.start(id), d.end(id));
      else out.str('"call_').int(k).ch(0x22);
      out.str(',"name":');
      const name = d.get(fn, "name");
      if (name >= 0 && d.kind(name) == K_STR) out.span(d.src, d.start(name), d.end(name));
      else out.str('""');
      out.str(',"input":{}}}\n\n');
    }
    const args = d.get(fn, "arguments");
    if (args < 0 || d.kind(args) != K_STR || d.end(args) - d.start(args) <= 2) return;
    out.str('event: content_block_delta\ndata: {"type":"content_block_delta","index":').int(st.blockOfTool[k]);
    out.str(',"delta":{"type":"input_json_delta","partial_json":').span(d.src, d.start(args), d.end(args)).str("}}\n\n");
  }

  private isToolBlock(st: OpenAIToAnthropicStream, b: i32): bool {
    for (let i = 0; i < st.blockOfTool.length; i++) if (st.blockOfTool[i] == b) return true;
    return false;
  }

  private closeBlock(st: OpenAIToAnthropicStream, out: OutBuf): void {
    if (st.open < 0) return;
    out.str('event: content_block_stop\ndata: {"type":"content_block_stop","index":').int(st.open).str("}\n\n");
    st.open = -1;
  }

  private finish(st: OpenAIToAnthropicStream, out: OutBuf): void {
    if (!st.started) {
      this.failStream(st, out, "api_error", "upstream stream ended without any answer");
      return;
    }
    this.closeBlock(st, out);
    out.str('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"');
    out.str(st.stopReason.length > 0 ? st.stopReason : "end_turn").str('","stop_sequence":null},"usage":{');
    st.tokens.write(out);
    out.str('}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');
    st.done = true;
  }

  private failStream(st: OpenAIToAnthropicStream, out: OutBuf, type: string, message: string): void {
    out.str("event: error\ndata: ").str(anthropicErrorBody(type, message)).str("\n\n");
    st.done = true;
    st.failed = true;
  }

  // ------------------------------------------------------------------ errors

  error(status: i32, body: string): ErrorResult {
    const d = this.ev;
    let message = "upstream returned HTTP " + status.toString();
    if (d.parse(body) && d.kind(0) == K_OBJ) {
      const e = d.get(0, "error");
      const em = d.get(e, "message");
      if (em >= 0 && d.kind(em) == K_STR) message = d.str(em);
      else if (e >= 0 && d.kind(e) == K_STR) message = d.str(e); // {"error":"text"} from simple servers
    }
    return new ErrorResult(status, anthropicErrorBody(anthropicTypeFor(<u32>status), message));
  }

  clientErrorBody(err: ConvertError): string {
    return anthropicErrorBody(anthropicTypeFor(<u32>err.status), err.message);
  }
}
