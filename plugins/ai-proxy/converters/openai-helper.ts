// Writing the OpenAI side of a conversion, shared by every converter whose client speaks OpenAI
// (openai-to-anthropic, openai-to-gemini): chat.completion.chunk framing, the usage object, the
// [DONE] terminator and error bodies/chunks.
//
//   data: {"id":"msg_1","object":"chat.completion.chunk","created":1700000000,"model":"m",
//          "choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}
//   data: {"id":"msg_1",...,"choices":[],"usage":{...}}        <- only with include_usage
//   data: [DONE]
//
// With include_usage every other chunk carries "usage":null, as OpenAI documents for
// stream_options. A mid-stream upstream error becomes `data: {"error":{...}}` and the stream ends
// WITHOUT [DONE]: the openai SDKs raise APIError on a data chunk holding `error` (openai-node
// core/streaming.ts), and a missing [DONE] tells simpler clients the answer is incomplete.
import { OutBuf } from "./out-buf";
import { StreamState, ErrorResult } from "./converter";
import { openAiErrorBody, openAiTypeFor } from "../../shared/errors";

/** Token counts in OpenAI terms; -1 means "not reported". */
export class OpenAIUsage {
  prompt: i64 = 0;
  completion: i64 = 0;
  total: i64 = -1; // -1: prompt + completion
  cached: i64 = -1;
  reasoning: i64 = -1;
  seen: bool = false;
}

/** `{"prompt_tokens":..,"completion_tokens":..,"total_tokens":..[,details]}` */
export function writeUsage(out: OutBuf, u: OpenAIUsage): void {
  out.str('{"prompt_tokens":').int(u.prompt);
  out.str(',"completion_tokens":').int(u.completion);
  out.str(',"total_tokens":').int(u.total >= 0 ? u.total : u.prompt + u.completion);
  if (u.cached >= 0) out.str(',"prompt_tokens_details":{"cached_tokens":').int(u.cached).ch(0x7d);
  if (u.reasoning >= 0) out.str(',"completion_tokens_details":{"reasoning_tokens":').int(u.reasoning).ch(0x7d);
  out.ch(0x7d);
}

/** Stream state for converters that answer an OpenAI client. */
export class OpenAIStream extends StreamState {
  includeUsage: bool = false;
  created: i64 = 0;
  /** `data: {"id":..,"object":"chat.completion.chunk","created":..,"model":..,"choices":[` once id/model are known. */
  head: string = "";
  usage: OpenAIUsage = new OpenAIUsage();
  /** Raw JSON string tokens (with quotes) for id and model. */
  idJson: string = "";
  modelJson: string = "";

  /** Builds the constant chunk head; id/model are JSON string literals (quoted, escaped). */
  setHead(idJson: string, modelJson: string): void {
    this.idJson = idJson;
    this.modelJson = modelJson;
    const b = new OutBuf(128);
    b.str('data: {"id":').str(idJson).str(',"object":"chat.completion.chunk","created":').int(this.created);
    b.str(',"model":').str(modelJson).str(',"choices":[');
    this.head = b.toString();
  }

  /** Opens a chunk for choice `index`: the caller then writes delta members (or nothing). */
  open(out: OutBuf, index: i32): void {
    out.str(this.head).str('{"index":').int(index).str(',"delta":{');
  }

  /** Closes a chunk opened with open(); finish "" writes null. */
  close(out: OutBuf, finish: string): void {
    out.str('},"logprobs":null,"finish_reason":');
    if (finish.length == 0) out.str("null");
    else out.ch(0x22).str(finish).ch(0x22);
    out.str(this.includeUsage ? '}],"usage":null}\n\n' : "}]}\n\n");
  }

  /** The final usage chunk (when asked for) and the terminator; marks the stream done. */
  finish(out: OutBuf): void {
    if (this.includeUsage) {
      out.str(this.head).str('],"usage":');
      writeUsage(out, this.usage);
      out.str("}\n\n");
    }
    out.str("data: [DONE]\n\n");
    this.done = true;
  }

  /** Ends the stream with an OpenAI error chunk (no [DONE]). */
  fail(out: OutBuf, message: string, type: string, code: string): void {
    out.str("data: ").str(openAiErrorBody(message, type, code)).str("\n\n");
    this.done = true;
    this.failed = true;
  }
}

/**
 * HTTP status shown to an OpenAI client for an upstream status: 529 (Anthropic "overloaded") is not
 * a standard code, so it becomes 503; everything else keeps its status.
 */
export function openAiStatus(status: i32): i32 {
  return status == 529 ? 503 : status;
}

/** An OpenAI error answer for a status and message (type from the status table in shared/errors). */
export function openAiError(status: i32, message: string, code: string = ""): ErrorResult {
  const s = openAiStatus(status);
  return new ErrorResult(s, openAiErrorBody(message, openAiTypeFor(<u32>s), code));
}
