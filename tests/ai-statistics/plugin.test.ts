// ai-statistics in the Node host with a fake clock: exact token counts, durations, TTFT, labels
// and the ai_log record for OpenAI, Anthropic and Gemini, streamed and not, cut into chunks of
// every size; client abort, truncated streams and upstream errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statsStack, counter, histogram, namesWith, aiLog, chunks, POST_CHAT, PREFIX } from "./helpers.ts";

const OPENAI_BODY = JSON.stringify({
  id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi there" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } },
}, null, 2);

const OPENAI_STREAM = [
  { id: "chatcmpl-2", object: "chat.completion.chunk", model: "gpt-4o-mini", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], usage: null },
  { id: "chatcmpl-2", object: "chat.completion.chunk", model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: "héllo 世界" }, finish_reason: null }], usage: null },
  { id: "chatcmpl-2", object: "chat.completion.chunk", model: "gpt-4o-mini", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null },
  { id: "chatcmpl-2", object: "chat.completion.chunk", model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 7, completion_tokens: 21, total_tokens: 28 } },
].map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n";

const ANTHROPIC_STREAM = [
  ["message_start", { type: "message_start", message: { id: "msg_01", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 25, cache_creation_input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 1 } } }],
  ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
  ["ping", { type: "ping" }],
  ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }],
  ["content_block_stop", { type: "content_block_stop", index: 0 }],
  ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 15 } }],
  ["message_stop", { type: "message_stop" }],
].map(([e, d]) => `event: ${e}\r\ndata: ${JSON.stringify(d)}\r\n\r\n`).join("");

const GEMINI_STREAM = [
  { candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 1, totalTokenCount: 9 }, modelVersion: "gemini-2.5-flash", responseId: "r1" },
  { candidates: [{ content: { role: "model", parts: [{ text: "lo" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 5, totalTokenCount: 33, thoughtsTokenCount: 20 }, modelVersion: "gemini-2.5-flash", responseId: "r1" },
].map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");

test("OpenAI non-streamed: Higress counters, ai_* metrics, durations and ai_log, at every chunk size", async () => {
  for (const size of [1, 3, 17, 64, 10_000]) {
    const stack = await statsStack();
    const s = stack.stream();
    s.sendRequestHeaders({ ...POST_CHAT, "x-mse-consumer": "alice", "x-ai-provider": "openai" });
    s.sendRequestBody('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}', true);
    stack.advance(120);
    s.respondHeaders({ ":status": "200", "content-type": "application/json" });
    const parts = chunks(OPENAI_BODY, size);
    parts.forEach((c, i) => s.respondBody(c, i === parts.length - 1));
    const p = PREFIX + "gpt-4o-2024-08-06.consumer.alice.metric.";
    assert.equal(counter(stack, p + "input_token"), 19, `chunk size ${size}`);
    assert.equal(counter(stack, p + "output_token"), 10);
    assert.equal(counter(stack, p + "total_token"), 29);
    assert.equal(counter(stack, p + "llm_service_duration"), 120);
    assert.equal(counter(stack, p + "llm_duration_count"), 1);
    assert.equal(counter(stack, p + "llm_stream_duration_count"), 0);
    const x = ".provider.openai.request_model.gpt-4o.variant.none";
    assert.equal(counter(stack, p + "ai_requests" + x + ".status.2xx.error.none"), 1);
    assert.equal(counter(stack, p + "ai_cached_tokens" + x), 4);
    assert.equal(counter(stack, p + "ai_reasoning_tokens" + x), 2);
    assert.deepEqual(histogram(stack, p + "ai_request_duration_ms" + x), [120]);
    assert.deepEqual(histogram(stack, p + "ai_input_tokens_per_request" + x), [19]);
    assert.deepEqual(histogram(stack, p + "ai_ttft_ms" + x), []);
    const log = aiLog(s);
    assert.deepEqual(log, {
      model: "gpt-4o-2024-08-06", input_token: 19, output_token: 10, total_token: 29, cached_tokens: 4, reasoning_tokens: 2,
      llm_service_duration: 120, response_type: "normal", chat_id: "chatcmpl-1", api: "openai/chat_completions",
      request_model: "gpt-4o", provider: "openai", consumer: "alice", response_code: 200,
    });
    assert.equal(s.response.bodyText, OPENAI_BODY, "the body passes through untouched");
    await stack.close();
  }
});

test("OpenAI stream: usage chunk, TTFT, time per output token, at every chunk size", async () => {
  for (const size of [1, 2, 5, 33, 100_000]) {
    const stack = await statsStack();
    const s = stack.stream();
    s.sendRequestHeaders({ ...POST_CHAT, "x-ai-variant": "b" });
    s.sendRequestBody('{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[]}', true);
    stack.advance(30);
    s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
    const parts = chunks(OPENAI_STREAM, size);
    parts.forEach((c, i) => {
      s.respondBody(c, false);
      if (i === 0) stack.advance(200);
    });
    s.respondBody("", true);
    const p = PREFIX + "gpt-4o-mini.consumer.none.metric.";
    const x = ".provider.none.request_model.gpt-4o-mini.variant.b";
    assert.equal(counter(stack, p + "input_token"), 7, `chunk size ${size}`);
    assert.equal(counter(stack, p + "output_token"), 21);
    assert.equal(counter(stack, p + "llm_first_token_duration"), 30);
    assert.equal(counter(stack, p + "llm_stream_duration_count"), 1);
    assert.equal(counter(stack, p + "llm_service_duration"), 230);
    assert.deepEqual(histogram(stack, p + "ai_ttft_ms" + x), [30]);
    assert.deepEqual(histogram(stack, p + "ai_request_duration_ms" + x), [230]);
    assert.deepEqual(histogram(stack, p + "ai_time_per_output_token_ms" + x), [10]); // (230 - 30) / 20
    assert.equal(counter(stack, p + "ai_requests" + x + ".status.2xx.error.none"), 1);
    const log = aiLog(s);
    assert.equal(log.response_type, "stream");
    assert.equal(log.llm_first_token_duration, 30);
    assert.equal(log.chat_id, "chatcmpl-2");
    assert.equal(log.variant, "b");
    assert.equal(log.anomalies, undefined);
    assert.equal(s.response.bodyText, OPENAI_STREAM);
    await stack.close();
  }
});

test("Anthropic stream: message_start input and cache + cumulative message_delta output", async () => {
  for (const size of [1, 7, 50, 100_000]) {
    const stack = await statsStack();
    const s = stack.stream();
    s.sendRequestHeaders({ ...POST_CHAT, ":path": "/v1/messages" });
    s.sendRequestBody('{"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,"messages":[]}', true);
    s.respondHeaders({ ":status": "200", "content-type": "text/event-stream; charset=utf-8" });
    for (const c of chunks(ANTHROPIC_STREAM, size)) s.respondBody(c, false);
    s.respondBody("", true);
    const p = PREFIX + "claude-sonnet-4-5.consumer.none.metric.";
    const x = ".provider.none.request_model.claude-sonnet-4-5.variant.none";
    assert.equal(counter(stack, p + "input_token"), 175, `chunk size ${size}`);
    assert.equal(counter(stack, p + "output_token"), 15);
    assert.equal(counter(stack, p + "total_token"), 190);
    assert.equal(counter(stack, p + "ai_cached_tokens" + x), 50);
    const log = aiLog(s);
    assert.equal(log.cache_creation_tokens, 100);
    assert.equal(log.chat_id, "msg_01");
    assert.equal(log.api, "anthropic/messages");
    await stack.close();
  }
});

test("Gemini stream (CRLF): cumulative usageMetadata with thoughts, model from the path", async () => {
  for (const size of [1, 9, 100_000]) {
    const stack = await statsStack();
    const s = stack.stream();
    s.sendRequestHeaders({ ...POST_CHAT, ":path": "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" });
    s.sendRequestBody('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}', true);
    s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
    for (const c of chunks(GEMINI_STREAM, size)) s.respondBody(c, false);
    s.respondBody("", true);
    const p = PREFIX + "gemini-2.5-flash.consumer.none.metric.";
    const x = ".provider.none.request_model.gemini-2.5-flash.variant.none";
    assert.equal(counter(stack, p + "input_token"), 8, `chunk size ${size}`);
    assert.equal(counter(stack, p + "output_token"), 25);
    assert.equal(counter(stack, p + "total_token"), 33);
    assert.equal(counter(stack, p + "ai_reasoning_tokens" + x), 20);
    assert.equal(aiLog(s).api, "gemini/stream_generate_content");
    await stack.close();
  }
});

test("client abort mid-stream is counted and logged from on_log", async () => {
  const stack = await statsStack();
  const s = stack.stream();
  s.sendRequestHeaders(POST_CHAT);
  s.sendRequestBody('{"model":"gpt-4o-mini","stream":true}', true);
  stack.advance(10);
  s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  s.respondBody(OPENAI_STREAM.slice(0, 150), false);
  stack.advance(40);
  s.reset();
  const p = PREFIX + "gpt-4o-mini.consumer.none.metric.";
  const x = ".provider.none.request_model.gpt-4o-mini.variant.none";
  assert.equal(counter(stack, p + "ai_requests" + x + ".status.2xx.error.client_abort"), 1);
  assert.equal(counter(stack, p + "ai_anomaly_client_abort" + x), 1);
  assert.deepEqual(histogram(stack, p + "ai_request_duration_ms" + x), [50]);
  const log = aiLog(s);
  assert.deepEqual(log.anomalies, ["client_abort"]);
  assert.equal(log.error_type, "client_abort");
  await stack.close();
});

test("truncated stream, mid-stream error, upstream error status, missing usage", async () => {
  const stack = await statsStack('{"slow_threshold_ms":100,"anomaly_header":"x-ai-anomaly"}');
  // 1: a stream that ends without [DONE] and without usage
  const a = stack.stream();
  a.sendRequestHeaders(POST_CHAT).sendRequestBody('{"model":"m1","stream":true}', true);
  a.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  a.respondBody(OPENAI_STREAM.split("\n\n").slice(0, 2).join("\n\n") + "\n\n", true);
  assert.deepEqual(aiLog(a).anomalies, ["missing_usage", "truncated_stream"]);
  // 2: Anthropic error event inside a 200 stream
  const b = stack.stream();
  b.sendRequestHeaders({ ...POST_CHAT, ":path": "/v1/messages" }).sendRequestBody('{"model":"m2","stream":true}', true);
  b.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  b.respondBody(ANTHROPIC_STREAM.split("\r\n\r\n").slice(0, 2).join("\r\n\r\n") + "\r\n\r\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", true);
  const lb = aiLog(b);
  assert.deepEqual(lb.anomalies, ["upstream_error", "truncated_stream"]);
  assert.equal(lb.error_type, "overloaded_error");
  // 3: a slow 429 with an OpenAI error body: error type from the body, anomaly header
  const c = stack.stream();
  c.sendRequestHeaders(POST_CHAT).sendRequestBody('{"model":"m3"}', true);
  stack.advance(150);
  c.respondHeaders({ ":status": "429", "content-type": "application/json" });
  c.respondBody('{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}', true);
  assert.equal(c.response.header("x-ai-anomaly"), "slow,upstream_error");
  const lc = aiLog(c);
  assert.deepEqual(lc.anomalies, ["slow", "upstream_error"]);
  assert.equal(lc.error_type, "requests");
  assert.equal(counter(stack, PREFIX + "m3.consumer.none.metric.ai_requests.provider.none.request_model.m3.variant.none.status.4xx.error.requests"), 1);
  assert.equal(counter(stack, PREFIX + "m3.consumer.none.metric.input_token"), 0, "no usage on an error");
  assert.equal(counter(stack, PREFIX + "m3.consumer.none.metric.llm_duration_count"), 1);
  await stack.close();
});

test("attributes: Higress examples, built-ins, separate fields, overrides, length limit", async () => {
  const config = JSON.stringify({
    value_length_limit: 12,
    attributes: [
      { key: "consumer_attr", value_source: "request_header", value: "x-mse-consumer", apply_to_log: true, as_separate_log_field: true },
      { key: "question", value_source: "request_body", value: "messages.@reverse.0.content", apply_to_log: true },
      { key: "answer", value_source: "response_streaming_body", value: "choices.0.delta.content", rule: "append", apply_to_log: true },
      { key: "env", value_source: "fixed_value", value: "prod", apply_to_log: true, apply_to_span: true },
      { key: "rid", value_source: "response_header", value: "x-request-id", default_value: "-", apply_to_log: true },
      { key: "reasoning_tokens", apply_to_log: true },
    ],
  });
  const stack = await statsStack(config);
  const s = stack.stream();
  s.sendRequestHeaders({ ...POST_CHAT, "x-mse-consumer": "bob" });
  s.sendRequestBody('{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"first"},{"role":"user","content":"what is 2+2?"}]}', true);
  s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  for (const c of chunks(OPENAI_STREAM, 11)) s.respondBody(c, false);
  s.respondBody("", true);
  const log = aiLog(s);
  assert.equal(log.question, "what is 2+2?");
  assert.equal(log.answer, "héllo 世界");
  assert.equal(log.env, "prod");
  assert.equal(log.rid, "-");
  assert.equal(log.reasoning_tokens, "0");
  assert.equal(log.consumer_attr, undefined);
  assert.equal(s.filterState("consumer_attr"), "bob");
  assert.equal(s.filterState("trace_span_tag.env"), "prod");
  await stack.close();

  // Higress: attributes named model/input_token/output_token feed the metrics
  const bailian = await statsStack(JSON.stringify({ attributes: [
    { key: "model", value_source: "response_body", value: "usage.models.0.model_id", apply_to_log: true },
    { key: "input_token", value_source: "response_body", value: "usage.models.0.input_tokens", apply_to_log: true },
    { key: "output_token", value_source: "response_body", value: "usage.models.0.output_tokens", apply_to_log: true },
  ] }));
  const t = bailian.stream();
  t.sendRequestHeaders({ ...POST_CHAT, ":path": "/api/v1/apps/x/completion" }).sendRequestBody('{"input":{"prompt":"x"}}', true);
  t.respondHeaders({ ":status": "200", "content-type": "application/json" });
  t.respondBody('{"output":{"text":"y"},"usage":{"models":[{"model_id":"qwen-max","input_tokens":343,"output_tokens":153}]}}', true);
  assert.equal(counter(bailian, PREFIX + "qwen-max.consumer.none.metric.input_token"), 343);
  assert.equal(counter(bailian, PREFIX + "qwen-max.consumer.none.metric.output_token"), 153);
  assert.equal(counter(bailian, PREFIX + "qwen-max.consumer.none.metric.total_token"), 496);
  assert.equal(aiLog(t).model, "qwen-max");
  await bailian.close();
});

test("bad configuration is rejected naming the field; paths outside enable_path_suffixes are ignored", async () => {
  await assert.rejects(
    statsStack('{"attributes":[{"key":"k","value_source":"request_header","value":"authorization","apply_to_log":true}]}'),
    /proxy_on_configure returned false/,
  );
  const stack = await statsStack('{"enable_path_suffixes":["/v1/chat/completions"]}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...POST_CHAT, ":path": "/v1/embeddings" }).sendRequestBody('{"model":"e","input":"x"}', true);
  s.respond(200, '{"object":"list","data":[],"model":"e","usage":{"prompt_tokens":3,"total_tokens":3}}', { "content-type": "application/json" });
  assert.deepEqual(namesWith(stack, "metric."), []);
  assert.equal(s.filterState("ai_log"), undefined);
  await stack.close();
});
