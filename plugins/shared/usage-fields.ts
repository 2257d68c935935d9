// Token counts read from the usage object of each provider, normalised to one meaning:
//   input       = every prompt token, cached reads and cache writes included
//   output      = every generated token, reasoning ("thinking") included
//   total       = the provider's total when sent, else input + output
//   cachedInput = prompt tokens served from cache (part of input)
//   cacheCreation = prompt tokens written to cache (Anthropic; part of input)
//   reasoning   = reasoning tokens (part of output)
// Wire shapes (providers.md):
//   OpenAI chat  usage {prompt_tokens, completion_tokens, total_tokens,
//                prompt_tokens_details {cached_tokens}, completion_tokens_details {reasoning_tokens}}
//   OpenAI Responses usage {input_tokens, input_tokens_details {cached_tokens}, output_tokens,
//                output_tokens_details {reasoning_tokens}, total_tokens}
//   Anthropic    usage {input_tokens, output_tokens, cache_creation_input_tokens,
//                cache_read_input_tokens}  (input_tokens EXCLUDES the cache counts)
//   Gemini       usageMetadata {promptTokenCount, candidatesTokenCount, totalTokenCount,
//                thoughtsTokenCount, cachedContentTokenCount, toolUsePromptTokenCount}
//                (candidatesTokenCount EXCLUDES thoughts)
import { JsonCursor } from "./json-scan";

export class Usage {
  input: i64 = 0;
  output: i64 = 0;
  total: i64 = 0;
  cachedInput: i64 = 0;
  cacheCreation: i64 = 0;
  reasoning: i64 = 0;
  /** response model ("" when the response does not say) */
  model: string = "";
  /** a usage object was seen */
  found: bool = false;
  /** counts are an estimate (no usage was sent) */
  estimated: bool = false;

  reset(): void {
    this.input = 0;
    this.output = 0;
    this.total = 0;
    this.cachedInput = 0;
    this.cacheCreation = 0;
    this.reasoning = 0;
    this.model = "";
    this.found = false;
    this.estimated = false;
  }
}

/** Raw fields of one usage object; -1 = absent. Reused to avoid allocating per event. */
export class UsageFields {
  promptTokens: i64 = -1;
  completionTokens: i64 = -1;
  totalTokens: i64 = -1;
  inputTokens: i64 = -1;
  outputTokens: i64 = -1;
  cacheRead: i64 = -1;
  cacheCreation: i64 = -1;
  cachedTokens: i64 = -1; // *_tokens_details.cached_tokens
  reasoningTokens: i64 = -1; // *_tokens_details.reasoning_tokens
  promptCacheHit: i64 = -1; // DeepSeek prompt_cache_hit_tokens
  hasDetails: bool = false; // input_tokens_details / output_tokens_details (Responses API)
  // Gemini
  promptTokenCount: i64 = -1;
  candidatesTokenCount: i64 = -1;
  totalTokenCount: i64 = -1;
  thoughtsTokenCount: i64 = -1;
  cachedContentTokenCount: i64 = -1;
  toolUsePromptTokenCount: i64 = -1;

  private c: JsonCursor = new JsonCursor();
  private d: JsonCursor = new JsonCursor();

  clear(): void {
    this.promptTokens = -1;
    this.completionTokens = -1;
    this.totalTokens = -1;
    this.inputTokens = -1;
    this.outputTokens = -1;
    this.cacheRead = -1;
    this.cacheCreation = -1;
    this.cachedTokens = -1;
    this.reasoningTokens = -1;
    this.promptCacheHit = -1;
    this.hasDetails = false;
    this.promptTokenCount = -1;
    this.candidatesTokenCount = -1;
    this.totalTokenCount = -1;
    this.thoughtsTokenCount = -1;
    this.cachedContentTokenCount = -1;
    this.toolUsePromptTokenCount = -1;
  }

  /** Reads the OpenAI / Anthropic usage object at s[start, end). False when it is not an object. */
  readUsage(s: string, start: i32, end: i32): bool {
    this.clear();
    const c = this.c;
    if (!c.open(s, start, end)) return false;
    while (c.next()) {
      if (c.keyIs("prompt_tokens")) this.promptTokens = c.int();
      else if (c.keyIs("completion_tokens")) this.completionTokens = c.int();
      else if (c.keyIs("total_tokens")) this.totalTokens = c.int();
      else if (c.keyIs("input_tokens")) this.inputTokens = c.int();
      else if (c.keyIs("output_tokens")) this.outputTokens = c.int();
      else if (c.keyIs("cache_read_input_tokens")) this.cacheRead = c.int();
      else if (c.keyIs("cache_creation_input_tokens")) this.cacheCreation = c.int();
      else if (c.keyIs("prompt_cache_hit_tokens")) this.promptCacheHit = c.int();
      else if (c.keyIs("prompt_tokens_details") || c.keyIs("input_tokens_details")) {
        if (c.keyIs("input_tokens_details")) this.hasDetails = true;
        this.readDetail(s, c.valueStart, c.valueEnd, "cached_tokens", true);
      } else if (c.keyIs("completion_tokens_details") || c.keyIs("output_tokens_details")) {
        if (c.keyIs("output_tokens_details")) this.hasDetails = true;
        this.readDetail(s, c.valueStart, c.valueEnd, "reasoning_tokens", false);
      }
    }
    return true;
  }

  private readDetail(s: string, start: i32, end: i32, key: string, cached: bool): void {
    const d = this.d;
    if (!d.open(s, start, end)) return;
    while (d.next()) {
      if (d.keyIs(key)) {
        if (cached) this.cachedTokens = d.int();
        else this.reasoningTokens = d.int();
        return;
      }
    }
  }

  /** Reads a Gemini usageMetadata object at s[start, end). */
  readUsageMetadata(s: string, start: i32, end: i32): bool {
    this.clear();
    const c = this.c;
    if (!c.open(s, start, end)) return false;
    while (c.next()) {
      if (c.keyIs("promptTokenCount")) this.promptTokenCount = c.int();
      else if (c.keyIs("candidatesTokenCount")) this.candidatesTokenCount = c.int();
      else if (c.keyIs("totalTokenCount")) this.totalTokenCount = c.int();
      else if (c.keyIs("thoughtsTokenCount")) this.thoughtsTokenCount = c.int();
      else if (c.keyIs("cachedContentTokenCount")) this.cachedContentTokenCount = c.int();
      else if (c.keyIs("toolUsePromptTokenCount")) this.toolUsePromptTokenCount = c.int();
    }
    return true;
  }

  /**
   * Stores the OpenAI/Anthropic fields read last into `u` (normalised, see the file header).
   * `keepInput`: an Anthropic message_delta without input counts keeps message_start's.
   * Returns false when the object held no token count at all.
   */
  applyUsage(u: Usage, keepInput: bool): bool {
    if (this.promptTokens >= 0 || this.completionTokens >= 0) {
      // OpenAI chat completions (and compatible servers)
      u.input = nz(this.promptTokens);
      u.output = nz(this.completionTokens);
      u.cachedInput = this.cachedTokens >= 0 ? this.cachedTokens : nz(this.promptCacheHit);
      u.cacheCreation = 0;
      u.reasoning = nz(this.reasoningTokens);
      u.total = this.totalTokens >= 0 ? this.totalTokens : u.input + u.output;
      u.found = true;
      return true;
    }
    if (this.inputTokens < 0 && this.outputTokens < 0) return false;
    if (this.hasDetails || (this.totalTokens >= 0 && this.cacheRead < 0 && this.cacheCreation < 0)) {
      // OpenAI Responses API: input_tokens already include cached tokens
      u.input = nz(this.inputTokens);
      u.output = nz(this.outputTokens);
      u.cachedInput = nz(this.cachedTokens);
      u.cacheCreation = 0;
      u.reasoning = nz(this.reasoningTokens);
      u.total = this.totalTokens >= 0 ? this.totalTokens : u.input + u.output;
      u.found = true;
      return true;
    }
    // Anthropic: input_tokens exclude cache reads and writes
    const hasInput = this.inputTokens >= 0 || this.cacheRead >= 0 || this.cacheCreation >= 0;
    if (hasInput || !keepInput) {
      u.cachedInput = nz(this.cacheRead);
      u.cacheCreation = nz(this.cacheCreation);
      u.input = nz(this.inputTokens) + u.cachedInput + u.cacheCreation;
    }
    if (this.outputTokens >= 0) u.output = this.outputTokens;
    u.reasoning = 0;
    u.total = u.input + u.output;
    u.found = true;
    return true;
  }

  /** Stores the Gemini fields read last into `u`. */
  applyUsageMetadata(u: Usage): bool {
    if (this.promptTokenCount < 0 && this.candidatesTokenCount < 0 && this.totalTokenCount < 0) return false;
    u.input = nz(this.promptTokenCount) + nz(this.toolUsePromptTokenCount);
    u.reasoning = nz(this.thoughtsTokenCount);
    u.output = nz(this.candidatesTokenCount) + u.reasoning;
    u.cachedInput = nz(this.cachedContentTokenCount);
    u.cacheCreation = 0;
    u.total = this.totalTokenCount >= 0 ? this.totalTokenCount : u.input + u.output;
    u.found = true;
    return true;
  }
}

@inline function nz(v: i64): i64 {
  return v < 0 ? 0 : v;
}
