// The one interface every protocol converter implements, and the one place that picks a converter
// for a (client protocol, upstream protocol) pair. A converter is a stateless singleton; all
// per-request state lives in the StreamState it creates. Converters are pure: they read strings and
// return values (or append to an OutBuf) and never call the host, so the plugin can re-run them on a
// retry from the original body. Errors are values (ConvertError), never throws.
import { OutBuf } from "./out-buf";
import { Reader } from "./reader";
import { OpenAIToAnthropic } from "./openai-to-anthropic";
import { AnthropicToOpenAI } from "./anthropic-to-openai";
import { OpenAIToGemini } from "./openai-to-gemini";

export enum Protocol {
  OpenAI = 0,
  Anthropic = 1,
  Gemini = 2,
}

/** An error as a value: the HTTP status to answer with and a message naming the field. */
export class ConvertError {
  constructor(
    public status: i32,
    /** "messages[2].content: expected string or array, got number" */
    public message: string,
    /** The field path alone ("messages[2].content"), for OpenAI's `param`; "" when none. */
    public param: string = "",
  ) {}
}

/** Per-route settings the plugin passes in (parsed once from config; no host calls here). */
export class ConvertOptions {
  /** Model to send upstream instead of the client's (model mapping); "" keeps the client's. */
  model: string = "";
  /** Anthropic requires max_tokens; used when an OpenAI client sent neither limit field. */
  defaultMaxTokens: i64 = 4096;
  /** Unix seconds for OpenAI `created`; the plugin reads the host clock, converters never do. */
  nowSeconds: i64 = 0;
  /** Response id to use when the upstream gives none (Gemini may omit responseId). */
  fallbackId: string = "chatcmpl-gateway";
  /** OpenAI upstream: name of the output limit field ("max_tokens", or "max_completion_tokens" for o-series). */
  openaiMaxTokensField: string = "max_tokens";
  /** Gemini upstream: send tool schemas as `parametersJsonSchema` (full JSON Schema) instead of `parameters` (OpenAPI subset). */
  geminiJsonSchema: bool = true;
}

/** The converted request plus what the plugin and the response side need to know about it. */
export class RequestResult {
  /** Request body for the upstream ("" when error is set). */
  body: string = "";
  /** Model sent upstream; for Gemini it goes into the URL path, not the body. */
  model: string = "";
  /** The client asked for a streamed answer. */
  stream: bool = false;
  /** An OpenAI client asked for stream_options.include_usage. */
  includeUsage: bool = false;
  /** Set when the client's body is invalid: answer `status` with clientErrorBody(error). */
  error: ConvertError | null = null;
}

/** A converted response body, or an error (502: the upstream's body was not what the protocol says). */
export class BodyResult {
  body: string = "";
  error: ConvertError | null = null;
}

/** An upstream error answer rewritten in the client's protocol. */
export class ErrorResult {
  constructor(
    public status: i32,
    public body: string,
  ) {}
}

/** Per-request stream state; each converter extends it with its own typed fields. */
export class StreamState {
  /** The client-side stream is complete (terminator written, or ended by an error event). */
  done: bool = false;
  /** The stream was ended by an error event. */
  failed: bool = false;
}

export abstract class Converter {
  /** The strict JSON reader and output buffer, reused by every call of this converter. */
  protected r: Reader = new Reader();
  abstract client(): Protocol;
  abstract upstream(): Protocol;
  /** Client request body -> upstream request body. */
  request(body: string, opts: ConvertOptions): RequestResult {
    const res = new RequestResult();
    if (this.writeRequest(body, opts, res)) res.body = this.r.out.toString();
    else res.error = this.r.err;
    return res;
  }
  /** Writes the upstream request into this.r.out; false (with this.r.err set) on a client error. */
  protected abstract writeRequest(body: string, opts: ConvertOptions, res: RequestResult): bool;
  /** Upstream (2xx, non-stream) response body -> client response body. */
  abstract response(body: string, req: RequestResult, opts: ConvertOptions): BodyResult;
  /** Fresh state for one streamed response. */
  abstract newStream(req: RequestResult, opts: ConvertOptions): StreamState;
  /**
   * One upstream SSE event (event name, "" when absent; data, multi-line data joined by "\n") ->
   * client SSE text appended to `out`. A malformed event ends the client stream with an error
   * event and is also returned, for logging.
   */
  abstract streamEvent(st: StreamState, event: string, data: string, out: OutBuf): ConvertError | null;
  /** The upstream stream ended: append whatever the client still needs (final events or an error). */
  abstract streamEnd(st: StreamState, out: OutBuf): void;
  /** Upstream non-2xx answer -> status and body in the client's protocol. */
  abstract error(status: i32, body: string): ErrorResult;
  /** A ConvertError as a body in the client's protocol. */
  abstract clientErrorBody(err: ConvertError): string;
}

// Created on first use: each holds its own reusable buffers, so unused directions cost nothing.
let openaiToAnthropic: OpenAIToAnthropic | null = null;
let anthropicToOpenai: AnthropicToOpenAI | null = null;
let openaiToGemini: OpenAIToGemini | null = null;

/**
 * The converter for a client speaking `client` to an upstream speaking `upstream`, or null when the
 * two are the same (the body passes through untouched) or the pair is not supported.
 */
export function pickConverter(client: Protocol, upstream: Protocol): Converter | null {
  if (client == Protocol.OpenAI && upstream == Protocol.Anthropic) {
    if (openaiToAnthropic === null) openaiToAnthropic = new OpenAIToAnthropic();
    return openaiToAnthropic;
  }
  if (client == Protocol.Anthropic && upstream == Protocol.OpenAI) {
    if (anthropicToOpenai === null) anthropicToOpenai = new AnthropicToOpenAI();
    return anthropicToOpenai;
  }
  if (client == Protocol.OpenAI && upstream == Protocol.Gemini) {
    if (openaiToGemini === null) openaiToGemini = new OpenAIToGemini();
    return openaiToGemini;
  }
  return null;
}

/** Whether a client/upstream pair is served: same protocol (pass-through) or a converter exists. */
export function pairSupported(client: Protocol, upstream: Protocol): bool {
  return client == upstream || pickConverter(client, upstream) !== null;
}
