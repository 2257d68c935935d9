// Token limits: a reservation (input estimate + the request's max_tokens) is taken at request
// time, so concurrent requests cannot overshoot; the response's real usage replaces it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, chat, admitted, openAiUsageBody } from "./helpers.ts";
import type { TestStack, TestStream } from "../../host/testing.ts";

const LIMIT = 1000;
const CONFIG = {
  rules: [{ name: "tok", token_per_minute: LIMIT }],
  token_estimate: { bytes_per_token: 4 },
  show_limit_quota_header: true,
};

function ask(stack: TestStack, worker: number, maxTokens: number, prompt = "hi"): TestStream {
  return chat(stack, worker, { model: "m", messages: [{ role: "user", content: prompt }], max_tokens: maxTokens });
}

test("N concurrent requests never use more than the limit when max_tokens bounds the output", async () => {
  const stack = await rateLimitStack({ concurrency: 4, config: CONFIG });
  let spent = 0;
  let seed = 11;
  for (let wave = 0; wave < 5; wave++) {
    const open: TestStream[] = [];
    for (let i = 0; i < 30; i++) {
      const s = ask(stack, i % 4, 90);
      if (admitted(s)) open.push(s);
      else assert.equal(s.response.status, 429);
    }
    for (const s of open) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const completion = 10 + (seed % 81); // <= max_tokens
      s.respond(200, openAiUsageBody(3, completion), { "content-type": "application/json" });
      spent += 3 + completion;
    }
    assert.ok(spent <= LIMIT, `wave ${wave}: ${spent} tokens used`);
  }
  assert.ok(spent > LIMIT * 0.8, "the limit is used, not just respected: " + spent);
  await stack.close();
});

test("the reservation is replaced by the real usage (released difference)", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: CONFIG });
  const a = ask(stack, 0, 500);
  assert.ok(admitted(a));
  assert.equal(Number(a.response.header("x-tokenratelimit-remaining") ?? -1), -1); // not answered yet
  const b = ask(stack, 0, 500);
  assert.equal(admitted(b), false, "two 500-token reservations plus prompts do not fit in 1000");
  assert.equal(b.response.status, 429);
  assert.equal(b.details, "ai_rate_limit.token_limited");
  assert.equal(JSON.parse(b.response.bodyText).error.type, "tokens");
  assert.ok(b.response.header("x-tokenratelimit-limit") === "1000");
  a.respond(200, openAiUsageBody(5, 20), { "content-type": "application/json" });
  assert.equal(a.response.header("x-tokenratelimit-limit"), "1000");
  const c = ask(stack, 0, 500);
  assert.ok(admitted(c), "after reconciliation 25 tokens are used, 500 fit again");
  await stack.close();
});

test("streamed usage: OpenAI final usage chunk and Anthropic message_start + message_delta", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: CONFIG });
  const a = ask(stack, 0, 800);
  assert.ok(admitted(a));
  a.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  a.respondBody('data: {"id":"c","choices":[{"index":0,"delta":{"content":"hel"}}]}\n\n');
  a.respondBody('data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":33,"total_tokens":40}}\n\ndata: [DONE]\n\n', true);
  const b = ask(stack, 0, 800);
  assert.ok(admitted(b), "the 800-token reservation became 40 tokens");
  b.respond(500, "{}");

  const m = chat(stack, 0, { model: "claude", max_tokens: 900, messages: [{ role: "user", content: "x" }] }, {}, "/v1/messages");
  assert.ok(admitted(m));
  m.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  m.respondBody('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":12,"output_tokens":1}}}\n\n');
  m.respondBody('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":50}}\n\n');
  m.respondBody('event: message_stop\ndata: {"type":"message_stop"}\n\n', true);
  // 40 + 62 used: a 850-token request fits, a 950-token one does not
  const c = ask(stack, 0, 850);
  assert.ok(admitted(c));
  c.respond(500, "{}");
  const d = ask(stack, 0, 950);
  assert.equal(admitted(d), false);
  await stack.close();
});

test("an Anthropic client gets an Anthropic error body", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: CONFIG });
  const m = chat(stack, 0, { model: "claude", max_tokens: 5000, messages: [] }, {}, "/v1/messages");
  assert.equal(m.response.status, 429);
  const body = JSON.parse(m.response.bodyText);
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "rate_limit_error");
  await stack.close();
});

test("client abort and upstream failure release the reservation", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: CONFIG });
  const a = ask(stack, 0, 900);
  assert.ok(admitted(a));
  assert.equal(admitted(ask(stack, 0, 900)), false);
  a.reset(); // client went away before any answer
  const b = ask(stack, 0, 900);
  assert.ok(admitted(b), "released on abort");
  b.respondFailure("reset"); // upstream reset before headers: Envoy answers 503
  const c = ask(stack, 0, 900);
  assert.ok(admitted(c), "released on upstream reset");
  // A stream cut mid-way after usage was seen keeps the usage it reported.
  c.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  c.respondBody('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":300,"output_tokens":1}}}\n\n');
  c.reset();
  assert.equal(admitted(ask(stack, 0, 800)), false, "300+ tokens still counted");
  const d = ask(stack, 0, 600);
  assert.ok(admitted(d));
  await stack.close();
});

test("a request without max_tokens reserves token_estimate.default_max_tokens", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: { ...CONFIG, token_estimate: { bytes_per_token: 4, default_max_tokens: 600 } } });
  const a = chat(stack, 0, { model: "m", messages: [{ role: "user", content: "hello" }] });
  assert.ok(admitted(a));
  const b = chat(stack, 0, { model: "m", messages: [{ role: "user", content: "hello" }] });
  assert.equal(admitted(b), false);
  await stack.close();
});

test("header_hold false: headers go on at once, the decision waits for the body", async () => {
  const stack = await rateLimitStack({ concurrency: 1, allowOnHeadersStopIteration: false, config: { ...CONFIG, header_hold: false } });
  const a = ask(stack, 0, 900);
  assert.ok(admitted(a));
  assert.equal(a.upstream!.ended, true, "body forwarded after the decision");
  const b = ask(stack, 0, 900);
  assert.equal(b.response.status, 429);
  await stack.close();
});

test("Gemini: output cap from generationConfig, cumulative usageMetadata in a stream", async () => {
  const stack = await rateLimitStack({ concurrency: 1, config: CONFIG });
  const path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse";
  const body = { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 800 } };
  const g = chat(stack, 0, body, {}, path);
  assert.ok(admitted(g));
  const refused = chat(stack, 0, body, {}, path);
  assert.equal(refused.response.status, 429);
  assert.equal(JSON.parse(refused.response.bodyText).error.status, "RESOURCE_EXHAUSTED", "a Google error for a Gemini client");
  g.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  g.respondBody('data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5}}\n\n');
  g.respondBody('data: {"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":30,"totalTokenCount":34}}\n\n', true);
  const h = chat(stack, 0, { ...body, generationConfig: { maxOutputTokens: 900 } }, {}, path);
  assert.ok(admitted(h), "34 tokens used: a 900-token reservation fits");
  await stack.close();
});
