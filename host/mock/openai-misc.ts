// OpenAI legacy Completions, Embeddings and Models (https://platform.openai.com/docs/api-reference).
//   POST /v1/completions -> {"id":"cmpl-..","object":"text_completion","created","model",
//        "choices":[{"text","index","logprobs":null,"finish_reason"}],"usage"}; stream: one such object
//        per `data:` line (text deltas), usage chunk with include_usage, then `data: [DONE]`.
//   POST /v1/embeddings  -> {"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}
//        encoding_format "base64" (the official SDK's default) = little-endian float32 bytes in base64.
//   GET  /v1/models      -> {"object":"list","data":[{"id","object":"model","created","owned_by"}]}

import { planReply, type ReplyPlan } from "./reply-plan.ts";
import { countAll, countTokens } from "./tokens.ts";
import { invalidRequest, type OpenAIErrorFields } from "./openai-errors.ts";
import type { StreamEvent } from "./response-writer.ts";

/** The API's documented default max_tokens for legacy completions. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

export interface CompletionIds {
  id: string;
  created: number;
  model: string;
}

export function parseCompletion(body: Record<string, any>): { ok: true; prompts: string[] } | { ok: false; error: OpenAIErrorFields } {
  if (typeof body.model !== "string" || body.model === "") return { ok: false, error: invalidRequest("you must provide a model parameter") };
  if (body.prompt === undefined) return { ok: false, error: invalidRequest("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter") };
  const prompts = typeof body.prompt === "string" ? [body.prompt] : Array.isArray(body.prompt) && body.prompt.every((p: unknown) => typeof p === "string") ? body.prompt : null;
  if (prompts === null || prompts.length === 0) return { ok: false, error: invalidRequest("Invalid type for 'prompt': expected a string or an array of strings.", "prompt", "invalid_type") };
  if (body.stream_options != null && body.stream !== true) {
    return { ok: false, error: invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options") };
  }
  return { ok: true, prompts };
}

export function completionPlans(body: Record<string, any>, prompts: string[]): ReplyPlan[] {
  return prompts.map((p) =>
    planReply({
      lastText: p,
      lastIsToolResult: false,
      tools: [],
      toolChoice: { mode: "none" },
      parallelToolCalls: false,
      maxTokens: typeof body.max_tokens === "number" ? body.max_tokens : COMPLETIONS_DEFAULT_MAX_TOKENS,
      stop: typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((x: unknown) => typeof x === "string") : [],
    }),
  );
}

function usage(prompts: string[], plans: ReplyPlan[]) {
  const prompt = countAll(prompts);
  const completion = plans.reduce((n, p) => n + p.outputTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const finish = (p: ReplyPlan) => (p.finish === "length" ? "length" : "stop");

export function completion(prompts: string[], plans: ReplyPlan[], ids: CompletionIds) {
  return {
    id: ids.id, object: "text_completion", created: ids.created, model: ids.model,
    choices: plans.map((p, i) => ({ text: p.text, index: i, logprobs: null, finish_reason: finish(p) })),
    usage: usage(prompts, plans), system_fingerprint: "fp_mock",
  };
}

export function completionChunks(prompts: string[], plans: ReplyPlan[], ids: CompletionIds, includeUsage: boolean): StreamEvent[] {
  const events: StreamEvent[] = [];
  const chunk = (choices: unknown[], u: unknown = null) => {
    const c: Record<string, unknown> = { id: ids.id, object: "text_completion", created: ids.created, choices, model: ids.model, system_fingerprint: "fp_mock" };
    if (includeUsage) c.usage = u;
    events.push({ data: JSON.stringify(c) });
  };
  plans.forEach((p, i) => {
    for (const tok of p.tokens) chunk([{ text: tok, index: i, logprobs: null, finish_reason: null }]);
    chunk([{ text: "", index: i, logprobs: null, finish_reason: finish(p) }]);
  });
  if (includeUsage) chunk([], usage(prompts, plans));
  events.push({ data: "[DONE]" });
  return events;
}

// ---------------------------------------------------------------------------------------------

export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

export function parseEmbeddings(body: Record<string, any>): { ok: true; inputs: string[] } | { ok: false; error: OpenAIErrorFields } {
  if (typeof body.model !== "string" || body.model === "") return { ok: false, error: invalidRequest("you must provide a model parameter") };
  if (body.input === undefined) return { ok: false, error: invalidRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter") };
  const inputs: string[] | null = typeof body.input === "string" ? [body.input]
    : Array.isArray(body.input) && body.input.length > 0 && body.input.every((s: unknown) => typeof s === "string") ? body.input
    : null;
  if (inputs === null || inputs.some((s) => s === "")) {
    return { ok: false, error: invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.") };
  }
  if (body.encoding_format !== undefined && body.encoding_format !== "float" && body.encoding_format !== "base64") {
    return { ok: false, error: invalidRequest(`Invalid value: '${String(body.encoding_format)}'. Supported values are: 'float' and 'base64'.`, "encoding_format", "invalid_value") };
  }
  return { ok: true, inputs };
}

/**
 * Deterministic unit-free vector: component j = fround(((fnv1a(text + "#" + j) % 2001) - 1000) / 1000),
 * already float32 so the float and base64 encodings carry identical numbers.
 */
export function embeddingVector(text: string, dims: number): number[] {
  const v: number[] = [];
  for (let j = 0; j < dims; j++) v.push(Math.fround(((fnv1a(`${text}#${j}`) % 2001) - 1000) / 1000));
  return v;
}

export function embeddings(body: Record<string, any>, inputs: string[]) {
  const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : DEFAULT_EMBEDDING_DIMENSIONS;
  const base64 = body.encoding_format === "base64";
  const tokens = inputs.reduce((n, s) => n + countTokens(s), 0);
  return {
    object: "list",
    data: inputs.map((text, index) => {
      const v = embeddingVector(text, dims);
      return { object: "embedding", index, embedding: base64 ? float32Base64(v) : v };
    }),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function float32Base64(v: number[]): string {
  const buf = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => buf.writeFloatLE(x, 4 * i));
  return buf.toString("base64");
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------

/** A fixed `created` for listed models, so the listing is byte-stable. */
export const MODEL_CREATED = 1700000000;

export function modelObject(id: string) {
  return { id, object: "model", created: MODEL_CREATED, owned_by: "system" };
}

export function modelList(ids: string[]) {
  return { object: "list", data: ids.map(modelObject) };
}
