// The Gemini upstream (Generative Language API, https://ai.google.dev/api/generate-content):
//   POST /{v1,v1beta}/models/<model>:generateContent
//   POST /{v1,v1beta}/models/<model>:streamGenerateContent?alt=sse   (SSE, CRLF line endings)
//   POST /{v1,v1beta}/models/<model>:streamGenerateContent           (a JSON array, streamed)
//   POST /{v1,v1beta}/models/<model>:countTokens
// Key in `x-goog-api-key` or `?key=`. Bodies are pretty-printed (Google's default, `prettyPrint=false`
// turns it off); each SSE `data:` line is one whole GenerateContentResponse written the way Google
// writes them ({"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},...}]...}).
// Zero-valued fields are omitted (proto3 JSON). usageMetadata is cumulative in the stream; the last
// event carries finishReason and the full counts.
//   data: {"candidates": [{"content": {"parts": [{"text": "echo:"}],"role": "model"},"index": 0}],
//          "usageMetadata": {"promptTokenCount": 2,"candidatesTokenCount": 1,"totalTokenCount": 3,...},
//          "modelVersion": "gemini-2.0-flash","responseId": "mock000001"}

import { parseGenerate, type ParsedGenerate } from "./gemini-request.ts";
import { planReply, type ReplyPlan } from "./reply-plan.ts";
import type { MockRequest, Provider } from "./provider.ts";
import { isObject, mockId } from "./provider.ts";
import type { JsonReply, Reply, StreamEvent } from "./response-writer.ts";
import type { MockState } from "./state.ts";
import { countAll } from "./tokens.ts";

const ROUTE = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):([A-Za-z]+)$/;

const STATUS_NAMES: Record<number, [string, string]> = {
  400: ["INVALID_ARGUMENT", "Request contains an invalid argument."],
  401: ["UNAUTHENTICATED", "Request had invalid authentication credentials."],
  403: ["PERMISSION_DENIED", "The caller does not have permission"],
  404: ["NOT_FOUND", "Requested entity was not found."],
  429: ["RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."],
  500: ["INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"],
  503: ["UNAVAILABLE", "The model is overloaded. Please try again later."],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
};

function statusName(code: number): string {
  return STATUS_NAMES[code]?.[0] ?? (code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION");
}

export function geminiError(code: number, message: string, details?: unknown[], pretty = true): JsonReply {
  const error: Record<string, unknown> = { code, message, status: statusName(code) };
  if (details) error.details = details;
  return { kind: "json", status: code, headers: { "content-type": "application/json; charset=UTF-8" }, body: JSON.stringify({ error }, null, pretty ? 2 : 0) };
}

const errorInfo = (reason: string) => ({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } });

export const geminiProvider: Provider = {
  kind: "gemini",

  claims(_method, path) {
    return ROUTE.test(path) || path.startsWith("/v1beta/");
  },

  notFound(req) {
    return geminiError(404, `Method not found: ${req.path}`);
  },

  errorReply(status) {
    return geminiError(status, STATUS_NAMES[status]?.[1] ?? `Request failed with status ${status} (injected by mock).`);
  },

  handle(req, state) {
    const n = state.nextId();
    const pretty = req.query.prettyPrint !== "false";
    const err = (code: number, message: string, details?: unknown[]) => geminiError(code, message, details, pretty);
    const route = ROUTE.exec(req.path);
    if (!route || !["generateContent", "streamGenerateContent", "countTokens"].includes(route[3])) return err(404, `Method not found: ${req.path}`);
    if (req.method !== "POST") return err(404, `Method not found: ${req.method} ${req.path}`);
    const key = req.headers["x-goog-api-key"] ?? req.query.key;
    if (!key) {
      return err(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    }
    if (!state.keyAccepted("gemini", key)) {
      return err(400, "API key not valid. Please pass a valid API key.", [
        errorInfo("API_KEY_INVALID"),
        { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
      ]);
    }
    const model = decodeURIComponent(route[2]);
    if (!state.modelKnown(model)) {
      return err(404, `models/${model} is not found for API version ${route[1]}, or is not supported for ${route[3]}. Call ListModels to see the list of available models and their supported methods.`);
    }
    if (req.bodyInvalid || !isObject(req.body)) return err(400, "Invalid JSON payload received. Unexpected token.");
    const p = parseGenerate(req.body);
    if (!p.ok) {
      return err(400, p.message, p.fieldViolation ? [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ description: p.message }] }] : undefined);
    }
    const prompt = countAll(p.parsed.systemTexts) + p.parsed.contentTexts.reduce((s, t) => s + countAll(t), 0);
    if (route[3] === "countTokens") return json({ totalTokens: prompt }, pretty);
    const prefix = countAll(p.parsed.systemTexts) + p.parsed.contentTexts.slice(0, -1).reduce((s, t) => s + countAll(t), 0);
    const cacheKey = `gemini\u0000${model}\u0000${JSON.stringify([req.body.systemInstruction ?? req.body.system_instruction, req.body.contents.slice(0, -1)])}`;
    const cached = p.parsed.contentTexts.length > 1 && prefix > 0 && state.cacheHit(cacheKey) ? prefix : 0;
    const ctx: Ctx = { model, responseId: mockId("", n), plan: planReply(p.parsed.conv), parsed: p.parsed, prompt, cached };
    if (route[3] === "generateContent") return json(response(ctx, ctx.plan.outputTokens, true, allParts(ctx.plan)), pretty);
    return stream(ctx, req);
  },
};

interface Ctx {
  model: string;
  responseId: string;
  plan: ReplyPlan;
  parsed: ParsedGenerate;
  prompt: number;
  cached: number;
}

function json(body: unknown, pretty: boolean): JsonReply {
  return { kind: "json", status: 200, headers: { "content-type": "application/json; charset=UTF-8" }, body: JSON.stringify(body, null, pretty ? 2 : 0) };
}

function finishReason(plan: ReplyPlan): string {
  return plan.finish === "length" ? "MAX_TOKENS" : "STOP";
}

function allParts(plan: ReplyPlan): unknown[] {
  if (plan.toolCalls.length > 0) return plan.toolCalls.map((t) => ({ functionCall: { name: t.name, args: t.args } }));
  return [{ text: plan.text }];
}

/** One GenerateContentResponse; `output` = candidate tokens so far, `last` adds finishReason. */
function response(ctx: Ctx, output: number, last: boolean, parts: unknown[]) {
  const candidates = [];
  for (let i = 0; i < ctx.parsed.candidateCount; i++) {
    const c: Record<string, unknown> = { content: { parts, role: "model" } };
    if (last) c.finishReason = finishReason(ctx.plan);
    c.index = i;
    candidates.push(c);
  }
  const candidatesTokens = output * ctx.parsed.candidateCount;
  const usage: Record<string, unknown> = { promptTokenCount: ctx.prompt };
  if (candidatesTokens > 0) usage.candidatesTokenCount = candidatesTokens;
  usage.totalTokenCount = ctx.prompt + candidatesTokens;
  if (ctx.cached > 0) usage.cachedContentTokenCount = ctx.cached;
  if (ctx.prompt > 0) usage.promptTokensDetails = [{ modality: "TEXT", tokenCount: ctx.prompt }];
  if (ctx.cached > 0) usage.cacheTokensDetails = [{ modality: "TEXT", tokenCount: ctx.cached }];
  return { candidates, usageMetadata: usage, modelVersion: ctx.model, responseId: ctx.responseId };
}

function stream(ctx: Ctx, req: MockRequest): Reply {
  const { plan } = ctx;
  const bodies: unknown[] = [];
  if (plan.toolCalls.length > 0 || plan.tokens.length === 0) {
    bodies.push(response(ctx, plan.outputTokens, true, allParts(plan)));
  } else {
    plan.tokens.forEach((tok, i) => bodies.push(response(ctx, i + 1, i === plan.tokens.length - 1, [{ text: tok }])));
  }
  const errorBody = { error: { code: 500, message: STATUS_NAMES[500][1], status: "INTERNAL" } };
  if (req.query.alt === "sse") {
    return {
      kind: "stream",
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      events: bodies.map((b) => ({ data: googleJson(b) })),
      lineEnding: "crlf",
      errorEvent: { data: googleJson(errorBody) },
    };
  }
  // Without alt=sse the API streams one JSON array, element by element.
  const events: StreamEvent[] = bodies.map((b, i) => ({ raw: (i === 0 ? "[" : "\n,\r\n") + JSON.stringify(b, null, 2) }));
  events.push({ raw: "\n]" });
  return {
    kind: "stream",
    status: 200,
    headers: { "content-type": "application/json; charset=UTF-8" },
    events,
    lineEnding: "crlf",
    errorEvent: { raw: "\n,\r\n" + JSON.stringify(errorBody, null, 2) + "\n]" },
  };
}

/** Google's one-line JSON: `": "` after keys, `,` without a space. */
export function googleJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(googleJson).join(",")}]`;
  if (isObject(v)) {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${googleJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
