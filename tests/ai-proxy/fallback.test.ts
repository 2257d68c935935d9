// Failure handling through the local runner: a fallback chain with model downgrade
// (gpt-4o -> gpt-4o-mini -> self-hosted) by http_call, for plain and streamed requests, across
// protocols; an error as the first stream event still falls back; a failure after the stream
// started ends the client's stream with an error, never a clean end; when everything fails the
// client gets the last error in its own protocol.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let primary: MockServer;
let secondary: MockServer;
let local: MockServer;
let claude: MockServer;
let gw: Gateway;

before(async () => {
  primary = await startUpstream("openai", { now: FIXED_NOW });
  secondary = await startUpstream("openai", { now: FIXED_NOW });
  local = await startUpstream("openai", { now: FIXED_NOW });
  claude = await startUpstream("anthropic", { now: FIXED_NOW });
  gw = await startGateway({
    upstreams: { primary, secondary, local, claude },
    config: {
      providers: [
        { id: "gpt4o", type: "openai", apiTokens: ["p"], cluster: "primary" },
        { id: "mini", type: "openai", apiTokens: ["s"], cluster: "secondary", modelMapping: { "*": "gpt-4o-mini" } },
        { id: "local", type: "vllm", vllmServerHost: "llm.local:8000", cluster: "local" },
        { id: "claude", type: "claude", apiTokens: ["a"], cluster: "claude", modelMapping: { "*": "claude-sonnet-4" } },
      ],
      activeProviderId: "gpt4o",
      routing: {
        tags: [{ header: "x-target", value: "claude", provider: "claude" }],
        fallback: ["mini", { provider: "local", model: "qwen2.5-7b" }],
        fallbackOnStatus: ["429", "5.*"],
      },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([primary.close(), secondary.close(), local.close(), claude.close()]);
});

beforeEach(() => {
  for (const m of [primary, secondary, local, claude]) m.state.reset();
});

function oa(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: gw.url + "/v1", apiKey: "client", maxRetries: 0, defaultHeaders: headers });
}

test("fallback chain with model downgrade, non-streaming", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  secondary.state.faults.add({ status: 429, count: 1 });
  const r = await oa().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] });
  assert.equal(r.choices[0].message.content, "echo: Hello");
  assert.equal((secondary.state.lastRequest()!.body as { model: string }).model, "gpt-4o-mini");
  const last = local.state.lastRequest()!;
  assert.equal((last.body as { model: string }).model, "qwen2.5-7b");
  assert.equal(last.headers.host, "llm.local:8000");
  assert.equal(last.headers.authorization, "Bearer client");
});

test("fallback for a streamed request before the first byte", async () => {
  primary.state.faults.add({ status: 500, count: 1 });
  const s = await oa().chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Stream please" }] });
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const ch of s) {
    text += ch.choices[0]?.delta?.content ?? "";
    if (ch.usage) usage = ch.usage;
  }
  assert.equal(text, "echo: Stream please");
  assert.ok(usage, "include_usage reached the fallback too");
  const sent = secondary.state.lastRequest()!.body as { model: string; stream_options: unknown };
  assert.equal(sent.model, "gpt-4o-mini");
  assert.deepEqual(sent.stream_options, { include_usage: true });
});

test("an error as the first stream event still falls back", async () => {
  primary.state.faults.add({ errorAfterEvents: 0, count: 1 });
  const s = await oa().chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "First event" }] });
  let text = "";
  for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: First event");
  assert.equal(secondary.state.requests.length, 1);
});

test("fallback across protocols: Anthropic client, Claude fails, OpenAI answers in Anthropic format", async () => {
  claude.state.faults.add({ status: 529, count: 2 });
  const ant = new Anthropic({ baseURL: gw.url, apiKey: "client", maxRetries: 0, defaultHeaders: { "x-target": "claude" } });
  const msg = await ant.messages.create({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "Cross" }] });
  assert.equal((msg.content[0] as Anthropic.TextBlock).text, "echo: Cross");
  assert.equal(secondary.state.lastRequest()!.path, "/v1/chat/completions");
  const stream = ant.messages.stream({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "Cross stream" }] });
  const final = await stream.finalMessage();
  assert.equal((final.content[0] as Anthropic.TextBlock).text, "echo: Cross stream");
});

test("a stream cut after it started ends with an error event, not a clean end", async () => {
  primary.state.faults.add({ endAfterEvents: 3, count: 1 });
  const s = await oa().chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "one two three four five six" }] });
  let text = "";
  await assert.rejects(
    (async () => {
      for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
    })(),
    (e: unknown) => e instanceof OpenAI.APIError && /ended before completion/.test(e.message),
  );
  assert.ok(text.length > 0, "the client had already received part of the answer");
  assert.equal(secondary.state.requests.length, 0, "no fallback once bytes reached the client");
});

test("an upstream error event mid-stream reaches the Anthropic client as an error", async () => {
  claude.state.faults.add({ errorAfterEvents: 4, count: 1 });
  const ant = new Anthropic({ baseURL: gw.url, apiKey: "client", maxRetries: 0, defaultHeaders: { "x-target": "claude" } });
  const stream = ant.messages.stream({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "a b c d e f g" }] });
  await assert.rejects(stream.finalMessage(), (e: unknown) => e instanceof Anthropic.APIError);
});

test("a converted stream cut mid-way ends with an error for the OpenAI client", async () => {
  claude.state.faults.add({ endAfterEvents: 5, count: 1 });
  const s = await oa({ "x-target": "claude" }).chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "a b c d e f g h" }] });
  await assert.rejects(
    (async () => {
      for await (const _ of s) {
        /* drain */
      }
    })(),
    (e: unknown) => e instanceof OpenAI.APIError,
  );
});

test("an upstream reset mid-stream is not a clean end", async () => {
  primary.state.faults.add({ resetAfterEvents: 3, count: 1 });
  const s = await oa().chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "a b c d e f g h" }] });
  await assert.rejects(async () => {
    for await (const _ of s) {
      /* drain */
    }
  });
});

test("everything fails: the last error, in the client's protocol", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  secondary.state.faults.add({ status: 503, count: 1 });
  local.state.faults.add({ status: 502, count: 1 });
  await assert.rejects(
    oa().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof OpenAI.APIError && e.status === 502,
  );
  assert.equal(primary.state.requests.length + secondary.state.requests.length + local.state.requests.length, 3);
});

test("statuses outside fallbackOnStatus pass straight through", async () => {
  primary.state.faults.add({ status: 400, count: 1 });
  await assert.rejects(
    oa().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof OpenAI.BadRequestError,
  );
  assert.equal(secondary.state.requests.length, 0);
});

test("an upstream timeout (Envoy's 504) falls back", async () => {
  const slow = await startUpstream("openai", { now: FIXED_NOW });
  const fast = await startUpstream("openai", { now: FIXED_NOW });
  const g = await startGateway({
    upstreams: { slow, fast },
    routeTimeout: "1s",
    config: {
      providers: [
        { id: "slow", type: "openai", apiTokens: ["k"], cluster: "slow" },
        { id: "fast", type: "openai", apiTokens: ["k"], cluster: "fast" },
      ],
      activeProviderId: "slow",
      routing: { fallback: ["fast"] },
    },
  });
  try {
    slow.state.faults.add({ blackhole: true, count: 1 });
    const started = Date.now();
    const r = await new OpenAI({ baseURL: g.url + "/v1", apiKey: "c", maxRetries: 0 }).chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "late" }] });
    assert.equal(r.choices[0].message.content, "echo: late");
    assert.ok(Date.now() - started >= 900, "the route timeout fired first");
    assert.equal(fast.state.requests.length, 1);
  } finally {
    await g.close();
    await slow.close();
    await fast.close();
  }
});
