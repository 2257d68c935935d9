// Fault injection on the wire: status storms (programmatic and by header, surviving SDK retries),
// delays, resets, black holes, truncated streams.

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startMockProvider, type MockServer } from "../../host/mock/index.ts";
import { ANTHROPIC_KEY, OPENAI_KEY, parseSse, rawRequest } from "./helpers.ts";

let mock: MockServer;
let openai: OpenAI;

before(async () => {
  mock = await startMockProvider();
  openai = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

const chat = { model: "m", messages: [{ role: "user" as const, content: "a b c d e" }] };
const chatStream = { ...chat, stream: true as const };
const auth = { authorization: `Bearer ${OPENAI_KEY}` };

describe("status faults", () => {
  it("x-mock-fault with count: the first N requests fail, the SDK's retries then succeed", async () => {
    const retrying = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 2, defaultHeaders: { "x-mock-fault": "status=503;count=2;retry-after=0.01" } });
    const res = await retrying.chat.completions.create(chat);
    assert.equal(res.choices[0].message.content, "echo: a b c d e");
    assert.deepEqual(mock.state.requests.map((r) => r.status), [503, 503, 200]);
    assert.deepEqual(mock.state.requests.map((r) => r.headers["x-stainless-retry-count"]), ["0", "1", "2"]);
    // The budget is spent: the same header no longer fails.
    await retrying.chat.completions.create(chat);
    assert.equal(mock.state.requests.at(-1)!.status, 200);
  });

  it("x-mock-fault without count fails every request; key= gives separate budgets", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "status=429" }, body: chat });
      assert.equal(r.status, 429);
      assert.equal(JSON.parse(r.body).error.code, "rate_limit_exceeded");
    }
    const a = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "status=500;count=1;key=a" }, body: chat });
    const b = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "status=502;count=1;key=b" }, body: chat });
    const a2 = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "status=500;count=1;key=a" }, body: chat });
    assert.deepEqual([a.status, b.status, a2.status], [500, 502, 200]);
  });

  it("programmatic faults apply to the next K matching requests only (provider and path filters)", async () => {
    mock.state.faults.add({ status: 529, count: 2, provider: "anthropic" });
    mock.state.faults.add({ status: 503, pathPrefix: "/v1/embeddings" });
    const ok = await openai.chat.completions.create(chat);
    assert.equal(ok.choices[0].message.content, "echo: a b c d e");
    const anthropic = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: mock.url, maxRetries: 0 });
    const req = { model: "c", max_tokens: 5, messages: [{ role: "user" as const, content: "x" }] };
    for (let i = 0; i < 2; i++) await assert.rejects(anthropic.messages.create(req), (e: any) => e.status === 529);
    assert.equal((await anthropic.messages.create(req)).type, "message");
    assert.equal(mock.state.faults.pending().length, 1);
    await assert.rejects(openai.embeddings.create({ model: "e", input: "x" }), (e: any) => e instanceof OpenAI.InternalServerError && e.status === 503);
    assert.equal(mock.state.faults.pending().length, 0);
  });

  it("a malformed x-mock-fault header is a 400 naming the problem", async () => {
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "status=abc" }, body: chat });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).error.message, /x-mock-fault: status: expected a non-negative number/);
  });
});

describe("timing faults", () => {
  it("delay holds back the status line; event-delay spaces the stream events", async () => {
    const slow = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "delay=150" }, body: chat });
    assert.equal(slow.status, 200);
    assert.ok(slow.times[0] >= 140, `first byte after ${slow.times[0]}ms`);
    const spaced = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "event-delay=30" }, body: chatStream });
    assert.equal(spaced.chunks.length, 9); // role, 6 tokens, finish, [DONE]
    assert.ok(spaced.times.at(-1)! - spaced.times[0] >= 8 * 25, `spread ${spaced.times.at(-1)! - spaced.times[0]}ms`);
  });

  it("black hole: the request is accepted and never answered; the client times out", async () => {
    const slowClient = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0, timeout: 200 });
    mock.state.faults.add({ blackhole: true });
    await assert.rejects(slowClient.chat.completions.create(chat), (e: any) => e instanceof OpenAI.APIConnectionTimeoutError);
    assert.equal(mock.state.requests.length, 1);
    assert.equal(mock.state.requests[0].status, undefined);
    assert.equal(mock.state.requests[0].outcome, undefined);
    assert.deepEqual(mock.state.requests[0].fault, { blackhole: true });
  });
});

describe("cut-off faults", () => {
  it("reset-after=N: N whole events arrive, then the connection is reset", async () => {
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "reset-after=3" }, body: chatStream });
    assert.equal(r.status, 200);
    assert.ok(r.error, "the response must fail");
    assert.equal(parseSse(r.body).length, 3);
    assert.deepEqual([mock.state.lastRequest()!.status, mock.state.lastRequest()!.outcome], [200, "reset"]);
    mock.state.faults.add({ resetAfterEvents: 2 });
    const stream = await openai.chat.completions.create(chatStream);
    const got: string[] = [];
    await assert.rejects((async () => { for await (const c of stream) got.push(c.choices[0].delta.content ?? ""); })());
    assert.deepEqual(got, ["", "echo:"]);
  });

  it("reset-after=0 resets before any byte: the SDK sees a connection error", async () => {
    mock.state.faults.add({ resetAfterEvents: 0 });
    await assert.rejects(openai.chat.completions.create(chat), (e: any) => e instanceof OpenAI.APIConnectionError);
    assert.deepEqual([mock.state.lastRequest()!.status, mock.state.lastRequest()!.outcome], [undefined, "reset"]);
  });

  it("reset-after-bytes cuts a JSON body short after exactly that many bytes", async () => {
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "reset-after-bytes=20" }, body: chat });
    assert.ok(r.error);
    assert.equal(Buffer.concat(r.chunks).length, 20);
    assert.equal(r.body, '{\n  "id": "chatcmpl-');
  });

  it("end-after=N ends the stream cleanly after N events (no [DONE], no message_stop)", async () => {
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "end-after=4" }, body: chatStream });
    assert.equal(r.error, undefined);
    assert.equal(mock.state.lastRequest()!.outcome, "complete");
    assert.equal(parseSse(r.body).length, 4);
    assert.ok(!r.body.includes("[DONE]"));
    const a = await rawRequest(mock.url, "/v1/messages", {
      headers: { "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01", "x-mock-fault": "end-after=5" },
      body: { model: "c", max_tokens: 20, stream: true, messages: [{ role: "user", content: "x y" }] },
    });
    assert.deepEqual(parseSse(a.body).map((e) => e.event), ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta"]);
  });

  it("the record keeps the fault that was applied", async () => {
    await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "end-after=1;event-delay=1" }, body: chatStream });
    assert.deepEqual(mock.state.lastRequest()!.fault, { endAfterEvents: 1, eventDelayMs: 1 });
  });
});
