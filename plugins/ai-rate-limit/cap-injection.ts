// enforce_max_tokens: a request without an output cap gets the cap its reservation assumed, so
// the provider cannot produce more output than was reserved. The member is inserted right after
// the opening brace of the top-level object (or of Gemini's generationConfig); every other byte
// stays as the client sent it (no decode / re-encode). Nothing is written when the body is not
// well-formed UTF-8 JSON, or when a cap member is already there (even null: a duplicate key
// would be read differently by different parsers).
// Field per API: OpenAI chat `max_tokens` or `max_completion_tokens` (configurable: OpenAI's
// reasoning models refuse max_tokens, Ollama silently ignores max_completion_tokens), legacy
// completions `max_tokens`, Responses `max_output_tokens`, Gemini
// `generationConfig.maxOutputTokens`. Anthropic requires max_tokens, so it always has one.
import { validateJsonObject } from "../shared/json-check";
import { utf8ErrorIn } from "../shared/utf8-check";
import { RequestFacts } from "./estimate";
import { pathOnly } from "./request-values";

export const CAP_NONE: u8 = 0;
export const CAP_CHAT: u8 = 1;
export const CAP_COMPLETIONS: u8 = 2;
export const CAP_RESPONSES: u8 = 3;
export const CAP_GEMINI: u8 = 4;

/** Where the output cap of a request to `path` lives (CAP_NONE: no output, or Anthropic). */
export function capTarget(path: string): u8 {
  const p = pathOnly(path);
  if (p.endsWith("/chat/completions")) return CAP_CHAT;
  if (p.endsWith("/completions")) return CAP_COMPLETIONS;
  if (p.endsWith("/responses")) return CAP_RESPONSES;
  if (p.indexOf(":generateContent") >= 0 || p.indexOf(":streamGenerateContent") >= 0) return CAP_GEMINI;
  return CAP_NONE;
}

function splice(body: ArrayBuffer, at: i32, insert: string): ArrayBuffer {
  const ins = String.UTF8.encode(insert);
  const n = body.byteLength;
  const out = new ArrayBuffer(n + ins.byteLength);
  const o = changetype<usize>(out);
  const b = changetype<usize>(body);
  memory.copy(o, b, <usize>at);
  memory.copy(o + <usize>at, changetype<usize>(ins), <usize>ins.byteLength);
  memory.copy(o + <usize>at + <usize>ins.byteLength, b + <usize>at, <usize>(n - at));
  return out;
}

/** The body with `cap` written into it, or null when nothing may be written. */
export function withOutputCap(body: ArrayBuffer, f: RequestFacts, target: u8, chatField: string, cap: i64): ArrayBuffer | null {
  if (target == CAP_NONE || !f.isObject || f.capKeySeen || cap < 0) return null;
  if (target == CAP_GEMINI && f.genConfigOpen == -2) return null;
  if (utf8ErrorIn(body) >= 0) return null;
  if (validateJsonObject(String.UTF8.decode(body)) !== null) return null;
  const n = cap.toString();
  if (target == CAP_GEMINI) {
    if (f.genConfigOpen > 0) return splice(body, f.genConfigOpen, "\"maxOutputTokens\":" + n + (f.genConfigEmpty ? "" : ","));
    return splice(body, f.objectOpen, "\"generationConfig\":{\"maxOutputTokens\":" + n + "}" + (f.objectEmpty ? "" : ","));
  }
  const field = target == CAP_CHAT ? chatField : target == CAP_RESPONSES ? "max_output_tokens" : "max_tokens";
  return splice(body, f.objectOpen, "\"" + field + "\":" + n + (f.objectEmpty ? "" : ","));
}
