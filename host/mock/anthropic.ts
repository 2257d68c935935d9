// The Anthropic upstream: POST <base>/v1/messages and <base>/v1/messages/count_tokens
// (https://docs.anthropic.com/en/api/messages, .../messages-streaming). Headers: `x-api-key` (or
// `Authorization: Bearer <key>`, which the official SDK 1.12 sends), `anthropic-version` (any
// YYYY-MM-DD is accepted: the official SDK sends its own pinned date, 2026-10-21).
//
// Stream (named events, compact JSON, LF line endings):
//   event: message_start       {"type":"message_start","message":{..., "content":[], "stop_reason":null,
//                               "usage":{"input_tokens":N,...,"output_tokens":1}}}
//   event: content_block_start {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
//   event: ping                {"type": "ping"}
//   event: content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":".."}}
//   event: content_block_stop  {"type":"content_block_stop","index":0}
//   event: message_delta       {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
//                               "usage":{...cumulative..., "output_tokens":N}}
//   event: message_stop        {"type":"message_stop"}

import { createHash } from "node:crypto";
import { parseMessages, type PromptItem } from "./anthropic-request.ts";
import { planReply, type ReplyPlan } from "./reply-plan.ts";
import type { Provider } from "./provider.ts";
import { isObject, mockId } from "./provider.ts";
import type { JsonReply, Reply, StreamEvent } from "./response-writer.ts";
import type { MockState } from "./state.ts";

const MESSAGES = /(?:^|\/)v1\/messages(\/count_tokens)?$/;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
  404: "not_found_error", 409: "conflict_error", 413: "request_too_large", 429: "rate_limit_error",
  500: "api_error", 504: "timeout_error", 529: "overloaded_error",
};

const ERROR_MESSAGES: Record<string, string> = {
  rate_limit_error: "Number of requests has exceeded your rate limit (injected by mock).",
  overloaded_error: "Overloaded",
  api_error: "Internal server error",
  timeout_error: "Request timeout",
};

export function anthropicError(status: number, type: string, message: string, requestId: string): JsonReply {
  return {
    kind: "json",
    status,
    headers: { "content-type": "application/json", "request-id": requestId },
    body: JSON.stringify({ type: "error", error: { type, message }, request_id: requestId }),
  };
}

export const anthropicProvider: Provider = {
  kind: "anthropic",

  claims(_method, path) {
    return MESSAGES.test(path);
  },

  notFound(req, state) {
    return anthropicError(404, "not_found_error", "Not Found", mockId("req_", state.nextId()));
  },

  errorReply(status, _req, state) {
    const type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
    return anthropicError(status, type, ERROR_MESSAGES[type] ?? `Request failed with status ${status} (injected by mock).`, mockId("req_", state.nextId()));
  },

  handle(req, state) {
    const n = state.nextId();
    const requestId = mockId("req_", n);
    const err = (status: number, message: string) => anthropicError(status, ERROR_TYPES[status] ?? "invalid_request_error", message, requestId);
    if (req.method !== "POST") return err(405, "Method Not Allowed");
    // `x-api-key` is the documented header; the official SDK (1.12) sends the key as a Bearer token.
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers["authorization"] ?? "");
    const key = req.headers["x-api-key"] || (bearer ? bearer[1].trim() : "");
    if (!key) return err(401, "x-api-key header is required");
    if (!state.keyAccepted("anthropic", key)) return err(401, "invalid x-api-key");
    const version = req.headers["anthropic-version"];
    if (!version) return err(400, "anthropic-version: header is required");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return err(400, `anthropic-version: invalid version "${version}"`);
    if (req.bodyInvalid || !isObject(req.body)) return err(400, "There was an error parsing the body of your request. Please make sure it is valid JSON.");
    const body = req.body;
    const countOnly = req.path.endsWith("/count_tokens");
    const p = parseMessages(body, !countOnly);
    if (!p.ok) return err(400, p.message);
    if (!state.modelKnown(body.model)) return err(404, `model: ${body.model}`);
    const usage = inputUsage(body.model, p.parsed.items, state);
    if (countOnly) {
      return { kind: "json", status: 200, headers: { "content-type": "application/json", "request-id": requestId }, body: JSON.stringify({ input_tokens: usage.total }) };
    }
    const plan = planReply(p.parsed.conv);
    const ctx: Ctx = { id: mockId("msg_", n), model: body.model, n, plan, usage };
    if (body.stream === true) {
      return {
        kind: "stream",
        status: 200,
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": requestId },
        events: streamEvents(ctx),
        lineEnding: "lf",
        errorEvent: { event: "error", data: '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}' },
      };
    }
    return { kind: "json", status: 200, headers: { "content-type": "application/json", "request-id": requestId }, body: JSON.stringify(message(ctx)) };
  },
};

interface InputUsage {
  total: number;
  input: number;
  creation: number;
  read: number;
}

interface Ctx {
  id: string;
  model: string;
  n: number;
  plan: ReplyPlan;
  usage: InputUsage;
}

/** Prompt caching: the prefix up to the last cache_control breakpoint is written, then read. */
function inputUsage(model: string, items: PromptItem[], state: MockState): InputUsage {
  const total = items.reduce((s, it) => s + it.tokens, 0);
  let last = -1;
  items.forEach((it, i) => { if (it.breakpoint) last = i; });
  if (last < 0) return { total, input: total, creation: 0, read: 0 };
  const prefix = items.slice(0, last + 1);
  const tokens = prefix.reduce((s, it) => s + it.tokens, 0);
  const hit = state.cacheHit(`anthropic\u0000${model}\u0000${JSON.stringify(prefix.map((it) => it.key))}`);
  return { total, input: total - tokens, creation: hit ? 0 : tokens, read: hit ? tokens : 0 };
}

function stopReason(plan: ReplyPlan): string {
  return { stop: "end_turn", length: "max_tokens", stop_sequence: "stop_sequence", tool_calls: "tool_use" }[plan.finish];
}

function signature(thinking: string): string {
  return createHash("sha256").update(thinking).digest("base64");
}

function toolId(ctx: Ctx, i: number): string {
  return `toolu_mock${String(ctx.n).padStart(6, "0")}_${i}`;
}

function usageObject(ctx: Ctx, output: number) {
  return {
    input_tokens: ctx.usage.input,
    cache_creation_input_tokens: ctx.usage.creation,
    cache_read_input_tokens: ctx.usage.read,
    output_tokens: output,
    service_tier: "standard",
  };
}

function message(ctx: Ctx) {
  const { plan } = ctx;
  const content: unknown[] = [];
  if (plan.thinking !== null) content.push({ type: "thinking", thinking: plan.thinking, signature: signature(plan.thinking) });
  if (plan.toolCalls.length === 0 && plan.text !== "") content.push({ type: "text", text: plan.text });
  plan.toolCalls.forEach((t, i) => content.push({ type: "tool_use", id: toolId(ctx, i), name: t.name, input: t.args }));
  return {
    id: ctx.id, type: "message", role: "assistant", model: ctx.model, content,
    stop_reason: stopReason(plan), stop_sequence: plan.stopSequence, usage: usageObject(ctx, plan.outputTokens),
  };
}

function streamEvents(ctx: Ctx): StreamEvent[] {
  const { plan } = ctx;
  const events: StreamEvent[] = [];
  const emit = (type: string, payload: Record<string, unknown>) => events.push({ event: type, data: JSON.stringify({ type, ...payload }) });
  emit("message_start", {
    message: {
      id: ctx.id, type: "message", role: "assistant", model: ctx.model, content: [],
      stop_reason: null, stop_sequence: null, usage: usageObject(ctx, 1),
    },
  });
  let index = 0;
  const block = (start: unknown, deltas: unknown[]) => {
    emit("content_block_start", { index, content_block: start });
    if (index === 0) events.push({ event: "ping", data: '{"type": "ping"}' });
    for (const d of deltas) emit("content_block_delta", { index, delta: d });
    emit("content_block_stop", { index });
    index++;
  };
  if (plan.thinking !== null) {
    block({ type: "thinking", thinking: "", signature: "" }, [
      ...plan.thinkingTokens.map((t) => ({ type: "thinking_delta", thinking: t })),
      { type: "signature_delta", signature: signature(plan.thinking) },
    ]);
  }
  if (plan.toolCalls.length === 0 && plan.text !== "") {
    block({ type: "text", text: "" }, plan.tokens.map((t) => ({ type: "text_delta", text: t })));
  }
  plan.toolCalls.forEach((t, i) => {
    block({ type: "tool_use", id: toolId(ctx, i), name: t.name, input: {} }, [
      { type: "input_json_delta", partial_json: "" },
      ...t.argsTokens.map((p) => ({ type: "input_json_delta", partial_json: p })),
    ]);
  });
  if (index === 0) events.push({ event: "ping", data: '{"type": "ping"}' }); // no block: ping anyway
  emit("message_delta", {
    delta: { stop_reason: stopReason(plan), stop_sequence: plan.stopSequence },
    usage: { input_tokens: ctx.usage.input, cache_creation_input_tokens: ctx.usage.creation, cache_read_input_tokens: ctx.usage.read, output_tokens: plan.outputTokens },
  });
  emit("message_stop", {});
  return events;
}

