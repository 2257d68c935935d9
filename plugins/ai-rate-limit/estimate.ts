// Token estimate reserved when a request is admitted, from one pass over the raw UTF-8 body (no
// decoding, no tree, nothing allocated but the model name). Reads:
//   model                                       (OpenAI, Anthropic, Responses API)
//   max_tokens / max_completion_tokens / max_output_tokens, generationConfig.maxOutputTokens (Gemini)
//   stream
//   the bytes inside JSON string values = the prompt text (keys and syntax are not counted)
// Input tokens = ceil(text bytes / bytes_per_token) + image_tokens per "data:" URL (base64 images
// are not text); output tokens = the request's own cap, else the configured default. A provider
// never returns more output than the request's cap, so with a cap present only the input part can
// be under the real usage (README, "Token limits").

const K_NONE: u8 = 0;
const K_MODEL: u8 = 1;
const K_MAX: u8 = 2; // any of the top-level output caps
const K_GEN_CONFIG: u8 = 3;
const K_GEMINI_MAX: u8 = 4;
const K_STREAM: u8 = 5;

const MAX_TRACKED_DEPTH: i32 = 64;

export class RequestFacts {
  model: string = "";
  /** largest output cap in the request, -1 when it has none */
  maxOutput: i64 = -1;
  textBytes: i64 = 0;
  images: i32 = 0;
  stream: bool = false;
  /** the body is a JSON object (else the estimate falls back to its size) */
  isObject: bool = false;
  bodyBytes: i64 = 0;

  reset(): void {
    this.model = "";
    this.maxOutput = -1;
    this.textBytes = 0;
    this.images = 0;
    this.stream = false;
    this.isObject = false;
    this.bodyBytes = 0;
  }
}

export class EstimateConfig {
  bytesPerToken: i64 = 3;
  imageTokens: i64 = 1000;
  defaultMaxTokens: i64 = 1024;
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
  } else if (depth == 2 && parent == K_GEN_CONFIG) {
    if (bytesEqual(p, start, end, "maxOutputTokens")) return K_GEMINI_MAX;
  }
  return K_NONE;
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
  out.reset();
  const p = changetype<usize>(body);
  const n = body.byteLength;
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
      // string: find the closing quote, skipping escaped bytes
      let j = i + 1;
      while (j < n) {
        const d = at(p, j);
        if (d == 0x22) break;
        j += d == 0x5c ? 2 : 1;
      }
      if (j > n) j = n;
      const start = i + 1;
      const end = j;
      const tracked = depth <= MAX_TRACKED_DEPTH;
      if (tracked && depth > 0 && unchecked(isObj[depth]) && expectKey) {
        const parent = depth >= 2 ? unchecked(keys[depth - 1]) : K_NONE;
        unchecked((keys[depth] = keyId(p, start, end, depth, parent)));
        expectKey = false;
      } else {
        const len = end - start;
        if (len >= 5 && bytesEqual(p, start, start + 5, "data:")) out.images++;
        else out.textBytes += len;
        if (depth == 1 && unchecked(keys[1]) == K_MODEL) out.model = String.UTF8.decodeUnsafe(p + <usize>start, <usize>len);
      }
      i = j + 1;
      continue;
    }
    if (c == 0x7b || c == 0x5b) {
      if (depth == 0 && c == 0x7b) out.isObject = true;
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
      const key = depth >= 1 && depth <= MAX_TRACKED_DEPTH ? unchecked(keys[depth]) : K_NONE;
      if ((depth == 1 && key == K_MAX) || (depth == 2 && key == K_GEMINI_MAX)) {
        const v = parseCount(p, i, j);
        if (v > out.maxOutput) out.maxOutput = v;
      }
      i = j;
      continue;
    }
    if (c == 0x74 && depth == 1 && unchecked(keys[1]) == K_STREAM) out.stream = true; // true
    i++;
  }
}

/** Tokens to reserve for a request described by `f`. */
export function estimateTokens(f: RequestFacts, cfg: EstimateConfig): i64 {
  const bpt = cfg.bytesPerToken > 0 ? cfg.bytesPerToken : 1;
  const text = f.isObject ? f.textBytes : f.bodyBytes;
  const input = (text + bpt - 1) / bpt + <i64>f.images * cfg.imageTokens;
  const output = f.maxOutput >= 0 ? f.maxOutput : cfg.defaultMaxTokens;
  return input + output;
}

/** The input part alone (what is still charged when a stream ends without usage). */
export function estimateInputTokens(f: RequestFacts, cfg: EstimateConfig): i64 {
  const bpt = cfg.bytesPerToken > 0 ? cfg.bytesPerToken : 1;
  const text = f.isObject ? f.textBytes : f.bodyBytes;
  return (text + bpt - 1) / bpt + <i64>f.images * cfg.imageTokens;
}
