// Anthropic Messages request checks and the neutral view of it
// (https://docs.anthropic.com/en/api/messages). Validation mirrors the errors the API gives for the
// mistakes a converter can make: missing max_tokens, a "system" role message, tool_use without the
// matching tool_result in the next message, tool_use.input that is not an object.

import type { Conversation, ToolChoice, ToolDef } from "./reply-plan.ts";
import { isObject } from "./provider.ts";
import { countTokens } from "./tokens.ts";

export interface ParsedMessages {
  conv: Conversation;
  /** Every text the prompt carries, in order, with the cache breakpoint marks. */
  items: PromptItem[];
}

export interface PromptItem {
  tokens: number;
  /** What identifies this item in the prompt-cache key. */
  key: unknown;
  breakpoint: boolean;
}

export type Parsed = { ok: true; parsed: ParsedMessages } | { ok: false; message: string };

export function parseMessages(body: Record<string, any>, needMaxTokens: boolean): Parsed {
  for (const f of needMaxTokens ? ["model", "max_tokens", "messages"] : ["model", "messages"]) {
    if (body[f] === undefined) return fail(`${f}: Field required`);
  }
  if (typeof body.model !== "string") return fail("model: Input should be a valid string");
  if (needMaxTokens && (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    return fail("max_tokens: Input should be greater than or equal to 1");
  }
  if (!Array.isArray(body.messages)) return fail("messages: Input should be a valid list");
  if (body.messages.length === 0 && needMaxTokens) return fail("messages: at least one message is required");
  const msgs = body.messages;
  const items: PromptItem[] = [];
  for (const t of Array.isArray(body.tools) ? body.tools : []) items.push({ tokens: 0, key: t, breakpoint: isObject(t?.cache_control) });
  if (typeof body.system === "string") items.push({ tokens: countTokens(body.system), key: body.system, breakpoint: false });
  else if (Array.isArray(body.system)) {
    for (const b of body.system) items.push({ tokens: countTokens(typeof b?.text === "string" ? b.text : ""), key: b, breakpoint: isObject(b?.cache_control) });
  } else if (body.system !== undefined) return fail("system: Input should be a valid string or list");

  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!isObject(m)) return fail(`messages.${i}: Input should be a valid dictionary`);
    if (m.role === "system") {
      return fail('messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.');
    }
    if (m.role !== "user" && m.role !== "assistant") return fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content === "string") {
      items.push({ tokens: countTokens(m.content), key: [m.role, m.content], breakpoint: false });
      continue;
    }
    if (!Array.isArray(m.content)) return fail(`messages.${i}.content: Input should be a valid string or list`);
    for (let j = 0; j < m.content.length; j++) {
      const b = m.content[j];
      if (!isObject(b) || typeof b.type !== "string") return fail(`messages.${i}.content.${j}: Input should be a valid dictionary with a "type"`);
      if (b.type === "tool_use" && !isObject(b.input)) return fail(`messages.${i}.content.${j}.tool_use.input: Input should be a valid dictionary`);
      items.push({ tokens: countTokens(blockText(b)), key: [m.role, b], breakpoint: isObject(b.cache_control) });
    }
  }
  const pairing = checkToolPairing(msgs);
  if (pairing) return fail(pairing);
  if (isObject(body.thinking) && body.thinking.type === "enabled" && needMaxTokens && !(body.max_tokens > body.thinking.budget_tokens)) {
    return fail("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size");
  }
  const tools: ToolDef[] = (Array.isArray(body.tools) ? body.tools : [])
    .filter((t: any) => isObject(t) && typeof t.name === "string" && (t.type === undefined || t.type === "custom"))
    .map((t: any) => ({ name: t.name, parameters: t.input_schema }));
  const tc = isObject(body.tool_choice) ? body.tool_choice : {};
  const conv: Conversation = {
    ...lastTurn(msgs),
    tools,
    toolChoice: toolChoice(tc),
    parallelToolCalls: tc.disable_parallel_tool_use !== true,
    maxTokens: needMaxTokens ? body.max_tokens : undefined,
    stop: Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s: unknown) => typeof s === "string") : [],
    thinking: isObject(body.thinking) && body.thinking.type === "enabled",
  };
  return { ok: true, parsed: { conv, items } };
}

function fail(message: string): Parsed {
  return { ok: false, message };
}

/** Token-counted text of a content block. */
function blockText(b: Record<string, any>): string {
  switch (b.type) {
    case "text":
      return typeof b.text === "string" ? b.text : "";
    case "tool_use":
      return JSON.stringify(b.input);
    case "tool_result":
      return toolResultText(b.content);
    case "thinking":
      return typeof b.thinking === "string" ? b.thinking : "";
    default:
      return "";
  }
}

export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((c) => isObject(c) && c.type === "text" && typeof c.text === "string").map((c) => c.text).join("\n");
}

function checkToolPairing(msgs: any[]): string | undefined {
  for (let i = 0; i < msgs.length; i++) {
    const blocks = Array.isArray(msgs[i].content) ? msgs[i].content : [];
    const results = blocks.filter((b: any) => b?.type === "tool_result").map((b: any) => b.tool_use_id);
    if (results.length > 0) {
      const prev = i > 0 && msgs[i - 1].role === "assistant" && Array.isArray(msgs[i - 1].content) ? msgs[i - 1].content : [];
      const uses = new Set(prev.filter((b: any) => b?.type === "tool_use").map((b: any) => b.id));
      const stray = results.filter((id: string) => !uses.has(id));
      if (stray.length > 0) {
        const j = blocks.findIndex((b: any) => b?.type === "tool_result" && b.tool_use_id === stray[0]);
        return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    if (msgs[i].role === "assistant") {
      const uses = blocks.filter((b: any) => b?.type === "tool_use").map((b: any) => b.id);
      if (uses.length === 0) continue;
      const next = msgs[i + 1];
      const answered = new Set(
        next && next.role === "user" && Array.isArray(next.content)
          ? next.content.filter((b: any) => b?.type === "tool_result").map((b: any) => b.tool_use_id)
          : [],
      );
      const missing = uses.filter((id: string) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}

function lastTurn(msgs: any[]): { lastText: string; lastIsToolResult: boolean } {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return { lastText: m.content, lastIsToolResult: false };
    const results = m.content.filter((b: any) => b.type === "tool_result");
    if (results.length > 0) return { lastText: results.map((b: any) => toolResultText(b.content)).join("\n"), lastIsToolResult: true };
    return { lastText: m.content.filter((b: any) => b.type === "text").map((b: any) => String(b.text)).join("\n"), lastIsToolResult: false };
  }
  return { lastText: "", lastIsToolResult: false };
}

function toolChoice(tc: Record<string, any>): ToolChoice {
  switch (tc.type) {
    case "any":
      return { mode: "required" };
    case "none":
      return { mode: "none" };
    case "tool":
      return typeof tc.name === "string" ? { mode: "named", name: tc.name } : { mode: "auto" };
    default:
      return { mode: "auto" };
  }
}
