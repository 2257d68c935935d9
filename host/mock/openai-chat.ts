// OpenAI Chat Completions: request -> Conversation, and the reply plan -> chat.completion JSON or
// chat.completion.chunk SSE (https://platform.openai.com/docs/api-reference/chat).
//
// Stream shape (one `data:` line per chunk, blank line between, then `data: [DONE]`):
//   {"id":"chatcmpl-..","object":"chat.completion.chunk","created":..,"model":"..","service_tier":"default",
//    "system_fingerprint":"fp_mock","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},
//    "logprobs":null,"finish_reason":null}]}
//   ... {"delta":{"content":"echo:"}} ... {"delta":{},"finish_reason":"stop"}
//   with stream_options.include_usage: every chunk carries "usage":null and a last chunk has
//   "choices":[] and the usage.
// Azure adds a first chunk with empty choices and prompt_filter_results, and content_filter_results
// on each choice.

import { planReply, type Conversation, type ReplyPlan, type ToolChoice, type ToolDef } from "./reply-plan.ts";
import { countAll } from "./tokens.ts";
import { invalidRequest, type OpenAIErrorFields } from "./openai-errors.ts";
import { isObject } from "./provider.ts";
import type { StreamEvent } from "./response-writer.ts";

const ROLES = ["system", "assistant", "user", "function", "tool", "developer"];

export interface ParsedChat {
  conv: Conversation;
  /** Token-counted texts of each message, for prompt usage and the prefix cache. */
  messageTexts: string[][];
  n: number;
  stream: boolean;
  includeUsage: boolean;
}

export function parseChat(body: Record<string, any>): { ok: true; chat: ParsedChat } | { ok: false; error: OpenAIErrorFields } {
  if (typeof body.model !== "string" || body.model === "") return { ok: false, error: invalidRequest("you must provide a model parameter") };
  const msgs = body.messages;
  if (msgs === undefined) return { ok: false, error: invalidRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter") };
  if (!Array.isArray(msgs)) return { ok: false, error: invalidRequest("Invalid type for 'messages': expected an array of objects.", "messages", "invalid_type") };
  if (msgs.length === 0) {
    return { ok: false, error: invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array") };
  }
  const messageTexts: string[][] = [];
  let openCalls: string[] = [];
  let openAt = -1;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!isObject(m)) return { ok: false, error: invalidRequest(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`, "invalid_type") };
    if (!ROLES.includes(m.role)) {
      return { ok: false, error: invalidRequest(`Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `messages[${i}].role`, "invalid_value") };
    }
    if (m.role === "tool") {
      if (!openCalls.includes(m.tool_call_id)) {
        return { ok: false, error: invalidRequest("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`) };
      }
      openCalls = openCalls.filter((id) => id !== m.tool_call_id);
    } else if (openCalls.length > 0) {
      return { ok: false, error: unansweredCalls(openAt, openCalls) };
    }
    const texts = contentTexts(m.content);
    if (m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      openCalls = m.tool_calls.map((c: any) => c?.id);
      openAt = i;
      for (const c of m.tool_calls) if (typeof c?.function?.arguments === "string") texts.push(c.function.arguments);
    }
    messageTexts.push(texts);
  }
  if (openCalls.length > 0) return { ok: false, error: unansweredCalls(openAt, openCalls) };
  if (body.stream_options != null && body.stream !== true) {
    return { ok: false, error: invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options") };
  }
  const tools: ToolDef[] = Array.isArray(body.tools)
    ? body.tools.filter((t: any) => t?.type === "function" && isObject(t.function)).map((t: any) => ({ name: String(t.function.name), parameters: t.function.parameters }))
    : [];
  const conv: Conversation = {
    ...lastTurn(msgs),
    tools,
    toolChoice: toolChoice(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls !== false,
    maxTokens: typeof body.max_completion_tokens === "number" ? body.max_completion_tokens : typeof body.max_tokens === "number" ? body.max_tokens : undefined,
    stop: typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s: unknown) => typeof s === "string") : [],
    structured: structured(body.response_format),
  };
  return {
    ok: true,
    chat: {
      conv,
      messageTexts,
      n: Number.isInteger(body.n) && body.n > 0 ? body.n : 1,
      stream: body.stream === true,
      includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    },
  };
}

function unansweredCalls(at: number, ids: string[]): OpenAIErrorFields {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${ids.join(", ")}`,
    `messages.[${at}].role`,
  );
}

/** Text of a content value: a string, or the text parts of an array. */
export function contentTexts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.filter((p) => isObject(p) && p.type === "text" && typeof p.text === "string").map((p) => p.text);
}

function lastTurn(msgs: any[]): { lastText: string; lastIsToolResult: boolean } {
  let i = msgs.length - 1;
  if (msgs[i].role === "tool") {
    const results: string[] = [];
    while (i >= 0 && msgs[i].role === "tool") results.unshift(contentTexts(msgs[i--].content).join("\n"));
    return { lastText: results.join("\n"), lastIsToolResult: true };
  }
  for (; i >= 0; i--) if (msgs[i].role === "user") return { lastText: contentTexts(msgs[i].content).join("\n"), lastIsToolResult: false };
  return { lastText: "", lastIsToolResult: false };
}

function toolChoice(v: unknown): ToolChoice {
  if (v === "none" || v === "required" || v === "auto") return { mode: v };
  if (isObject(v) && isObject(v.function) && typeof v.function.name === "string") return { mode: "named", name: v.function.name };
  return { mode: "auto" };
}

function structured(rf: unknown): Conversation["structured"] {
  if (!isObject(rf)) return undefined;
  if (rf.type === "json_object") return { kind: "json_object" };
  if (rf.type === "json_schema" && isObject(rf.json_schema)) return { kind: "json_schema", schema: rf.json_schema.schema };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface ChatIds {
  id: string;
  created: number;
  model: string;
  /** Tool call id for choice c, call i. */
  callId(c: number, i: number): string;
  azure: boolean;
}

export interface ChatUsage {
  prompt: number;
  cached: number;
  completion: number;
}

export function chatUsage(u: ChatUsage) {
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function finishReason(plan: ReplyPlan): string {
  if (plan.finish === "tool_calls") return plan.forcedTool ? "stop" : "tool_calls";
  return plan.finish === "length" ? "length" : "stop";
}

const SAFE = { filtered: false, severity: "safe" };
const CONTENT_FILTER = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
export const AZURE_PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: CONTENT_FILTER }];

export function chatCompletion(plan: ReplyPlan, n: number, ids: ChatIds, usage: ChatUsage) {
  const choices = [];
  for (let c = 0; c < n; c++) {
    const message: Record<string, unknown> = { role: "assistant", content: plan.toolCalls.length > 0 ? null : plan.text, refusal: null, annotations: [] };
    if (plan.toolCalls.length > 0) {
      message.tool_calls = plan.toolCalls.map((t, i) => ({ id: ids.callId(c, i), type: "function", function: { name: t.name, arguments: t.argsText } }));
    }
    const choice: Record<string, unknown> = { index: c, message, logprobs: null, finish_reason: finishReason(plan) };
    if (ids.azure) choice.content_filter_results = CONTENT_FILTER;
    choices.push(choice);
  }
  const out: Record<string, unknown> = {
    id: ids.id, object: "chat.completion", created: ids.created, model: ids.model, choices,
    usage: chatUsage(usage), service_tier: "default", system_fingerprint: "fp_mock",
  };
  if (ids.azure) out.prompt_filter_results = AZURE_PROMPT_FILTER;
  return out;
}

export function chatChunks(plan: ReplyPlan, n: number, ids: ChatIds, usage: ChatUsage, includeUsage: boolean): StreamEvent[] {
  const events: StreamEvent[] = [];
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const c: Record<string, unknown> = {
      id: ids.id, object: "chat.completion.chunk", created: ids.created, model: ids.model,
      service_tier: "default", system_fingerprint: "fp_mock", choices, ...extra,
    };
    if (includeUsage && !("usage" in c)) c.usage = null;
    events.push({ data: JSON.stringify(c) });
  };
  const choice = (index: number, delta: unknown, finish: string | null = null) => {
    const ch: Record<string, unknown> = { index, delta, logprobs: null, finish_reason: finish };
    if (ids.azure) ch.content_filter_results = finish === null && isObject(delta) && "role" in delta ? {} : CONTENT_FILTER;
    return ch;
  };
  if (ids.azure) {
    events.push({ data: JSON.stringify({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: AZURE_PROMPT_FILTER }) });
  }
  for (let c = 0; c < n; c++) {
    if (plan.toolCalls.length === 0) {
      chunk([choice(c, { role: "assistant", content: "", refusal: null })]);
      for (const tok of plan.tokens) chunk([choice(c, { content: tok })]);
    }
    plan.toolCalls.forEach((t, i) => {
      const head = { index: i, id: ids.callId(c, i), type: "function", function: { name: t.name, arguments: "" } };
      if (i === 0) chunk([choice(c, { role: "assistant", content: null, tool_calls: [head], refusal: null })]);
      else chunk([choice(c, { tool_calls: [head] })]);
      for (const piece of t.argsTokens) chunk([choice(c, { tool_calls: [{ index: i, function: { arguments: piece } }] })]);
    });
    chunk([choice(c, {}, finishReason(plan))]);
  }
  if (includeUsage) chunk([], { usage: chatUsage(usage) });
  events.push({ data: "[DONE]" });
  return events;
}

/** Prompt tokens and the simulated automatic prefix cache (all messages but the last). */
export function chatPromptUsage(chat: ParsedChat): { prompt: number; prefix: number } {
  const prompt = chat.messageTexts.reduce((n, t) => n + countAll(t), 0);
  const prefix = chat.messageTexts.slice(0, -1).reduce((n, t) => n + countAll(t), 0);
  return { prompt, prefix };
}

export { planReply };
