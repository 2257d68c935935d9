// Faults: a 429 storm and a 5xx burst from the upstream (host/mock status faults). Expected: the
// request moves to the next key (retryOnFailure) or provider (routing.fallback) and succeeds; with
// nowhere left to go, the client gets a clean error in its own protocol (OpenAI error JSON /
// Anthropic error JSON) with the upstream's status. Afterwards no slot or reservation is held.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startChain, startUpstream, post, chat, openAIError, assertNothingLeaked, type Chain, type MockServer } from "./helpers.ts";

let primary: MockServer;
let backup: MockServer;
let claude: MockServer;
let gw: Chain; // retry on another key, then fall back to the backup provider
let bare: Chain; // one provider, one key: errors go to the client

before(async () => {
  primary = await startUpstream("openai", { keys: ["k1", "k2"] });
  backup = await startUpstream("openai");
  claude = await startUpstream("anthropic");
  gw = await startChain({
    upstreams: { primary, backup },
    proxy: {
      providers: [
        { id: "primary", type: "openai", apiTokens: ["k1", "k2"], cluster: "primary", retryOnFailure: { enabled: true, maxRetries: 1, retryOnStatus: ["429", "5.*"] } },
        { id: "backup", type: "openai", apiTokens: ["b"], cluster: "backup" },
      ],
      activeProviderId: "primary",
      routing: { fallback: ["backup"], fallbackOnStatus: ["429", "5.*"] },
    },
  });
  bare = await startChain({
    upstreams: { primary, claude },
    proxy: {
      providers: [
        { id: "primary", type: "openai", apiTokens: ["k1"], cluster: "primary" },
        { id: "claude", type: "claude", apiTokens: ["a"], cluster: "claude" },
      ],
      activeProviderId: "primary",
      routing: { tags: [{ header: "x-target", value: "claude", provider: "claude" }] },
    },
  });
});
after(async () => {
  await gw.close();
  await bare.close();
  await Promise.all([primary.close(), backup.close(), claude.close()]);
});
beforeEach(() => {
  for (const m of [primary, backup, claude]) m.state.reset();
});

const oa = (c: Chain, headers: Record<string, string> = {}) => new OpenAI({ baseURL: c.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: headers });

test("5xx burst: the retry with the other key absorbs one failure, the fallback the rest", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  const one = await oa(gw).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "burst one" }] });
  assert.equal(one.choices[0].message.content, "echo: burst one");
  const keys = primary.state.requests.map((r) => r.headers.authorization);
  assert.equal(keys.length, 2, "the failed attempt and its retry");
  assert.notEqual(keys[0], keys[1], "the retry used the other key");
  assert.equal(backup.state.requests.length, 0);

  primary.state.reset();
  primary.state.faults.add({ status: 500, count: 20 });
  // Four at a time (the concurrency limit of the suite), twice.
  for (const batch of [0, 4]) {
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) =>
      oa(gw).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: `burst ${batch + i}` }] })));
    answers.forEach((a, i) => assert.equal(a.choices[0].message.content, `echo: burst ${batch + i}`));
  }
  assert.equal(backup.state.requests.length, 8, "each request ended on the backup provider");
  primary.state.faults.clear();
  await assertNothingLeaked(gw, primary);
});

test("429 storm: streamed requests fail over before the first byte", async () => {
  primary.state.faults.add({ status: 429, retryAfter: 1, count: Infinity });
  const s = await oa(gw).chat.completions.create({ model: "gpt-4o", max_tokens: 100, stream: true, messages: [{ role: "user", content: "storm stream" }] });
  let text = "";
  for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: storm stream");
  assert.ok(backup.state.requests.length >= 1);
  primary.state.faults.clear();
  await assertNothingLeaked(gw, primary);
});

test("429 storm with nowhere to go: a clean 429 in the client's protocol", async () => {
  primary.state.faults.add({ status: 429, retryAfter: 7, count: Infinity });
  const r = await post(bare, "/v1/chat/completions", chat("no way out"));
  assert.equal(r.status, 429);
  assert.equal(openAIError(r.text).code, "rate_limit_exceeded");
  await assert.rejects(oa(bare).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "x" }] }), OpenAI.RateLimitError);
  const s = await post(bare, "/v1/chat/completions", chat("stream", { stream: true }));
  assert.equal(s.status, 429, "a stream that never started gets the status, not a 200 stream");
  openAIError(s.text);

  claude.state.faults.add({ status: 429, count: Infinity });
  const ant = new Anthropic({ baseURL: bare.url, apiKey: "c", maxRetries: 0, defaultHeaders: { "x-target": "claude" } });
  await assert.rejects(ant.messages.create({ model: "claude-x", max_tokens: 50, messages: [{ role: "user", content: "x" }] }), Anthropic.RateLimitError);
  // The OpenAI client talking to Claude gets the 429 converted to OpenAI's shape.
  await assert.rejects(oa(bare, { "x-target": "claude" }).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "x" }] }), OpenAI.RateLimitError);
  primary.state.faults.clear();
  claude.state.faults.clear();
  await assertNothingLeaked(bare, primary);
});

test("5xx with nowhere to go: the upstream status in OpenAI error JSON", async () => {
  primary.state.faults.add({ status: 502, count: 1 });
  const r = await post(bare, "/v1/chat/completions", chat("bad gateway"));
  assert.equal(r.status, 502);
  openAIError(r.text);
});
