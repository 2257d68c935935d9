// Request and response bodies in each provider's wire format (shapes as host/mock sends them),
// sized for the bench, and the plugin configurations the bench, soak and fuzz runs use.

export const WORDS = "the quick brown fox jumps over a lazy dog while gateways relay tokens between clients and models".split(" ");
/** Words whose UTF-8 has 2-4 byte sequences and JSON escapes (random chunking then cuts them). */
export const UNICODE_WORDS = ["héllo", "日本語の文", "😀🚀", "naïve", "Ωμέγα", '"quoted"', "back\\slash", "tab\there", "line\nbreak", "\u2028sep", "€uro", "ok"];

/** Deterministic prose of about `bytes` characters. */
export function prose(bytes: number, seed = 1, words = WORDS): string {
  let out = "";
  let i = seed;
  while (out.length < bytes) {
    out += (out ? " " : "") + words[i % words.length];
    i = (i * 7 + 3) % 1009;
  }
  return out.slice(0, bytes);
}

/** An OpenAI chat request of about `bytes` bytes (system + alternating turns). */
export function openaiChatRequest(bytes: number, opts: { model?: string; stream?: boolean; includeUsage?: boolean; words?: string[] } = {}): string {
  const messages: { role: string; content: string }[] = [{ role: "system", content: "You are a helpful assistant." }];
  const base = { model: opts.model ?? "gpt-4o-mini", messages, max_tokens: 256, temperature: 0.2 } as Record<string, unknown>;
  if (opts.stream) base.stream = true;
  if (opts.includeUsage) base.stream_options = { include_usage: true };
  let turn = 0;
  let len = JSON.stringify(base).length; // kept up to date (re-serialising per turn is quadratic)
  while (len < bytes - 80) {
    const m = { role: turn % 2 === 0 ? "user" : "assistant", content: prose(Math.max(8, Math.min(600, bytes - 80 - len)), turn + 1, opts.words) };
    messages.push(m);
    len += JSON.stringify(m).length + 1;
    turn++;
  }
  if (messages[messages.length - 1].role !== "user") messages.push({ role: "user", content: "and then?" });
  return JSON.stringify(base);
}

/** An Anthropic messages request of about `bytes` bytes. */
export function anthropicRequest(bytes: number, opts: { model?: string; stream?: boolean; words?: string[] } = {}): string {
  const openai = JSON.parse(openaiChatRequest(bytes, opts)) as { messages: { role: string; content: string }[] };
  const body: Record<string, unknown> = {
    model: opts.model ?? "claude-sonnet-4-5",
    max_tokens: 256,
    system: openai.messages[0].content,
    messages: openai.messages.slice(1),
  };
  if (opts.stream) body.stream = true;
  return JSON.stringify(body);
}

/** A Gemini generateContent request of about `bytes` bytes. */
export function geminiRequest(bytes: number): string {
  const openai = JSON.parse(openaiChatRequest(bytes)) as { messages: { role: string; content: string }[] };
  return JSON.stringify({
    contents: openai.messages.slice(1).map((m) => ({ role: m.role === "assistant" ? "model" : "user", parts: [{ text: m.content }] })),
    generationConfig: { maxOutputTokens: 256 },
  });
}

/** A non-streamed Anthropic message of about `bytes` bytes. */
export function anthropicResponse(bytes: number, n = 1, words = WORDS): string {
  const shell = { id: `msg_mock${String(n).padStart(6, "0")}`, type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 812, output_tokens: 201, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } };
  shell.content[0].text = prose(Math.max(1, bytes - JSON.stringify(shell).length), n, words);
  return JSON.stringify(shell);
}

/** A non-streamed OpenAI chat completion of about `bytes` bytes (pretty-printed, as api.openai.com). */
export function openaiResponse(bytes: number, n = 1, words = WORDS): string {
  const shell = {
    id: `chatcmpl-mock${String(n).padStart(6, "0")}`, object: "chat.completion", created: 1700000000, model: "gpt-4o-mini-2024-07-18",
    choices: [{ index: 0, message: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 812, completion_tokens: 201, total_tokens: 1013 }, system_fingerprint: "fp_mock",
  };
  shell.choices[0].message.content = prose(Math.max(1, bytes - JSON.stringify(shell, null, 2).length), n, words);
  return JSON.stringify(shell, null, 2);
}

/** A non-streamed Gemini answer of about `bytes` bytes. */
export function geminiResponse(bytes: number, n = 1): string {
  const shell = {
    candidates: [{ content: { parts: [{ text: "" }], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 812, candidatesTokenCount: 201, totalTokenCount: 1013 }, modelVersion: "gemini-2.0-flash", responseId: `mock${n}`,
  };
  shell.candidates[0].content.parts[0].text = prose(Math.max(1, bytes - JSON.stringify(shell, null, 2).length), n);
  return JSON.stringify(shell, null, 2);
}

function sse(event: string | null, data: unknown): string {
  return (event ? `event: ${event}\n` : "") + `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** An Anthropic SSE stream with `deltas` text deltas: returns each event as its own string. */
export function anthropicStream(deltas: number, n = 1, words = WORDS): string[] {
  const ev: string[] = [];
  ev.push(sse("message_start", { type: "message_start", message: { id: `msg_mock${n}`, type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 812, output_tokens: 1 } } }));
  ev.push(sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }));
  ev.push(sse("ping", { type: "ping" }));
  for (let i = 0; i < deltas; i++) ev.push(sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " " + words[i % words.length] } }));
  ev.push(sse("content_block_stop", { type: "content_block_stop", index: 0 }));
  ev.push(sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas } }));
  ev.push(sse("message_stop", { type: "message_stop" }));
  return ev;
}

/** An OpenAI chat SSE stream with `deltas` content chunks (+ usage chunk when asked), then [DONE]. */
export function openaiStream(deltas: number, n = 1, usage = true, words = WORDS): string[] {
  const id = `chatcmpl-mock${n}`;
  const chunk = (delta: unknown, finish: string | null) => ({ id, object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini-2024-07-18", system_fingerprint: "fp_mock", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage: null } : {}) });
  const ev: string[] = [sse(null, chunk({ role: "assistant", content: "", refusal: null }, null))];
  for (let i = 0; i < deltas; i++) ev.push(sse(null, chunk({ content: " " + words[i % words.length] }, null)));
  ev.push(sse(null, chunk({}, "stop")));
  if (usage) ev.push(sse(null, { id, object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini-2024-07-18", choices: [], usage: { prompt_tokens: 812, completion_tokens: deltas, total_tokens: 812 + deltas } }));
  ev.push("data: [DONE]\n\n");
  return ev;
}

/** A Gemini alt=sse stream (CRLF, cumulative usage, finishReason on the last event). */
export function geminiStream(deltas: number): string[] {
  const ev: string[] = [];
  for (let i = 0; i < deltas; i++) {
    const last = i === deltas - 1;
    const o: Record<string, unknown> = { candidates: [{ content: { parts: [{ text: " " + WORDS[i % WORDS.length] }], role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 }], usageMetadata: { promptTokenCount: 812, candidatesTokenCount: i + 1, totalTokenCount: 813 + i }, modelVersion: "gemini-2.0-flash" };
    ev.push(`data: ${JSON.stringify(o)}\r\n\r\n`);
  }
  return ev;
}

// ---- plugin configurations -------------------------------------------------------------------

/** ai-proxy: OpenAI clients answered by an Anthropic upstream (conversion both ways). */
export const PROXY_TO_CLAUDE = { provider: { type: "claude", apiTokens: ["sk-ant-bench"], modelMapping: { "*": "claude-sonnet-4-5" } } };
/** ai-proxy: same protocol, no model mapping (bodies pass byte for byte except what it documents). */
export const PROXY_SAME = { provider: { type: "openai", apiTokens: ["sk-bench"] } };

/** ai-proxy with several providers chosen by a header (the soak's mixed traffic). */
export const PROXY_MIXED = {
  providers: [
    { id: "oa", type: "openai", apiTokens: ["sk-oa1", "sk-oa2"], cluster: "openai" },
    { id: "claude", type: "claude", apiTokens: ["sk-ant"], cluster: "anthropic", modelMapping: { "*": "claude-sonnet-4-5" } },
    { id: "gem", type: "gemini", apiTokens: ["g-key"], cluster: "gemini", modelMapping: { "*": "gemini-2.0-flash" } },
  ],
  activeProviderId: "oa",
  routing: { tags: [{ header: "x-target", value: "claude", provider: "claude" }, { header: "x-target", value: "gem", provider: "gem" }] },
};

export const STATS = {};

/** ai-rate-limit local mode: one per-consumer request window (never reached in the bench). */
export const RATE_LIMIT_OPEN = { rules: [{ name: "per-consumer", limit_by_per_consumer: "", query_per_minute: 100000000 }] };

/** ai-rate-limit for the soak: a tight window for one consumer so some requests get 429. */
export const RATE_LIMIT_SOAK = {
  rules: [
    { name: "per-consumer", limit_by_per_consumer: "", limit_keys: [{ key: "regexp:^hot$", query_per_second: 5 }, { key: "*", query_per_minute: 100000000 }] },
    { name: "tokens", limit_by_per_consumer: "", token_per_minute: 1000000000 },
  ],
};

/** Routes: the cluster comes from ai-proxy's x-ai-cluster header, else "upstream". */
export const ROUTES = {
  name: "r",
  virtualHosts: [{
    name: "all", domains: ["*"], routes: [
      { name: "by-header", match: { prefix: "/", headers: [{ name: "x-ai-cluster", present: true }] }, route: { clusterHeader: "x-ai-cluster" } },
      { name: "default", match: { prefix: "/" }, route: { cluster: "upstream" } },
    ],
  }],
};
export const CLUSTERS = ["upstream", "openai", "anthropic", "gemini"];
