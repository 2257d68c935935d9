// ai-statistics in the local runner (real sockets, Envoy stats rendering) in front of the mock
// provider, driven by the official OpenAI and Anthropic clients and fetch for Gemini: exact token
// counts streamed and not, at several upstream chunkings, and a client abort.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, scrape, total, eventually, M, type Gateway } from "./gateway.ts";

let g: Gateway;
before(async () => {
  g = await startGateway('{"consumer_header":"x-mse-consumer"}');
});
after(() => g.close());
beforeEach(() => g.mock.state.reset());

// Mock tokenizer: "Hello gateway world" = 3 prompt tokens; the answer "echo: Hello gateway world" = 4.
const PROMPT = "Hello gateway world";
const CHUNKINGS = ["", "chunks=1;chunk-delay=1", "chunks=7,3;chunk-delay=1", "events-per-chunk=3;chunk-delay=1", "crlf;chunks=5;chunk-delay=1"];

function openai(fault: string, consumer: string): OpenAI {
  return new OpenAI({ apiKey: "sk-test", baseURL: `${g.url}/v1`, defaultHeaders: { ...(fault ? { "x-mock-fault": fault } : {}), "x-mse-consumer": consumer } });
}

test("OpenAI chat, streamed and not, every chunking: exact tokens per consumer", async () => {
  for (const [i, fault] of CHUNKINGS.entries()) {
    const consumer = `openai-${i}`;
    const client = openai(fault, consumer);
    const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: PROMPT }] });
    assert.equal(r.usage?.prompt_tokens, 3);
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: PROMPT }] });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    assert.equal(text, `echo: ${PROMPT}`);
    await eventually(async () => {
      const s = await scrape(g);
      const l = { ai_route: "chat", ai_cluster: "mock-llm", ai_model: "gpt-4o-mini", ai_consumer: consumer };
      assert.equal(total(s, M + "input_token", l), 6, `fault ${fault}`);
      assert.equal(total(s, M + "output_token", l), 8);
      assert.equal(total(s, M + "total_token", l), 14);
      assert.equal(total(s, M + "llm_duration_count", l), 2);
      assert.equal(total(s, M + "llm_stream_duration_count", l), 1);
      assert.equal(total(s, M + "ai_requests", { ...l, ai_status: "2xx", ai_error: "none" }), 2);
      assert.equal(total(s, M + "ai_request_duration_ms_count", l), 2);
      assert.equal(total(s, M + "ai_ttft_ms_count", l), 1);
      assert.equal(total(s, M + "ai_anomaly_truncated_stream", l), 0);
    });
  }
});

test("Anthropic messages, streamed and not, every chunking", async () => {
  for (const [i, fault] of CHUNKINGS.entries()) {
    const consumer = `anthropic-${i}`;
    const client = new Anthropic({ apiKey: "sk-ant", baseURL: g.url, defaultHeaders: { ...(fault ? { "x-mock-fault": fault } : {}), "x-mse-consumer": consumer } });
    const m = await client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: PROMPT }] });
    assert.equal(m.usage.input_tokens, 3);
    const stream = client.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: PROMPT }] });
    const final = await stream.finalMessage();
    assert.equal(final.usage.output_tokens, 4);
    await eventually(async () => {
      const s = await scrape(g);
      const l = { ai_model: "claude-sonnet-4-5", ai_consumer: consumer };
      assert.equal(total(s, M + "input_token", l), 6, `fault ${fault}`);
      assert.equal(total(s, M + "output_token", l), 8);
      assert.equal(total(s, M + "ai_requests", { ...l, ai_status: "2xx" }), 2);
    });
  }
});

test("Gemini generateContent and streamGenerateContent (alt=sse), every chunking", async () => {
  for (const [i, fault] of CHUNKINGS.entries()) {
    const consumer = `gemini-${i}`;
    const headers = { "content-type": "application/json", "x-goog-api-key": "g-key", "x-mse-consumer": consumer, ...(fault ? { "x-mock-fault": fault } : {}) };
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: PROMPT }] }] });
    const a = await fetch(`${g.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: "POST", headers, body });
    assert.equal((await a.json()).usageMetadata.promptTokenCount, 3);
    const b = await fetch(`${g.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { method: "POST", headers, body });
    assert.match(await b.text(), /finishReason/);
    await eventually(async () => {
      const s = await scrape(g);
      const l = { ai_model: "gemini-2.5-flash", ai_consumer: consumer };
      assert.equal(total(s, M + "input_token", l), 6, `fault ${fault}`);
      assert.equal(total(s, M + "output_token", l), 8);
      assert.equal(total(s, M + "ai_requests", { ...l, ai_status: "2xx", ai_error: "none" }), 2);
    });
  }
});

test("a client that leaves mid-stream is counted as client_abort", async () => {
  const ac = new AbortController();
  const res = await fetch(`${g.url}/v1/chat/completions`, {
    method: "POST",
    signal: ac.signal,
    headers: { "content-type": "application/json", authorization: "Bearer sk", "x-mse-consumer": "leaver", "x-mock-fault": "event-delay=200" },
    body: JSON.stringify({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "a b c d e f g h i j k l m n o p" }] }),
  });
  const reader = res.body!.getReader();
  await reader.read(); // the first event arrived
  ac.abort();
  await eventually(async () => {
    const s = await scrape(g);
    const l = { ai_model: "gpt-4o-mini", ai_consumer: "leaver" };
    assert.equal(total(s, M + "ai_requests", { ...l, ai_error: "client_abort" }), 1);
    assert.equal(total(s, M + "ai_anomaly_client_abort", l), 1);
    assert.equal(total(s, M + "ai_request_duration_ms_count", l), 1);
  });
});

test("upstream errors keep their provider error type", async () => {
  const client = openai("status=429", "limited");
  await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }, { maxRetries: 0 }), /429/);
  await eventually(async () => {
    const s = await scrape(g);
    assert.equal(total(s, M + "ai_requests", { ai_consumer: "limited", ai_status: "4xx", ai_error: "requests" }), 1);
    assert.equal(total(s, M + "ai_anomaly_upstream_error", { ai_consumer: "limited" }), 1);
  });
});
