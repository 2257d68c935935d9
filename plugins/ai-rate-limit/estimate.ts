// Token estimate reserved when a request is admitted, from one pass over the raw UTF-8 body (no
// decoding, no tree, nothing allocated but the model name). Reads:
//   model                                       (OpenAI, Anthropic, Responses API)
//   max_tokens / max_completion_tokens / max_output_tokens, generationConfig.maxOutputTokens (Gemini)
//   stream
//   the bytes inside JSON string values = the prompt text (keys and syntax are not counted)
//   the chat-template structure: messages (messages / contents / input items, plus a top-level
//   system / systemInstruction), tools, key and literal bytes below the top level
//   where an output cap could be written (the top-level object, Gemini's generationConfig)
// Input tokens ("estimate" mode) = ceil(text bytes / bytes_per_token) + image_tokens per "data:"
// URL; ("upper_bound" / "strict") = every byte that can reach the prompt (a token covers at least
// one byte) + per-message and reply template tokens + tool prompt tokens + images. Output tokens =
// the request's own cap, else the configured default (written into the request when
// enforce_max_tokens). README, "Token limits".

import { findByte2 } from "../shared/swar";

const K_NONE: u8 = 0;
const K_MODEL: u8 = 1;
const K_MAX: u8 = 2; // any of the top-level output caps
const K_GEN_CONFIG: u8 = 3;
const K_GEMINI_MAX: u8 = 4;
const K_STREAM: u8 = 5;
const K_MESSAGES: u8 = 6; // messages, contents, input: each element is one chat-template message
const K_SYSTEM: u8 = 7; // system, systemInstruction: one more message
const K_TOOLS: u8 = 8; // tools, functions: the provider adds a tool-use prompt

export const MODE_ESTIMATE: u8 = 0;
export const MODE_UPPER_BOUND: u8 = 1;
/** upper_bound, and a request that may still underestimate runs alone per key (stream.ts) */
export const MODE_STRICT: u8 = 2;

const MAX_TRACKED_DEPTH: i32 = 64;

export class RequestFacts {
  model: string = "";
  /** largest output cap in the request, -1 when it has none */
  maxOutput: i64 = -1;
  textBytes: i64 = 0;
  /** data: URLs (inline images) */
  images: i32 = 0;
  /** image parts by their markers: type "image_url" / "image" / "input_image", Gemini
   *  inlineData / fileData (also images passed by URL or file, which data: URLs miss) */
  imageParts: i32 = 0;
  stream: bool = false;
  /** the body is a JSON object (else the estimate falls back to its size) */
  isObject: bool = false;
  bodyBytes: i64 = 0;
  /** elements of messages / contents / input, plus one for a top-level system prompt */
  messages: i32 = 0;
  /** bytes of keys, numbers and literals below the top level (tool schemas reach the prompt) */
  structureBytes: i64 = 0;
  hasTools: bool = false;
  /** an output-cap member exists (even null or invalid): never add a second one */
  capKeySeen: bool = false;
  /** offset just after the top-level '{' (-1 when not an object), and whether it has members */
  objectOpen: i32 = -1;
  objectEmpty: bool = true;
  /** offset just after generationConfig's '{'; -1 absent, -2 present but not an object */
  genConfigOpen: i32 = -1;
  genConfigEmpty: bool = true;
  /** the cap written into the body by enforce_max_tokens (-1: none) */
  injectedCap: i64 = -1;

  reset(): void {
    this.model = "";
    this.maxOutput = -1;
    this.textBytes = 0;
    this.images = 0;
    this.imageParts = 0;
    this.stream = false;
    this.isObject = false;
    this.bodyBytes = 0;
    this.messages = 0;
    this.structureBytes = 0;
    this.hasTools = false;
    this.capKeySeen = false;
    this.objectOpen = -1;
    this.objectEmpty = true;
    this.genConfigOpen = -1;
    this.genConfigEmpty = true;
    this.injectedCap = -1;
  }

  /** Images in the request: a data: URL and its part marker are one image. */
  imageCount(): i32 {
    return this.images > this.imageParts ? this.images : this.imageParts;
  }

  /** The output of this request is bounded by a cap the provider enforces. */
  outputCapped(): bool {
    return this.maxOutput >= 0 || this.injectedCap >= 0;
  }
}

export class EstimateConfig {
  bytesPerToken: i64 = 3;
  imageTokens: i64 = 1000;
  defaultMaxTokens: i64 = 1024;
  mode: u8 = MODE_ESTIMATE;
  /** write default_max_tokens into requests that have no output cap */
  enforceMaxTokens: bool = false;
  /** OpenAI chat field for that cap: "max_tokens" or "max_completion_tokens" */
  openAiChatField: string = "max_tokens";
  /** chat-template tokens per message and for the reply priming (OpenAI cookbook: 3 + 1 for a
   *  name, and 3) */
  messageTokens: i64 = 4;
  replyTokens: i64 = 3;
  /** hidden tool-use prompt when the request defines tools */
  toolTokens: i64 = 500;
}

@inline function at(p: usize, i: i32): u32 {
  return <u32>load<u8>(p + <usize>i);
}

function bytesEqual(p: usize, start: i32, end: i32, s: string): bool {
  if (end - start != s.length) return false;
  for (let i = 0; i < s.length; i++) if (at(p, start + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

function keyId(p: usize, start: i32, end: i32, depth: i32, parent: u8): u8 {
  if (depth == 1) {
    if (bytesEqual(p, start, end, "model")) return K_MODEL;
    if (bytesEqual(p, start, end, "max_tokens")) return K_MAX;
    if (bytesEqual(p, start, end, "max_completion_tokens")) return K_MAX;
    if (bytesEqual(p, start, end, "max_output_tokens")) return K_MAX;
    if (bytesEqual(p, start, end, "generationConfig")) return K_GEN_CONFIG;
    if (bytesEqual(p, start, end, "stream")) return K_STREAM;
    if (bytesEqual(p, start, end, "messages") || bytesEqual(p, start, end, "contents") || bytesEqual(p, start, end, "input")) return K_MESSAGES;
    if (bytesEqual(p, start, end, "system") || bytesEqual(p, start, end, "systemInstruction")) return K_SYSTEM;
    if (bytesEqual(p, start, end, "tools") || bytesEqual(p, start, end, "functions")) return K_TOOLS;
  } else if (depth == 2 && parent == K_GEN_CONFIG) {
    if (bytesEqual(p, start, end, "maxOutputTokens")) return K_GEMINI_MAX;
  }
  return K_NONE;
}

function isImageType(p: usize, start: i32, end: i32): bool {
  return bytesEqual(p, start, end, "image_url") || bytesEqual(p, start, end, "image") || bytesEqual(p, start, end, "input_image");
}

function parseCount(p: usize, start: i32, end: i32): i64 {
  let v: i64 = 0;
  for (let i = start; i < end; i++) {
    const d = at(p, i) - 0x30;
    if (d >= 10) return at(p, i) == 0x2e ? v : -1; // "100.0" -> 100; "1e3", "-1" -> none
    if (v > 1_000_000_000_000) return -1;
    v = v * 10 + <i64>d;
  }
  return end > start ? v : -1;
}

/** One pass over the body bytes; fills `out`. Lenient: malformed JSON just yields fewer facts. */
export function scanRequestBody(body: ArrayBuffer, out: RequestFacts): void {
  scanBodyBytes(changetype<usize>(body), body.byteLength, out);
}

/** scanRequestBody over `n` bytes at `p` (e.g. a block the host returned, never copied). */
export function scanBodyBytes(p: usize, n: i32, out: RequestFacts): void {
  out.reset();
  out.bodyBytes = n;
  // Per depth: is the container an object, and which key of interest its current member has.
  const isObj = new StaticArray<bool>(MAX_TRACKED_DEPTH + 1);
  const keys = new StaticArray<u8>(MAX_TRACKED_DEPTH + 1);
  let depth = 0;
  let expectKey = false;
  let i = 0;
  while (i < n) {
    const c = at(p, i);
    if (c == 0x22) {
      // string: find the closing quote, skipping escaped bytes (8 bytes per step between them)
      let j = i + 1;
      for (;;) {
        j = findByte2(p, j, n, 0x22, 0x5c);
        if (j >= n || at(p, j) == 0x22) break;
        j += 2;
      }
      if (j > n) j = n;
      const start = i + 1;
      const end = j;
      const tracked = depth <= MAX_TRACKED_DEPTH;
      if (tracked && depth > 0 && unchecked(isObj[depth]) && expectKey) {
        const parent = depth >= 2 ? unchecked(keys[depth - 1]) : K_NONE;
        const k = keyId(p, start, end, depth, parent);
        unchecked((keys[depth] = k));
        if (k == K_MAX || k == K_GEMINI_MAX) out.capKeySeen = true;
        else if (k == K_NONE && depth >= 3 && (bytesEqual(p, start, end, "inlineData") || bytesEqual(p, start, end, "fileData"))) out.imageParts++;
        else if (k == K_TOOLS) out.hasTools = true;
        else if (k == K_SYSTEM) out.messages++;
        else if (k == K_GEN_CONFIG) out.genConfigOpen = -2; // present; an object value sets the offset
        if (depth >= 2) out.structureBytes += end - start;
        if (depth == 1) out.objectEmpty = false;
        else if (depth == 2 && parent == K_GEN_CONFIG) out.genConfigEmpty = false;
        expectKey = false;
      } else {
        const len = end - start;
        if (len >= 5 && bytesEqual(p, start, start + 5, "data:")) out.images++;
        else out.textBytes += len;
        if (len >= 5 && len <= 11 && depth >= 3 && isImageType(p, start, end)) out.imageParts++;
        if ((depth == 1 || (depth == 2 && !unchecked(isObj[2]))) && unchecked(keys[1]) == K_MESSAGES) out.messages++;
        if (depth == 1 && unchecked(keys[1]) == K_MODEL) out.model = String.UTF8.decodeUnsafe(p + <usize>start, <usize>len);
      }
      i = j + 1;
      continue;
    }
    if (c == 0x7b || c == 0x5b) {
      if (depth == 0 && c == 0x7b) {
        out.isObject = true;
        out.objectOpen = i + 1;
      } else if (depth == 2 && unchecked(keys[1]) == K_MESSAGES && !unchecked(isObj[2])) {
        out.messages++; // an element of messages / contents / input (strings: where strings are)
      } else if (depth == 1 && c == 0x7b && unchecked(keys[1]) == K_GEN_CONFIG) {
        out.genConfigOpen = i + 1;
      }
      depth++;
      if (depth <= MAX_TRACKED_DEPTH) {
        unchecked((isObj[depth] = c == 0x7b));
        unchecked((keys[depth] = K_NONE));
      }
      expectKey = c == 0x7b;
      i++;
      continue;
    }
    if (c == 0x7d || c == 0x5d) {
      if (depth > 0) depth--;
      expectKey = false;
      i++;
      continue;
    }
    if (c == 0x2c) {
      expectKey = depth > 0 && depth <= MAX_TRACKED_DEPTH && unchecked(isObj[depth]);
      i++;
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c == 0x2d) {
      let j = i;
      while (j < n) {
        const d = at(p, j);
        if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x20 || d == 0x0a || d == 0x0d || d == 0x09) break;
        j++;
      }
      if (depth >= 2) out.structureBytes += j - i;
      const key = depth >= 1 && depth <= MAX_TRACKED_DEPTH ? unchecked(keys[depth]) : K_NONE;
      if ((depth == 1 && key == K_MAX) || (depth == 2 && key == K_GEMINI_MAX)) {
        const v = parseCount(p, i, j);
        if (v > out.maxOutput) out.maxOutput = v;
      }
      i = j;
      continue;
    }
    if (c == 0x74 && depth == 1 && unchecked(keys[1]) == K_STREAM) out.stream = true; // true
    if (depth >= 2 && c >= 0x61 && c <= 0x7a) out.structureBytes++; // true / false / null
    i++;
  }
}

/** Tokens to reserve for a request described by `f`. */
export function estimateTokens(f: RequestFacts, cfg: EstimateConfig): i64 {
  return estimateInputTokens(f, cfg) + outputReserve(f, cfg);
}

/** The output part: the request's cap (its own or the one written into it), else the default. */
export function outputReserve(f: RequestFacts, cfg: EstimateConfig): i64 {
  if (f.maxOutput >= 0) return f.maxOutput;
  if (f.injectedCap >= 0) return f.injectedCap;
  return cfg.defaultMaxTokens;
}

/** The input part alone (what is still charged when a stream ends without usage). */
export function estimateInputTokens(f: RequestFacts, cfg: EstimateConfig): i64 {
  const images = <i64>f.imageCount() * cfg.imageTokens;
  if (cfg.mode != MODE_ESTIMATE) {
    // A token covers at least one byte; JSON escapes only lengthen text, so raw bytes bound it.
    if (!f.isObject) return f.bodyBytes + cfg.replyTokens;
    return f.textBytes + f.structureBytes + <i64>f.messages * cfg.messageTokens + cfg.replyTokens
      + (f.hasTools ? cfg.toolTokens : 0) + images;
  }
  const bpt = cfg.bytesPerToken > 0 ? cfg.bytesPerToken : 1;
  const text = f.isObject ? f.textBytes : f.bodyBytes;
  return (text + bpt - 1) / bpt + images;
}

/** Whether the reservation can be below the real usage even in upper_bound mode: output not
 *  capped, or images (image_tokens is a guess). */
export function mayUnderestimate(f: RequestFacts): bool {
  return !f.outputCapped() || f.imageCount() > 0;
}
