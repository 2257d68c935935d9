// Error bodies in each client protocol, and the HTTP status <-> error type tables, so a gateway
// error looks to the client's SDK like one from the provider it speaks to.
//   OpenAI:    {"error":{"message":"...","type":"invalid_request_error","param":null,"code":null}}
//   Anthropic: {"type":"error","error":{"type":"rate_limit_error","message":"..."}}
//   Gemini:    {"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED"}}
import { jsonQuote } from "./json-string";
import { JsonCursor, findMember, sliceStartOf, sliceEndOf, sliceString, sliceInt } from "./json-scan";

/** OpenAI error body; empty `code` and `param` are written as null. */
export function openAiErrorBody(message: string, type: string, code: string, param: string = ""): string {
  return (
    '{"error":{"message":' + jsonQuote(message) +
    ',"type":' + jsonQuote(type) +
    ',"param":' + (param.length > 0 ? jsonQuote(param) : "null") +
    ',"code":' + (code.length > 0 ? jsonQuote(code) : "null") +
    "}}"
  );
}

/** Anthropic error body. */
export function anthropicErrorBody(type: string, message: string): string {
  return '{"type":"error","error":{"type":' + jsonQuote(type) + ',"message":' + jsonQuote(message) + "}}";
}

/** Gemini (Google API) error body; `status` defaults from the HTTP code. */
export function geminiErrorBody(code: u32, message: string, status: string = ""): string {
  const st = status.length > 0 ? status : geminiStatusFor(code);
  return '{"error":{"code":' + code.toString() + ',"message":' + jsonQuote(message) + ',"status":' + jsonQuote(st) + "}}";
}

/** OpenAI `error.type` for an HTTP status. */
export function openAiTypeFor(status: u32): string {
  if (status == 401) return "authentication_error";
  if (status == 403) return "permission_error";
  if (status == 429) return "rate_limit_error";
  if (status == 503) return "service_unavailable_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Anthropic `error.type` for an HTTP status. */
export function anthropicTypeFor(status: u32): string {
  if (status == 401) return "authentication_error";
  if (status == 403) return "permission_error";
  if (status == 404) return "not_found_error";
  if (status == 413) return "request_too_large";
  if (status == 429) return "rate_limit_error";
  if (status == 529 || status == 503) return "overloaded_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** HTTP status for an Anthropic or OpenAI error type (unknown types: 500). */
export function statusForErrorType(type: string): u32 {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error" || type == "requests" || type == "tokens" || type == "insufficient_quota") return 429;
  if (type == "overloaded_error") return 529;
  if (type == "service_unavailable_error") return 503;
  return 500;
}

/** Google RPC status name for an HTTP code. */
export function geminiStatusFor(code: u32): string {
  if (code == 400) return "INVALID_ARGUMENT";
  if (code == 401) return "UNAUTHENTICATED";
  if (code == 403) return "PERMISSION_DENIED";
  if (code == 404) return "NOT_FOUND";
  if (code == 409) return "ABORTED";
  if (code == 429) return "RESOURCE_EXHAUSTED";
  if (code == 499) return "CANCELLED";
  if (code == 501) return "UNIMPLEMENTED";
  if (code == 503) return "UNAVAILABLE";
  if (code == 504) return "DEADLINE_EXCEEDED";
  if (code >= 500) return "INTERNAL";
  return "FAILED_PRECONDITION";
}

/** HTTP code for a Google RPC status name (unknown: 500). */
export function statusForGeminiStatus(status: string): u32 {
  if (status == "INVALID_ARGUMENT" || status == "FAILED_PRECONDITION" || status == "OUT_OF_RANGE") return 400;
  if (status == "UNAUTHENTICATED") return 401;
  if (status == "PERMISSION_DENIED") return 403;
  if (status == "NOT_FOUND") return 404;
  if (status == "ABORTED" || status == "ALREADY_EXISTS") return 409;
  if (status == "RESOURCE_EXHAUSTED") return 429;
  if (status == "CANCELLED") return 499;
  if (status == "UNIMPLEMENTED") return 501;
  if (status == "UNAVAILABLE") return 503;
  if (status == "DEADLINE_EXCEEDED") return 504;
  return 500;
}

/**
 * The error type named in an error body of any of the three shapes (OpenAI `error.type`, else
 * `error.code`; Anthropic `error.type`; Gemini `error.status`), or "" when none is found.
 */
export function errorTypeOf(body: string): string {
  const c = new JsonCursor();
  const e = findMember(body, 0, body.length, "error", c);
  if (e < 0) return "";
  const a = sliceStartOf(e);
  const b = sliceEndOf(e);
  if (body.charCodeAt(a) == 0x22) {
    // {"error": "text"} from simple servers
    return "error";
  }
  const keys = ["type", "status", "code"];
  for (let k = 0; k < keys.length; k++) {
    const v = findMember(body, a, b, keys[k], c);
    if (v < 0) continue;
    const s = sliceString(body, sliceStartOf(v), sliceEndOf(v));
    if (s !== null && s.length > 0) return s;
    const n = sliceInt(body, sliceStartOf(v), sliceEndOf(v));
    if (n >= 0) return "http_" + n.toString();
  }
  return "";
}
