// What the mock "model" answers, decided once from a provider-neutral view of the request.
// Each provider file turns its own request into a Conversation, calls planReply, and renders the
// plan in its own wire format. The rules (also in README.md):
//
// 1. Text answer: "echo: " + the text of the last user turn. When the last turn is a tool result
//    (OpenAI role "tool", Anthropic tool_result block, Gemini functionResponse) the answer is
//    "echo: " + the tool result text instead, and no tool is called.
// 2. Tool calls (only when tools are declared, tool choice is not "none" and the last turn is not a
//    tool result): a named tool choice calls that tool; otherwise every declared tool whose name
//    appears as a whole word in the last user text is called, in declaration order (only the first
//    when parallel calls are disabled); "required"/"any" with no name in the text calls the first
//    tool. Arguments come from the tool's schema (schema-value.ts).
// 3. Structured output: json_object -> {"echo": <last text>}; json_schema -> value from the schema.
// 4. Stop sequences cut the text before the earliest match; then max tokens cut it to that many
//    tokens (tokens.ts). Tool calls are never cut.
// 5. Thinking (Anthropic `thinking`): a thinking text "thinking: " + last text precedes the answer.

import { tokenize } from "./tokens.ts";
import { valueForSchema } from "./schema-value.ts";

export interface ToolDef {
  name: string;
  parameters: unknown;
}

export type ToolChoice = { mode: "auto" | "none" | "required" } | { mode: "named"; name: string };

export interface Conversation {
  /** Text of the last user turn, or of the tool result when lastIsToolResult. */
  lastText: string;
  lastIsToolResult: boolean;
  tools: ToolDef[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  maxTokens?: number;
  stop: string[];
  structured?: { kind: "json_object" } | { kind: "json_schema"; schema: unknown };
  thinking?: boolean;
}

export interface PlannedToolCall {
  name: string;
  args: unknown;
  /** JSON text of args, exactly as streamed/returned. */
  argsText: string;
  argsTokens: string[];
}

export type Finish = "stop" | "length" | "stop_sequence" | "tool_calls";

export interface ReplyPlan {
  text: string;
  tokens: string[];
  toolCalls: PlannedToolCall[];
  thinking: string | null;
  thinkingTokens: string[];
  finish: Finish;
  stopSequence: string | null;
  /** True when the tool was forced by name (OpenAI then reports finish_reason "stop"). */
  forcedTool: boolean;
  outputTokens: number;
}

export function planReply(c: Conversation): ReplyPlan {
  const thinking = c.thinking ? `thinking: ${c.lastText}` : null;
  const thinkingTokens = thinking === null ? [] : tokenize(thinking);
  const calls = chooseTools(c);
  if (calls.length > 0) {
    const toolCalls = calls.map((t) => {
      const args = valueForSchema(t.parameters ?? { type: "object" }, c.lastText);
      const argsText = JSON.stringify(args);
      return { name: t.name, args, argsText, argsTokens: tokenize(argsText) };
    });
    const out = toolCalls.reduce((n, t) => n + t.argsTokens.length, thinkingTokens.length);
    return {
      text: "", tokens: [], toolCalls, thinking, thinkingTokens, finish: "tool_calls",
      stopSequence: null, forcedTool: c.toolChoice.mode === "named", outputTokens: out,
    };
  }
  let text = answerText(c);
  let finish: Finish = "stop";
  let stopSequence: string | null = null;
  let cut = -1;
  for (const s of c.stop) {
    if (s === "") continue;
    const i = text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) {
      cut = i;
      stopSequence = s;
    }
  }
  if (cut >= 0) {
    text = text.slice(0, cut);
    finish = "stop_sequence";
  }
  let tokens = tokenize(text);
  if (c.maxTokens !== undefined && tokens.length > c.maxTokens) {
    tokens = tokens.slice(0, Math.max(0, c.maxTokens));
    text = tokens.join("");
    finish = "length";
    stopSequence = null;
  }
  return {
    text, tokens, toolCalls: [], thinking, thinkingTokens, finish, stopSequence, forcedTool: false,
    outputTokens: tokens.length + thinkingTokens.length,
  };
}

function answerText(c: Conversation): string {
  if (c.structured?.kind === "json_object") return JSON.stringify({ echo: c.lastText });
  if (c.structured?.kind === "json_schema") return JSON.stringify(valueForSchema(c.structured.schema, c.lastText));
  return `echo: ${c.lastText}`;
}

function chooseTools(c: Conversation): ToolDef[] {
  if (c.tools.length === 0 || c.lastIsToolResult || c.toolChoice.mode === "none") return [];
  const choice = c.toolChoice;
  if (choice.mode === "named") {
    const t = c.tools.find((x) => x.name === choice.name);
    return t ? [t] : [];
  }
  const named = c.tools.filter((t) => mentions(c.lastText, t.name));
  if (named.length > 0) return c.parallelToolCalls ? named : named.slice(0, 1);
  return choice.mode === "required" ? [c.tools[0]] : [];
}

function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_-])${esc}($|[^A-Za-z0-9_-])`).test(text);
}
