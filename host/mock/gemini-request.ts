// Gemini generateContent request checks and the neutral view of it
// (https://ai.google.dev/api/generate-content). Field names are accepted in lowerCamelCase and in
// snake_case, as the API's proto-JSON parser does; unknown top-level fields are rejected the way the
// API rejects them ("Unknown name ...: Cannot find field."), which catches a converter that sends
// another provider's fields.

import type { Conversation, ToolChoice, ToolDef } from "./reply-plan.ts";
import { isObject } from "./provider.ts";

const TOP_LEVEL = ["model", "contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig", "cachedContent"];

export interface ParsedGenerate {
  conv: Conversation;
  /** Token-counted texts of each content entry (systemInstruction first, as entry -1 is not cached). */
  systemTexts: string[];
  contentTexts: string[][];
  candidateCount: number;
}

export type ParsedGemini = { ok: true; parsed: ParsedGenerate } | { ok: false; message: string; fieldViolation?: boolean };

/** Reads `name` in lowerCamelCase or snake_case. */
export function field(obj: Record<string, any>, name: string): any {
  if (name in obj) return obj[name];
  return obj[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

export function parseGenerate(body: Record<string, any>): ParsedGemini {
  for (const k of Object.keys(body)) {
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!TOP_LEVEL.includes(camel)) return { ok: false, message: `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`, fieldViolation: true };
  }
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return { ok: false, message: "* GenerateContentRequest.contents: contents is not specified\n" };
  const contentTexts: string[][] = [];
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i];
    if (!isObject(c)) return { ok: false, message: `Invalid JSON payload received. Unknown name "contents[${i}]": Proto field is not repeating, cannot start list.`, fieldViolation: true };
    if (c.role !== undefined && c.role !== "user" && c.role !== "model" && c.role !== "") return { ok: false, message: "Please use a valid role: user, model." };
    if (!Array.isArray(c.parts) || c.parts.length === 0) return { ok: false, message: `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n` };
    contentTexts.push(c.parts.map(partText));
  }
  const sys = field(body, "systemInstruction");
  const systemTexts = isObject(sys) && Array.isArray(sys.parts) ? sys.parts.map(partText) : [];
  const gc = isObject(field(body, "generationConfig")) ? field(body, "generationConfig") : {};
  const tools: ToolDef[] = [];
  for (const t of Array.isArray(body.tools) ? body.tools : []) {
    const decls = isObject(t) ? field(t, "functionDeclarations") : undefined;
    for (const d of Array.isArray(decls) ? decls : []) {
      if (isObject(d) && typeof d.name === "string") tools.push({ name: d.name, parameters: d.parameters ?? field(d, "parametersJsonSchema") });
    }
  }
  const fcc = field(isObject(field(body, "toolConfig")) ? field(body, "toolConfig") : {}, "functionCallingConfig");
  const { choice, allowed } = toolChoice(isObject(fcc) ? fcc : {});
  const mime = field(gc, "responseMimeType");
  const schema = field(gc, "responseSchema") ?? field(gc, "responseJsonSchema");
  const count = field(gc, "candidateCount");
  const conv: Conversation = {
    ...lastTurn(contents),
    tools: allowed ? tools.filter((t) => allowed.includes(t.name)) : tools,
    toolChoice: choice,
    parallelToolCalls: true,
    maxTokens: typeof field(gc, "maxOutputTokens") === "number" ? field(gc, "maxOutputTokens") : undefined,
    stop: Array.isArray(field(gc, "stopSequences")) ? field(gc, "stopSequences").filter((x: unknown) => typeof x === "string") : [],
    structured: mime === "application/json" ? (schema !== undefined ? { kind: "json_schema", schema } : { kind: "json_object" }) : undefined,
  };
  return { ok: true, parsed: { conv, systemTexts, contentTexts, candidateCount: Number.isInteger(count) && count > 0 ? count : 1 } };
}

function partText(p: unknown): string {
  if (!isObject(p)) return "";
  if (typeof p.text === "string") return p.text;
  const call = field(p, "functionCall");
  if (isObject(call)) return JSON.stringify(call.args ?? {});
  const resp = field(p, "functionResponse");
  if (isObject(resp)) return JSON.stringify(resp.response ?? {});
  return "";
}

function lastTurn(contents: any[]): { lastText: string; lastIsToolResult: boolean } {
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c.role === "model") continue;
    const responses = c.parts.filter((p: any) => isObject(p) && isObject(field(p, "functionResponse")));
    if (responses.length > 0) return { lastText: responses.map(partText).join("\n"), lastIsToolResult: true };
    return { lastText: c.parts.filter((p: any) => isObject(p) && typeof p.text === "string").map((p: any) => p.text).join("\n"), lastIsToolResult: false };
  }
  return { lastText: "", lastIsToolResult: false };
}

function toolChoice(fcc: Record<string, any>): { choice: ToolChoice; allowed?: string[] } {
  const allowed = field(fcc, "allowedFunctionNames");
  const names = Array.isArray(allowed) ? allowed.filter((s: unknown) => typeof s === "string") : undefined;
  switch (fcc.mode) {
    case "NONE":
      return { choice: { mode: "none" } };
    case "ANY":
      if (names && names.length === 1) return { choice: { mode: "named", name: names[0] }, allowed: names };
      return { choice: { mode: "required" }, allowed: names };
    default:
      return { choice: { mode: "auto" }, allowed: names };
  }
}
