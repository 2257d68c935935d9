// OpenAI Chat Completions client -> Google Gemini generateContent upstream: request, response,
// stream events (streamGenerateContent?alt=sse) and errors. Gemini API reference (v1beta).
// (Over 400 lines because it holds all four mappings of one direction, as the converter layout asks.)
//
// Request mapping (OpenAI -> Gemini):
//   model                        -> not in the body: RequestResult.model, for the URL path
//   system / developer messages  -> systemInstruction.parts[{text}]
//   user / assistant             -> contents[{role user|model, parts}]; runs of one role are merged
//                                   (parallel function responses must share one turn)
//   text parts                   -> {text}; image_url data: URL -> {inlineData {mimeType, data}}
//                                   (http(s) image URLs are refused: Gemini reads only inline data
//                                   or its own file URIs)
//   assistant tool_calls         -> {functionCall {name, args}}; a thought signature the client
//                                   kept in tool_calls[].extra_content.google.thought_signature (as
//                                   Gemini's own OpenAI endpoint returns it) goes back as the part's
//                                   thoughtSignature, which Gemini 3 requires on function calls
//   role tool                    -> {functionResponse {name, response {output: <content text>}}}
//                                   (name found from the earlier tool call with that id; "output"
//                                   is the key Gemini documents for a function's result)
//   tools[].function             -> tools[{functionDeclarations[{name, description,
//                                   parametersJsonSchema}]}] (or `parameters` when
//                                   ConvertOptions.geminiJsonSchema is false)
//   tool_choice auto|none|required|{function} -> toolConfig.functionCallingConfig AUTO|NONE|ANY|
//                                   ANY + allowedFunctionNames
//   temperature, top_p, max_(completion_)tokens, stop, n, seed, presence_penalty,
//   frequency_penalty               -> generationConfig temperature, topP, maxOutputTokens,
//                                   stopSequences, candidateCount, seed, presencePenalty, frequencyPenalty
//   response_format json_object | json_schema -> responseMimeType application/json (+ responseJsonSchema)
// Dropped (no Gemini field): user, logit_bias, logprobs, top_logprobs, parallel_tool_calls,
//   service_tier, store, metadata, reasoning_effort, modalities, audio, prediction,
//   web_search_options, stream (the URL says it), stream_options (kept as state), message `name`.
//
// Response: candidates -> choices (thought parts dropped; text parts joined; functionCall ->
//   tool_calls with the call's id, or a generated "call_<responseId>_<n>", args as `arguments`
//   text). finishReason STOP -> stop (tool_calls when the candidate called a function),
//   MAX_TOKENS -> length, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY ->
//   content_filter, others -> stop; a prompt blocked by promptFeedback -> one content_filter choice.
// Usage: prompt_tokens = promptTokenCount + toolUsePromptTokenCount; completion_tokens =
//   candidatesTokenCount + thoughtsTokenCount (OpenAI counts reasoning as completion);
//   cached_tokens = cachedContentTokenCount; reasoning_tokens = thoughtsTokenCount.
// Stream: every event is a whole GenerateContentResponse with new text; usageMetadata is cumulative
//   (the last one wins). Gemini sends no terminator, so streamEnd() writes the usage chunk and [DONE]
//   once every started candidate reported a finishReason (else an error chunk: the stream was cut).
//   Function calls arrive whole: one tool_calls delta with full arguments. An {"error":..} event ->
//   error chunk, no [DONE].
// Errors: status kept; OpenAI type from the status; code = the Google RPC status
//   ("RESOURCE_EXHAUSTED"); bodies wrapped in a JSON array are unwrapped.
import { Converter, Protocol, ConvertOptions, RequestResult, BodyResult, StreamState, ConvertError, ErrorResult } from "./converter";
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE } from "./json-tape";
import { OutBuf } from "./out-buf";
import { Reader } from "./reader";
import { OpenAIStream, OpenAIUsage, writeUsage, openAiError } from "./openai-helper";
import { DataUrl, writeToolInput, readRoles, ROLE_SYSTEM, ROLE_ASSISTANT, ROLE_TOOL } from "./openai-request-parts";
import { writeSystemParts, writeGenerationConfig, writeToolConfig } from "./openai-to-gemini-config";
import { openAiErrorBody, openAiTypeFor, statusForGeminiStatus } from "../../shared/errors";

function isFilterReason(d: JsonDoc, t: i32): bool {
  return d.strIs(t, "SAFETY") || d.strIs(t, "RECITATION") || d.strIs(t, "BLOCKLIST") || d.strIs(t, "PROHIBITED_CONTENT") || d.strIs(t, "SPII") || d.strIs(t, "IMAGE_SAFETY");
}

/** OpenAI finish_reason for a Gemini finishReason; "" while the candidate is still going. */
function finishFor(d: JsonDoc, t: i32, calledTools: bool): string {
  if (t < 0 || d.kind(t) != K_STR) return "";
  if (d.strIs(t, "MAX_TOKENS")) return "length";
  if (isFilterReason(d, t)) return "content_filter";
  return calledTools ? "tool_calls" : "stop";
}

function intOf(d: JsonDoc, o: i32, key: string): i64 {
  const t = d.get(o, key);
  if (d.kind(t) != K_NUM) return -1;
  const v = d.int(t);
  return v < 0 ? -1 : v;
}

/** usageMetadata -> OpenAI usage (overwrites: Gemini's counts are cumulative). */
function readUsage(d: JsonDoc, u: i32, into: OpenAIUsage): void {
  if (d.kind(u) != K_OBJ) return;
  const prompt = intOf(d, u, "promptTokenCount");
  const tool = intOf(d, u, "toolUsePromptTokenCount");
  const cand = intOf(d, u, "candidatesTokenCount");
  const thoughts = intOf(d, u, "thoughtsTokenCount");
  into.prompt = (prompt > 0 ? prompt : 0) + (tool > 0 ? tool : 0);
  into.completion = (cand > 0 ? cand : 0) + (thoughts > 0 ? thoughts : 0);
  into.total = intOf(d, u, "totalTokenCount");
  into.cached = intOf(d, u, "cachedContentTokenCount");
  into.reasoning = thoughts;
  into.seen = true;
}

class GeminiToOpenAIStream extends OpenAIStream {
  fallbackModel: string = "";
  fallbackId: string = "";
  /** Candidate indexes (0..31) whose role chunk was sent / that called a function / that finished. */
  roleSent: u32 = 0;
  called: u32 = 0;
  finished: u32 = 0;
  /** tool_calls index per candidate (first 8 candidates; Gemini allows candidateCount <= 8). */
  toolCount: StaticArray<i32> = new StaticArray<i32>(8);
  /** Running number for generated tool-call ids. */
  callSeq: i32 = 0;
}

export class OpenAIToGemini extends Converter {
  private args: JsonDoc = new JsonDoc(32);
  private ev: JsonDoc = new JsonDoc(64);
  private dataUrl: DataUrl = new DataUrl();
  private roles: Array<i32> = new Array<i32>();
  private names: Map<string, string> = new Map<string, string>();

  client(): Protocol {
    return Protocol.OpenAI;
  }
  upstream(): Protocol {
    return Protocol.Gemini;
  }

  // ------------------------------------------------------------------ request

  protected writeRequest(body: string, opts: ConvertOptions, res: RequestResult): bool {
    const r = this.r;
    if (!r.open(body, 400)) return false;
    const d = r.doc;
    const o = r.out;
    const mt = r.opt(0, "model", K_STR);
    if (mt == -2) return false;
    if (opts.model.length > 0) res.model = opts.model;
    else if (mt >= 0) res.model = d.str(mt);
    else return r.fail("model", "required string is missing");
    const stream = r.optBool(0, "stream");
    if (stream == -2) return false;
    res.stream = stream == 1;
    const so = r.opt(0, "stream_options", K_OBJ);
    if (so == -2) return false;
    if (so >= 0) {
      r.enter("stream_options");
      const iu = r.optBool(so, "include_usage");
      if (iu == -2) return false;
      r.leave();
      res.includeUsage = iu == 1;
    }

    const msgs = r.req(0, "messages", K_ARR);
    if (msgs < 0) return false;
    if (!readRoles(r, msgs, this.roles)) return false;
    o.str('{"contents":[');
    if (!this.writeContents(msgs)) return false;
    o.ch(0x5d);
    if (!writeSystemParts(r, msgs, this.roles)) return false;
    if (!this.writeTools(opts)) return false;
    if (!writeToolConfig(r)) return false;
    if (!writeGenerationConfig(r)) return false;
    o.ch(0x7d);
    return true;
  }

  private writeContents(msgs: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const roles = this.roles;
    const names = this.names; // tool call id -> raw name token of the call
    names.clear();
    let open = -1; // role of the open content: 0 user, 1 model
    let i = 0;
    for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
      const role = roles[i];
      if (role == ROLE_SYSTEM) {
        i++;
        continue;
      }
      const g = role == ROLE_ASSISTANT ? 1 : 0;
      if (g != open) {
        if (open >= 0) o.dropLast(0x2c).str("]},");
        o.str(g == 1 ? '{"role":"model","parts":[' : '{"role":"user","parts":[');
        open = g;
      }
      r.enter("messages", i++);
      const c = r.member(m, "content");
      if (role == ROLE_TOOL) {
        const id = r.req(m, "tool_call_id", K_STR);
        if (id < 0) return false;
        const key = d.str(id);
        if (!names.has(key)) return r.fail("tool_call_id", "no earlier assistant tool call has this id");
        o.str('{"functionResponse":{"name":').str(names.get(key)).str(',"response":{"output":');
        if (c < 0) o.str('""');
        else if (d.kind(c) == K_STR) r.copy(c);
        else if (d.kind(c) == K_ARR) {
          o.ch(0x22);
          if (!this.joinTextParts(c)) return false;
          o.ch(0x22);
        } else return r.wrong("content", "string or array", c);
        o.str("}}},");
      } else {
        if (d.kind(c) == K_STR) {
          if (!r.isEmptyStr(c)) {
            r.field('{"text":', c);
            o.str("},");
          }
        } else if (d.kind(c) == K_ARR) {
          r.enter("content");
          if (!this.writeParts(c, role == ROLE_ASSISTANT)) return false;
          r.leave();
        } else if (c >= 0) return r.wrong("content", "string or array", c);
        else if (role != ROLE_ASSISTANT) return r.fail("content", "required string or array is missing");
        if (role == ROLE_ASSISTANT && !this.writeCalls(m)) return false;
      }
      r.leave();
    }
    if (open >= 0) o.dropLast(0x2c).str("]}");
    return true;
  }

  // Text parts of a tool message joined by "\n" (JSON string content, no quotes).
  private joinTextParts(c: i32): bool {
    const r = this.r;
    const d = r.doc;
    let j = 0;
    for (let p = d.first(c); p < d.after(c); p = d.after(p)) {
      const t = d.get(p, "text");
      if (!d.strIs(d.get(p, "type"), "text") || d.kind(t) != K_STR) {
        r.enter("content", j);
        return r.fail("", "expected a text part");
      }
      if (j > 0) r.out.str("\\n");
      r.copyInner(t);
      j++;
    }
    return true;
  }

  private writeParts(c: i32, assistant: bool): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    let j = 0;
    for (let p = d.first(c); p < d.after(c); p = d.after(p)) {
      r.enter("", j++);
      if (d.kind(p) != K_OBJ) return r.wrong("", "object", p);
      const ty = r.req(p, "type", K_STR);
      if (ty < 0) return false;
      if (d.strIs(ty, "text") || (assistant && d.strIs(ty, "refusal"))) {
        const t = r.req(p, d.strIs(ty, "text") ? "text" : "refusal", K_STR);
        if (t < 0) return false;
        if (!r.isEmptyStr(t)) {
          r.field('{"text":', t);
          o.str("},");
        }
      } else if (!assistant && d.strIs(ty, "image_url")) {
        const iu = r.req(p, "image_url", K_OBJ);
        if (iu < 0) return false;
        r.enter("image_url");
        const url = r.req(iu, "url", K_STR);
        if (url < 0) return false;
        const du = this.dataUrl;
        if (!du.read(d, url)) return r.fail("url", "expected a base64 data: URL (Gemini takes images inline)");
        r.leave();
        o.str('{"inlineData":{"mimeType":"');
        du.writeType(o);
        o.str('","data":"');
        du.writeData(o);
        o.str('"}},');
      } else return r.fail("type", "unsupported content part " + d.raw(ty) + " for a Gemini upstream");
      r.leave();
    }
    return true;
  }

  private writeCalls(m: i32): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const tcs = r.opt(m, "tool_calls", K_ARR);
    if (tcs == -2) return false;
    if (tcs < 0) return true;
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
      this.names.set(d.str(id), d.raw(name));
      r.field('{"functionCall":{"name":', name);
      o.str(',"args":');
      if (!writeToolInput(r, this.args, fn)) return false;
      o.ch(0x7d);
      r.leave();
      const sig = d.get(d.get(d.get(tc, "extra_content"), "google"), "thought_signature");
      if (d.kind(sig) == K_STR) r.field(',"thoughtSignature":', sig);
      o.str("},");
      r.leave();
    }
    return true;
  }

  private writeTools(opts: ConvertOptions): bool {
    const r = this.r;
    const d = r.doc;
    const o = r.out;
    const tools = r.opt(0, "tools", K_ARR);
    if (tools == -2) return false;
    if (tools < 0 || d.size(tools) == 0) return true;
    o.str(',"tools":[{"functionDeclarations":[');
    let j = 0;
    for (let t = d.first(tools); t < d.after(tools); t = d.after(t)) {
      r.enter("tools", j++);
      if (d.kind(t) != K_OBJ) return r.wrong("", "object", t);
      const ty = r.member(t, "type");
      if (ty >= 0 && !d.strIs(ty, "function")) return r.fail("type", "only \"function\" tools can be sent to a Gemini upstream");
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
      if (params >= 0) r.field(opts.geminiJsonSchema ? ',"parametersJsonSchema":' : ',"parameters":', params);
      o.str("},");
      r.leave();
      r.leave();
    }
    o.dropLast(0x2c).str("]}]");
    return true;
  }

  // ------------------------------------------------------------------ response

  response(body: string, req: RequestResult, opts: ConvertOptions): BodyResult {
    const res = new BodyResult();
    if (this.writeResponse(body, req, opts)) res.body = this.r.out.toString();
    else res.error = this.r.err;
    return res;
  }

  private writeResponse(body: string, req: RequestResult, opts: ConvertOptions): bool {
    const r = this.r;
    if (!r.open(body, 502)) return false;
    const d = r.doc;
    const o = r.out;
    const cands = r.opt(0, "candidates", K_ARR);
    if (cands == -2) return false;
    const rid = d.get(0, "responseId");
    o.str('{"id":');
    if (d.kind(rid) == K_STR) r.copy(rid);
    else o.quote(opts.fallbackId);
    o.str(',"object":"chat.completion","created":').int(opts.nowSeconds).str(',"model":');
    const mv = d.get(0, "modelVersion");
    if (d.kind(mv) == K_STR) r.copy(mv);
    else o.quote(req.model);
    o.str(',"choices":[');
    let seq = 0;
    let pos = 0;
    if (cands >= 0) {
      for (let c = d.first(cands); c < d.after(cands); c = d.after(c)) {
        const it = d.get(c, "index");
        o.str('{"index":').int(d.kind(it) == K_NUM ? d.int(it) : pos).str(',"message":{"role":"assistant","content":');
        const parts = d.get(d.get(c, "content"), "parts");
        let texts = 0;
        let calls = 0;
        for (let p = d.first(parts); d.kind(parts) == K_ARR && p < d.after(parts); p = d.after(p)) {
          const t = d.get(p, "text");
          if (d.kind(t) == K_STR && d.kind(d.get(p, "thought")) != K_TRUE) {
            if (texts++ == 0) o.ch(0x22);
            r.copyInner(t);
          } else if (d.kind(d.get(p, "functionCall")) == K_OBJ) calls++;
        }
        if (texts > 0) o.ch(0x22);
        else o.str("null");
        if (calls > 0) {
          o.str(',"tool_calls":[');
          for (let p = d.first(parts); p < d.after(parts); p = d.after(p)) {
            const fc = d.get(p, "functionCall");
            if (d.kind(fc) != K_OBJ) continue;
            this.writeCall(d, o, p, fc, rid, seq++, -1);
            o.ch(0x2c);
          }
          o.dropLast(0x2c).ch(0x5d);
        }
        o.str(',"refusal":null},"logprobs":null,"finish_reason":');
        const f = finishFor(d, d.get(c, "finishReason"), calls > 0);
        if (f.length > 0) o.ch(0x22).str(f).ch(0x22);
        else o.str("null");
        o.str("},");
        pos++;
      }
    }
    if (pos == 0 && d.kind(d.get(d.get(0, "promptFeedback"), "blockReason")) == K_STR) {
      o.str('{"index":0,"message":{"role":"assistant","content":null,"refusal":null},"logprobs":null,"finish_reason":"content_filter"},');
    }
    o.dropLast(0x2c).str('],"usage":');
    const u = new OpenAIUsage();
    readUsage(d, d.get(0, "usageMetadata"), u);
    writeUsage(o, u);
    o.ch(0x7d);
    return true;
  }

  // One OpenAI tool call for a functionCall part (index >= 0: the stream form with "index").
  private writeCall(d: JsonDoc, o: OutBuf, part: i32, fc: i32, rid: i32, seq: i32, index: i32): void {
    o.ch(0x7b);
    if (index >= 0) o.str('"index":').int(index).ch(0x2c);
    o.str('"id":');
    const id = d.get(fc, "id");
    if (d.kind(id) == K_STR) o.span(d.src, d.start(id), d.end(id));
    else {
      o.str('"call_');
      if (d.kind(rid) == K_STR) o.span(d.src, d.start(rid) + 1, d.end(rid) - 1).ch(0x5f);
      o.int(seq).ch(0x22);
    }
    o.str(',"type":"function","function":{"name":');
    const name = d.get(fc, "name");
    if (d.kind(name) == K_STR) o.span(d.src, d.start(name), d.end(name));
    else o.str('""');
    o.str(',"arguments":');
    const args = d.get(fc, "args");
    if (d.kind(args) == K_OBJ) o.ch(0x22).escaped(d.src, d.start(args), d.end(args)).ch(0x22);
    else o.str('"{}"');
    o.ch(0x7d);
    const sig = d.get(part, "thoughtSignature");
    if (d.kind(sig) == K_STR) o.str(',"extra_content":{"google":{"thought_signature":').span(d.src, d.start(sig), d.end(sig)).str("}}");
    o.ch(0x7d);
  }

  // ------------------------------------------------------------------ stream

  newStream(req: RequestResult, opts: ConvertOptions): StreamState {
    const st = new GeminiToOpenAIStream();
    st.includeUsage = req.includeUsage;
    st.created = opts.nowSeconds;
    st.fallbackModel = req.model;
    st.fallbackId = opts.fallbackId;
    return st;
  }

  streamEvent(state: StreamState, event: string, data: string, out: OutBuf): ConvertError | null {
    const st = state as GeminiToOpenAIStream;
    if (st.done) return null;
    const d = this.ev;
    if (!d.parse(data) || (d.kind(0) != K_OBJ && d.kind(0) != K_ARR)) {
      const msg = "upstream stream event: " + (d.error.length > 0 ? d.error : "expected a JSON object");
      st.fail(out, msg, "server_error", "");
      return new ConvertError(502, msg);
    }
    const root = d.kind(0) == K_ARR ? d.first(0) : 0; // errors sometimes come wrapped in an array
    const err = d.get(root, "error");
    if (d.kind(err) == K_OBJ) {
      const em = d.get(err, "message");
      const es = d.get(err, "status");
      const status = d.kind(es) == K_STR ? d.str(es) : "";
      st.fail(out, d.kind(em) == K_STR ? d.str(em) : "upstream stream error", openAiTypeFor(status.length > 0 ? statusForGeminiStatus(status) : 500), status);
      return null;
    }
    if (st.head.length == 0) {
      const rid = d.get(root, "responseId");
      const mv = d.get(root, "modelVersion");
      st.setHead(d.kind(rid) == K_STR ? d.raw(rid) : quoted(st.fallbackId), d.kind(mv) == K_STR ? d.raw(mv) : quoted(st.fallbackModel));
    }
    readUsage(d, d.get(root, "usageMetadata"), st.usage);
    const cands = d.get(root, "candidates");
    let pos = 0;
    for (let c = d.first(cands); d.kind(cands) == K_ARR && c < d.after(cands); c = d.after(c)) {
      const it = d.get(c, "index");
      const ci = d.kind(it) == K_NUM ? <i32>d.int(it) : pos;
      pos++;
      if (ci < 0 || ci > 7) continue;
      this.candidateChunk(st, out, c, ci);
    }
    if (pos == 0 && d.kind(d.get(d.get(root, "promptFeedback"), "blockReason")) == K_STR) {
      st.open(out, 0);
      out.str('"role":"assistant","content":""');
      st.close(out, "content_filter");
      st.roleSent |= 1;
      st.finished |= 1;
    }
    return null;
  }

  // One candidate of one event as one chunk: role (first time), text, tool calls, finish reason.
  private candidateChunk(st: GeminiToOpenAIStream, out: OutBuf, c: i32, ci: i32): void {
    const d = this.ev;
    const bit: u32 = 1 << ci;
    const parts = d.get(d.get(c, "content"), "parts");
    const mark = out.len;
    st.open(out, ci);
    const body = out.len;
    const first = !(st.roleSent & bit);
    if (first) {
      out.str('"role":"assistant",');
      st.roleSent |= bit;
    }
    let texts = 0;
    let calls = 0;
    for (let p = d.first(parts); d.kind(parts) == K_ARR && p < d.after(parts); p = d.after(p)) {
      const t = d.get(p, "text");
      if (d.kind(t) == K_STR && d.kind(d.get(p, "thought")) != K_TRUE) {
        if (texts++ == 0) out.str('"content":"');
        out.span(d.src, d.start(t) + 1, d.end(t) - 1);
      } else if (d.kind(d.get(p, "functionCall")) == K_OBJ) calls++;
    }
    if (texts > 0) out.str('",');
    else if (first && calls == 0) out.str('"content":"",'); // like OpenAI's first chunk
    if (calls > 0) {
      out.str('"tool_calls":[');
      const rid = d.get(0, "responseId");
      for (let p = d.first(parts); p < d.after(parts); p = d.after(p)) {
        const fc = d.get(p, "functionCall");
        if (d.kind(fc) != K_OBJ) continue;
        this.writeCall(d, out, p, fc, rid, st.callSeq++, unchecked(st.toolCount[ci]));
        unchecked((st.toolCount[ci] = unchecked(st.toolCount[ci]) + 1));
        out.ch(0x2c);
      }
      out.dropLast(0x2c).str("],");
      st.called |= bit;
    }
    const fr = d.get(c, "finishReason");
    const finish = finishFor(d, fr, (st.called & bit) != 0);
    if (finish.length > 0) st.finished |= bit;
    if (out.len == body && finish.length == 0) {
      out.setLength(mark); // nothing new for this candidate
      return;
    }
    out.dropLast(0x2c);
    st.close(out, finish);
  }

  streamEnd(state: StreamState, out: OutBuf): void {
    const st = state as GeminiToOpenAIStream;
    if (st.done) return;
    // Every candidate that started must have finished: Gemini has no other end marker.
    if (st.roleSent == 0 || (st.finished & st.roleSent) != st.roleSent) {
      st.fail(out, "upstream stream ended before a finishReason", "server_error", "");
      return;
    }
    st.finish(out);
  }

  // ------------------------------------------------------------------ errors

  error(status: i32, body: string): ErrorResult {
    const d = this.ev;
    if (d.parse(body) && (d.kind(0) == K_OBJ || d.kind(0) == K_ARR)) {
      const root = d.kind(0) == K_ARR ? d.first(0) : 0;
      const e = d.get(root, "error");
      const em = d.get(e, "message");
      const es = d.get(e, "status");
      if (d.kind(em) == K_STR) return openAiError(status, d.str(em), d.kind(es) == K_STR ? d.str(es) : "");
    }
    return openAiError(status, "upstream returned HTTP " + status.toString());
  }

  clientErrorBody(err: ConvertError): string {
    return openAiErrorBody(err.message, openAiTypeFor(<u32>err.status), "", err.status < 500 ? err.param : "");
  }
}

function quoted(s: string): string {
  return new OutBuf(s.length + 2).quote(s).toString();
}
