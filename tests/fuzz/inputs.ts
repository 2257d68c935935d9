// Fuzz inputs: request bodies (valid, malformed, wrong types, huge, invalid UTF-8, deep), header
// maps up to Envoy's limits, and response bodies / SSE streams (garbage, truncated, CR/LF mixes,
// random chunking). Every generator takes the case's Rng, so a case is reproducible.
import type { Rng } from "./rng.ts";
import * as T from "../../bench/lib/traffic.ts";

const enc = new TextEncoder();
export const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === "string" ? enc.encode(s) : s);

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

// ---- JSON values -----------------------------------------------------------------------------

const ODD_STRINGS = ["", " ", "\u0000", "\\", '"', "\u2028", "😀", "\ud800", "a".repeat(300), "null", "{}", "[", "gpt-4o", "claude-*", "../../etc", "%00", "\r\n"];
const ODD_NUMBERS = [0, -1, 1e308, -1e308, 0.5, 2 ** 53 + 1, 4294967296, -2147483649, 1e-320];

/** A value of a random JSON type (sometimes one the field does not expect). */
export function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 7)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick(ODD_NUMBERS);
    case 3: return r.pick(ODD_STRINGS);
    case 4: return r.size(100000) > 90000 ? "x".repeat(r.range(1, 200000)) : String(r.int(1000));
    case 5: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(["type", "content", "text", "role", "model", "x", "usage", "delta"])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Replaces the value at one random path of `v` by a value of a random (often wrong) type. */
export function mutateType(r: Rng, v: unknown): unknown {
  if (v === null || typeof v !== "object" || r.chance(0.15)) return randomValue(r);
  if (Array.isArray(v)) {
    if (v.length === 0) return [randomValue(r)];
    const i = r.int(v.length);
    const copy = [...v];
    copy[i] = mutateType(r, copy[i]);
    return copy;
  }
  const o = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  if (keys.length === 0 || r.chance(0.1)) {
    o[r.pick(["stream", "model", "messages", "max_tokens", "stream_options", "tools", "system", "n", "zz"])] = randomValue(r);
    return o;
  }
  const k = r.pick(keys);
  if (r.chance(0.08)) delete o[k];
  else o[k] = mutateType(r, o[k]);
  return o;
}

// ---- byte-level mutations ----------------------------------------------------------------------

const BAD_UTF8: number[][] = [[0xff], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf0, 0x9f, 0x98], [0xfe, 0xfe]];
const JSON_GARBAGE = ["\\x", "\\u12", "\\ud800", "NaN", "Infinity", "01", "//c", "/*", ",", ":", "}", "]", "{", "[", '"', "\u0001", "\t", "tru", "nul", "-", "1e", ".5", "\ufeff"];

/** Malformed bytes from a valid body: truncation, insertion/deletion, bad escapes, invalid UTF-8. */
export function corrupt(r: Rng, body: Uint8Array): Uint8Array {
  let b = body;
  for (let n = r.range(1, 3); n > 0; n--) {
    const at = b.length ? r.int(b.length + 1) : 0;
    switch (r.int(7)) {
      case 0: b = b.slice(0, at); break; // truncated
      case 1: b = concat([b.slice(0, at), Uint8Array.from(r.pick(BAD_UTF8)), b.slice(at)]); break;
      case 2: b = concat([b.slice(0, at), bytes(r.pick(JSON_GARBAGE)), b.slice(at)]); break;
      case 3: b = concat([b.slice(0, at), b.slice(Math.min(b.length, at + r.range(1, 8)))]); break;
      case 4: { const c = b.slice(); if (c.length) c[r.int(c.length)] = r.int(256); b = c; break; }
      case 5: b = concat([bytes("\ufeff"), b]); break;
      default: b = concat([b, bytes(r.pick([" x", "}", "]", "\u0000", "{}", "\n{\"a\":1}"]))]); break;
    }
  }
  return b;
}

/** Invalid UTF-8 inside JSON string values (the JSON structure stays valid). */
export function badUtf8InStrings(r: Rng, body: string): Uint8Array {
  const parts = body.split('"');
  const out: Uint8Array[] = [];
  parts.forEach((p, i) => {
    out.push(bytes(p));
    if (i % 2 === 1 && r.chance(0.3)) out.push(Uint8Array.from(r.pick(BAD_UTF8)));
    if (i < parts.length - 1) out.push(bytes('"'));
  });
  return concat(out);
}

function deep(r: Rng): string {
  const n = r.range(100, 20000);
  return r.chance(0.5) ? "[".repeat(n) + "]".repeat(n) : '{"messages":' + '{"a":'.repeat(n) + "1" + "}".repeat(n + 1);
}

export type Protocol = "openai" | "anthropic";

/** A request body of one of the fuzz kinds; `kind` says which, for the report. */
export function requestBody(r: Rng, proto: Protocol): { kind: string; body: Uint8Array; json?: unknown } {
  const size = r.chance(0.03) ? r.range(100000, 900000) : r.range(20, 6000);
  const stream = r.chance(0.4);
  const words = r.chance(0.5) ? T.UNICODE_WORDS : undefined;
  const valid = proto === "anthropic" ? T.anthropicRequest(size, { stream, words }) : T.openaiChatRequest(size, { stream, includeUsage: stream && r.chance(0.5), words });
  switch (r.int(9)) {
    case 0:
    case 1: return { kind: "valid", body: bytes(valid), json: JSON.parse(valid) };
    case 2:
    case 3: {
      const v = mutateType(r, JSON.parse(valid));
      const s = JSON.stringify(v);
      return { kind: "wrong-type", body: bytes(s ?? "null"), json: v };
    }
    case 4:
    case 5: return { kind: "malformed", body: corrupt(r, bytes(valid)) };
    case 6: return { kind: "bad-utf8", body: badUtf8InStrings(r, valid) };
    case 7: return { kind: "deep", body: bytes(deep(r)) };
    default: {
      const s = r.pick(["", "null", "[]", "{}", '"x"', "0", "-", "{\"model\":5}", '{"messages":"hi"}', '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]}', "\u0000".repeat(10), " ".repeat(5000)]);
      return { kind: "tiny", body: bytes(s), json: (() => { try { return JSON.parse(s); } catch { return undefined; } })() };
    }
  }
}

/** Splits bytes at random places into 1..n chunks (chunks may cut UTF-8 sequences and lines). */
export function chunk(r: Rng, b: Uint8Array, max = 8): Uint8Array[] {
  if (b.length < 2 || r.chance(0.5)) return [b];
  const cuts = new Set<number>();
  for (let n = r.range(1, max - 1); n > 0; n--) cuts.add(1 + r.int(b.length - 1));
  const sorted = [...cuts].sort((a, z) => a - z);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(b.slice(prev, c));
    prev = c;
  }
  out.push(b.slice(prev));
  return out;
}

// ---- headers ---------------------------------------------------------------------------------

const LATIN1_VALUE = () => Array.from({ length: 94 }, (_, i) => String.fromCharCode(i + 32)).join("") + "\u00e9\u00ff\t";

/** Extra request headers: plugin-relevant ones with odd values, and padding up to Envoy's limits
 * (100 headers, 60 KiB of header bytes by default). Values never hold CR, LF or NUL (the codec
 * rejects those before any filter runs). */
export function extraHeaders(r: Rng): [string, string][] {
  const h: [string, string][] = [];
  const odd = () => r.pick(["", " ", "x".repeat(r.range(1, 8000)), LATIN1_VALUE(), "claude", "gem", "hot", "none", "-1", "9".repeat(30), "a,b,c", "Bearer ", "\u00ff\u00fe"]);
  for (const name of ["x-mse-consumer", "authorization", "x-api-key", "x-ai-cluster", "x-ai-provider", "x-target", "content-type", "anthropic-version", "x-forwarded-for", "accept-encoding", "content-length"]) {
    if (r.chance(0.12)) h.push([name, odd()]);
  }
  if (r.chance(0.1)) {
    // up to the limits: many headers, or a few big ones
    let budget = 60 * 1024 - 512;
    const count = r.chance(0.5) ? r.range(50, 90) : r.range(1, 6);
    for (let i = 0; i < count && budget > 64; i++) {
      const len = Math.min(budget - 32, count > 10 ? r.range(1, 600) : r.range(1000, 15000));
      const name = `x-pad-${i}`;
      h.push([name, "v".repeat(Math.max(0, len))]);
      budget -= name.length + len;
    }
  }
  return h;
}

// ---- responses --------------------------------------------------------------------------------

export type UpstreamProto = "openai" | "anthropic";

export interface ResponsePlan {
  kind: string;
  status: number;
  headers: Record<string, string>;
  /** the response bytes as pieces, each sent with one respondBody */
  pieces: Uint8Array[];
  stream: boolean;
  /** upstream fails (reset) after the pieces instead of ending cleanly */
  reset: boolean;
  /** for unmutated 200 answers: the assistant text the client must get (any conversion keeps it) */
  text?: string;
}

function errorBody(proto: UpstreamProto, status: number): string {
  return proto === "anthropic"
    ? JSON.stringify({ type: "error", error: { type: status === 429 ? "rate_limit_error" : "api_error", message: "upstream says no" }, request_id: "req_1" })
    : JSON.stringify({ error: { message: "upstream says no", type: "server_error", param: null, code: null } });
}

/** Changes the line endings of an SSE text: LF, CRLF, CR, or a random mix per line. */
function lineEndings(r: Rng, s: string): string {
  const mode = r.int(4);
  if (mode === 0) return s;
  // In a mix, a lone CR never comes right before an LF ending: "\r" + "\n" would read as one CRLF.
  let prevCr = false;
  return s.replace(/\n/g, (_m, at: number) => {
    const e = mode === 1 ? "\r\n" : mode === 2 ? "\r" : r.pick(prevCr ? ["\r\n", "\r"] : ["\n", "\r\n", "\r"]);
    prevCr = e === "\r" && s[at + 1] === "\n";
    return e;
  });
}

const SSE_GARBAGE = ["data: {not json\n\n", "data:\n\n", ": comment\n\n", "event: weird\ndata: {}\n\n", "data: [DONE\n\n", "data:{\"type\":\"message_delta\"}\n\n", "\n\n\n\n", "id: 5\nretry: 10\n\n", "data: {\"choices\":5}\n\n", "data: {\"type\":\"content_block_delta\",\"delta\":7}\n\n", "data: null\n\n", "data: \"str\"\n\n", "event: error\ndata: {\"type\":\"error\"}\n\n", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":\"x\"}}}\n\n", "data: {\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":1e400}}\n\n", "\ufeffdata: {}\n\n", "data: \u0000\n\n"];

/** An upstream response for `proto`: JSON or SSE, valid or broken, whole or in random chunks. */
export function responsePlan(r: Rng, proto: UpstreamProto, wantStream: boolean): ResponsePlan {
  const stream = r.chance(0.85) ? wantStream : !wantStream;
  const reset = r.chance(0.05);
  if (!stream) {
    const n = r.range(1, 999999);
    let body: Uint8Array;
    let kind = "json";
    let status = 200;
    const size = r.chance(0.03) ? r.range(50000, 600000) : r.range(50, 3000);
    const words = r.chance(0.5) ? T.UNICODE_WORDS : undefined;
    const valid = proto === "anthropic" ? T.anthropicResponse(size, n, words) : T.openaiResponse(size, n, words);
    let expect: string | undefined;
    switch (r.int(6)) {
      case 0:
      case 1: {
        body = bytes(valid);
        const v = JSON.parse(valid);
        expect = proto === "anthropic" ? v.content[0].text : v.choices[0].message.content;
        break;
      }
      case 2: kind = "json-wrong-type"; body = bytes(JSON.stringify(mutateType(r, JSON.parse(valid)))); break;
      case 3: kind = "json-malformed"; body = corrupt(r, bytes(valid)); break;
      case 4: kind = "error-status"; status = r.pick([400, 401, 404, 429, 500, 503, 529]); body = r.chance(0.7) ? bytes(errorBody(proto, status)) : corrupt(r, bytes(errorBody(proto, status))); break;
      default: kind = "json-bad-utf8"; body = badUtf8InStrings(r, valid); break;
    }
    return { kind, status, headers: { "content-type": r.chance(0.9) ? "application/json" : r.pick(["text/plain", "", "application/json; charset=utf-8"]) }, pieces: chunk(r, body), stream: false, reset, text: expect };
  }
  const deltas = r.range(0, r.chance(0.05) ? 400 : 30);
  const words = r.chance(0.5) ? T.UNICODE_WORDS : undefined;
  let events = proto === "anthropic" ? T.anthropicStream(deltas, 1, words) : T.openaiStream(deltas, 1, r.chance(0.5), words);
  const expect = Array.from({ length: deltas }, (_, i) => " " + (words ?? T.WORDS)[i % (words ?? T.WORDS).length]).join("");
  let kind = "sse";
  const ops = r.int(6);
  if (ops >= 1) {
    kind = "sse-mutated";
    for (let i = r.range(1, 4); i > 0; i--) {
      const at = r.int(events.length + 1);
      switch (r.int(6)) {
        case 0: events.splice(at, 0, r.pick(SSE_GARBAGE)); break;
        case 1: events = events.slice(0, at); break; // truncated stream (no end marker)
        case 2: if (events[at]) events[at] = events[at].slice(0, r.int(events[at].length)); break; // cut event
        case 3: if (events[at]) events[at] = events[at].replace(/data: (\{.*\})/, (all, j) => { try { return "data: " + JSON.stringify(mutateType(r, JSON.parse(j))); } catch { return all; } }); break;
        case 4: events.splice(at, 0, "data: " + JSON.stringify({ x: "y".repeat(r.range(1000, 200000)) }) + "\n\n"); break;
        default: events.splice(at, 1); break;
      }
    }
  }
  let text = lineEndings(r, events.join(""));
  let body = bytes(text);
  if (r.chance(0.15)) {
    kind += "+bad-utf8";
    body = corrupt(r, body);
  }
  const status = r.chance(0.05) ? r.pick([429, 500]) : 200;
  // event by event (as providers flush), or in random pieces
  const pieces = r.chance(0.5) ? (text === new TextDecoder().decode(body) ? events.map((e) => bytes(lineEndings(r, e))) : [body]) : chunk(r, body, 40);
  return { kind, status, headers: { "content-type": "text/event-stream" }, pieces: pieces.length ? pieces : [new Uint8Array(0)], stream: true, reset, text: kind === "sse" && status === 200 ? expect : undefined };
}
