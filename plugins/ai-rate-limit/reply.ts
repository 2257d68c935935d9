// What a limited client gets: status (rejected_code, default 429), Retry-After, the quota headers
// (X-RateLimit-* for request limits, X-TokenRateLimit-* for token limits, as Higress names them)
// and a body its SDK understands - an OpenAI error, an Anthropic error for /v1/messages, a Google
// error for Gemini paths - unless rejected_msg gives the body. Never echoes the key value (it may
// be an API key). Pure: returns strings; index.ts sends them.
import { openAiErrorBody, anthropicErrorBody, geminiErrorBody, anthropicTypeFor, openAiTypeFor } from "../shared/errors";
import { pathOnly } from "./request-values";

export const PROTO_OPENAI: u8 = 0;
export const PROTO_ANTHROPIC: u8 = 1;
export const PROTO_GEMINI: u8 = 2;

export function clientProtocol(path: string): u8 {
  const p = pathOnly(path);
  if (p.endsWith("/v1/messages") || p.endsWith("/v1/messages/count_tokens")) return PROTO_ANTHROPIC;
  if (p.indexOf(":generateContent") >= 0 || p.indexOf(":streamGenerateContent") >= 0) return PROTO_GEMINI;
  return PROTO_OPENAI;
}

export const KIND_REQUESTS: u8 = 0;
export const KIND_TOKENS: u8 = 1;
export const KIND_CONCURRENCY: u8 = 2;
export const KIND_QUEUE_TIMEOUT: u8 = 3;
export const KIND_CIRCUIT_OPEN: u8 = 4;
export const KIND_STORE_FAILURE: u8 = 5;

/** Why a request is refused; filled by the decision code, turned into a reply here. */
export class Rejection {
  kind: u8 = KIND_REQUESTS;
  status: u32 = 429;
  limit: i64 = 0;
  remaining: i64 = 0;
  resetMs: i64 = 0;
  /** config field of the limit ("query_per_minute") or a short description */
  what: string = "";
  rule: string = "";

  /** Response code details (Envoy %RESPONSE_CODE_DETAILS%). */
  details(): string {
    if (this.kind == KIND_QUEUE_TIMEOUT) return "ai_rate_limit.queue_timeout";
    if (this.kind == KIND_CIRCUIT_OPEN) return "ai_rate_limit.circuit_open";
    if (this.kind == KIND_STORE_FAILURE) return "ai_rate_limit.store_unavailable";
    if (this.kind == KIND_CONCURRENCY) return "ai_rate_limit.queue_full";
    return this.kind == KIND_TOKENS ? "ai_rate_limit.token_limited" : "ai_rate_limit.limited";
  }

  retryAfterSeconds(): i64 {
    const s = (this.resetMs + 999) / 1000;
    return s < 1 ? 1 : s;
  }

  message(): string {
    const retry = " Retry after " + this.retryAfterSeconds().toString() + " s.";
    const rule = this.rule.length > 0 ? " (rule " + this.rule + ")" : "";
    if (this.kind == KIND_TOKENS) return "Token rate limit exceeded: " + this.limit.toString() + " " + this.what + rule + "." + retry;
    if (this.kind == KIND_REQUESTS) return "Rate limit exceeded: " + this.limit.toString() + " " + this.what + rule + "." + retry;
    if (this.kind == KIND_CONCURRENCY) return "Too many concurrent requests: " + this.limit.toString() + " in flight and the wait queue is full" + rule + "." + retry;
    if (this.kind == KIND_QUEUE_TIMEOUT) return "Timed out waiting for a free slot: " + this.limit.toString() + " concurrent requests allowed" + rule + "." + retry;
    if (this.kind == KIND_CIRCUIT_OPEN) return "Upstream temporarily unavailable (circuit open: " + this.what + ")." + retry;
    return "Rate limiter unavailable." + retry;
  }
}

/** "query_per_minute" -> "requests per minute", "token_per_hour" -> "tokens per hour". */
export function describeField(field: string, tokens: bool): string {
  const u = field.lastIndexOf("_");
  const unit = u >= 0 ? field.substring(u + 1) : field;
  return (tokens ? "tokens per " : "requests per ") + unit;
}

export class Reply {
  status: u32 = 429;
  body: string = "";
  contentType: string = "application/json";
  names: string[] = [];
  values: string[] = [];

  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }
}

/** Builds the local reply for `rej`. `customBody` is rejected_msg (null: protocol-shaped JSON). */
export function buildReply(rej: Rejection, proto: u8, customBody: string | null): Reply {
  const r = new Reply();
  r.status = rej.status;
  const msg = rej.message();
  if (customBody !== null) {
    r.body = customBody;
    const t = r.body.trimStart();
    r.contentType = t.startsWith("{") || t.startsWith("[") ? "application/json" : "text/plain";
  } else if (proto == PROTO_ANTHROPIC) {
    r.body = anthropicErrorBody(anthropicTypeFor(rej.status), msg);
  } else if (proto == PROTO_GEMINI) {
    r.body = geminiErrorBody(rej.status, msg);
  } else {
    const type = rej.status == 429 ? (rej.kind == KIND_TOKENS ? "tokens" : "requests") : openAiTypeFor(rej.status);
    const code = rej.status == 429 ? "rate_limit_exceeded" : rej.kind == KIND_CIRCUIT_OPEN ? "circuit_open" : "";
    r.body = openAiErrorBody(msg, type, code);
  }
  r.add("content-type", r.contentType);
  r.add("retry-after", rej.retryAfterSeconds().toString());
  if (rej.kind == KIND_REQUESTS || rej.kind == KIND_TOKENS) {
    const p = rej.kind == KIND_TOKENS ? "x-tokenratelimit-" : "x-ratelimit-";
    r.add(p + "limit", rej.limit.toString());
    r.add(p + "remaining", rej.remaining.toString());
    r.add(p + "reset", rej.retryAfterSeconds().toString());
  }
  return r;
}
