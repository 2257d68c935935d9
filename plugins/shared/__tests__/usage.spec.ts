import { Usage, UsageStream, usageFromBody } from "../usage";
import { SseParser } from "../sse-parser";
import { JsonMemberCapture, MemberKeys } from "../json-member-capture";

function streamUsage(wire: string, cut: i32): UsageStream {
  const t = new UsageStream();
  const p = new SseParser();
  const all = String.UTF8.encode(wire);
  const parts = [all.slice(0, cut), all.slice(cut)];
  for (let i = 0; i < 2; i++) {
    p.push(parts[i]);
    let ev = p.next();
    while (ev !== null) {
      t.onEvent(ev);
      ev = p.next();
    }
  }
  let ev = p.finish();
  while (ev !== null) {
    t.onEvent(ev);
    ev = p.finish();
  }
  return t;
}

function expectCounts(u: Usage, input: i64, output: i64, total: i64, cached: i64, reasoning: i64): void {
  expect(u.found).toBe(true);
  expect(u.input).toBe(input);
  expect(u.output).toBe(output);
  expect(u.total).toBe(total);
  expect(u.cachedInput).toBe(cached);
  expect(u.reasoning).toBe(reasoning);
}

const OPENAI_STREAM =
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4.1-2025","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}],"usage":null}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4.1-2025","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}],"usage":null}\n\n' +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4.1-2025","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":10}}}\n\n' +
  "data: [DONE]\n\n";

const ANTHROPIC_STREAM =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":1}}}\n\n' +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n' +
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n' +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

const GEMINI_STREAM =
  'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":1,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"r1"}\r\n\r\n' +
  'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":5,"totalTokenCount":33,"thoughtsTokenCount":20,"cachedContentTokenCount":2},"modelVersion":"gemini-2.5-flash","responseId":"r1"}\r\n\r\n';

describe("usage from whole bodies", () => {
  it("OpenAI chat", () => {
    const u = new Usage();
    usageFromBody('{"id":"chatcmpl-9","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2}}}', u);
    expectCounts(u, 19, 10, 29, 3, 2);
    expect(u.model).toBe("gpt-4o");
  });
  it("OpenAI embeddings and Responses API", () => {
    const u = new Usage();
    usageFromBody('{"object":"list","data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}', u);
    expectCounts(u, 8, 0, 8, 0, 0);
    const r = new Usage();
    usageFromBody('{"id":"resp_1","object":"response","model":"gpt-5","usage":{"input_tokens":30,"input_tokens_details":{"cached_tokens":10},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":50}}', r);
    expectCounts(r, 30, 20, 50, 10, 5);
  });
  it("Anthropic counts cache reads and writes as input", () => {
    const u = new Usage();
    usageFromBody('{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":7,"cache_read_input_tokens":3}}', u);
    expectCounts(u, 20, 5, 25, 3, 0);
    expect(u.cacheCreation).toBe(7);
    expect(u.model).toBe("claude-3-5-haiku");
  });
  it("Gemini counts thoughts as output", () => {
    const u = new Usage();
    usageFromBody('{"candidates":[{"content":{"parts":[{"text":"x"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6,"totalTokenCount":30,"thoughtsTokenCount":20},"modelVersion":"gemini-2.5-pro"}', u);
    expectCounts(u, 4, 26, 30, 0, 20);
    expect(u.model).toBe("gemini-2.5-pro");
  });
  it("no usage, malformed or non-object input: not found, no trap", () => {
    const u = new Usage();
    expect(usageFromBody('{"choices":[]}', u)).toBe(false);
    expect(usageFromBody('{"usage":{"prompt_tokens":', u)).toBe(false);
    expect(usageFromBody("[1,2]", u)).toBe(false);
    expect(usageFromBody("", u)).toBe(false);
    expect(usageFromBody('{"usage":"x","model":5}', u)).toBe(false);
  });
});

describe("usage from streams, cut at every byte", () => {
  it("OpenAI final usage chunk", () => {
    for (let cut = 0; cut <= OPENAI_STREAM.length; cut += 3) {
      const t = streamUsage(OPENAI_STREAM, cut);
      expectCounts(t.usage, 12, 34, 46, 4, 10);
      expect(t.usage.model).toBe("gpt-4.1-2025");
      expect(t.id).toBe("chatcmpl-1");
      expect(t.complete).toBe(true);
    }
  });
  it("OpenAI final chunk with non-empty choices still counts", () => {
    const t = streamUsage('data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11}}\n\ndata: [DONE]\n\n', 10);
    expectCounts(t.usage, 5, 6, 11, 0, 0);
  });
  it("Anthropic message_start input + cumulative message_delta output", () => {
    for (let cut = 0; cut <= ANTHROPIC_STREAM.length; cut += 3) {
      const t = streamUsage(ANTHROPIC_STREAM, cut);
      expectCounts(t.usage, 175, 15, 190, 50, 0);
      expect(t.usage.cacheCreation).toBe(100);
      expect(t.usage.model).toBe("claude-sonnet-4-5");
      expect(t.id).toBe("msg_01");
      expect(t.complete).toBe(true);
    }
  });
  it("Anthropic message_delta that resends input counts replaces them", () => {
    const t = new UsageStream();
    t.onData('{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5,"output_tokens":1}}}');
    t.onData('{"type":"message_delta","delta":{},"usage":{"input_tokens":9,"cache_read_input_tokens":1,"output_tokens":3}}');
    expectCounts(t.usage, 10, 3, 13, 1, 0);
  });
  it("Gemini cumulative usageMetadata with thoughts", () => {
    for (let cut = 0; cut <= GEMINI_STREAM.length; cut += 3) {
      const t = streamUsage(GEMINI_STREAM, cut);
      expectCounts(t.usage, 8, 25, 33, 2, 20);
      expect(t.usage.model).toBe("gemini-2.5-flash");
      expect(t.id).toBe("r1");
      expect(t.complete).toBe(true);
    }
  });
  it("truncated stream is not complete; mid-stream error is noted", () => {
    const t = streamUsage(ANTHROPIC_STREAM.substring(0, 200), 50);
    expect(t.complete).toBe(false);
    const e = new UsageStream();
    e.onData('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(e.errorType).toBe("overloaded_error");
  });
  it("estimates from streamed text when usage is missing", () => {
    const t = new UsageStream();
    t.countText = true;
    t.onData('{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"abcdefgh"},"finish_reason":null}]}');
    t.onData('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"abcd"}}');
    t.onData('{"candidates":[{"content":{"parts":[{"text":"abcd"}]}}]}');
    expect(t.textChars).toBe(16);
    t.estimateIfMissing(40);
    expect(t.usage.estimated).toBe(true);
    expect(t.usage.input).toBe(10);
    expect(t.usage.output).toBe(4);
    expect(t.usage.found).toBe(false);
  });
});

describe("usage from captured members of a streamed body", () => {
  it("reads what JsonMemberCapture kept, at any chunking", () => {
    const keys = new MemberKeys(["id", "responseId", "model", "modelVersion", "error", "type", "response", "usage", "usageMetadata", "choices", "candidates"]);
    const body = '{"id":"msg_9","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2}}';
    const all = String.UTF8.encode(body);
    for (let step = 1; step < 30; step += 4) {
      const c = new JsonMemberCapture(keys);
      for (let i = 0; i < all.byteLength; i += step) c.push(all.slice(i, i + step < all.byteLength ? i + step : all.byteLength));
      c.finish();
      const t = new UsageStream();
      t.onCaptured(c);
      expectCounts(t.usage, 12, 5, 17, 2, 0);
      expect(t.usage.model).toBe("claude-x");
      expect(t.id).toBe("msg_9");
    }
    const e = new JsonMemberCapture(keys);
    e.push(String.UTF8.encode('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'));
    e.finish();
    const te = new UsageStream();
    te.onCaptured(e);
    expect(te.errorType).toBe("rate_limit_error");
  });
});
