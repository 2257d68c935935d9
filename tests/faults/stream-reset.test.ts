// Fault: the upstream resets the TCP connection in the middle of a stream (host/mock
// `resetAfterEvents`). Expected: the client gets an error event in its own protocol and never a
// clean end (`data: [DONE]` / `message_stop`) - the Portkey #1797 failure mode - and the
// rate limiter gets its slot and token reservation back.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startChain, startUpstream, post, rawStream, chat, openAIError, assertNothingLeaked, type Chain, type MockServer } from "./helpers.ts";

let openai: MockServer;
let claude: MockServer;
let gw: Chain;

before(async () => {
  openai = await startUpstream("openai");
  claude = await startUpstream("anthropic");
});
after(async () => {
  await openai.close();
  await claude.close();
});
// A fresh gateway per test: token charges stay in the window for a minute.
beforeEach(async () => {
  openai.state.reset();
  claude.state.reset();
  gw = await startChain({
    upstreams: { openai, claude },
    proxy: {
      providers: [
        { id: "openai", type: "openai", apiTokens: ["k"], cluster: "openai" },
        { id: "claude", type: "claude", apiTokens: ["a"], cluster: "claude" },
      ],
      activeProviderId: "openai",
      routing: { tags: [{ header: "x-target", value: "claude", provider: "claude" }] },
    },
  });
});
afterEach(() => gw.close());

// Reservation of one request here: max_tokens + the prompt's bytes / 3 (ai-rate-limit README).
const RESERVED_500 = 530;
const RESERVED_100 = 130;

const LONG = "one two three four five six seven eight nine ten eleven twelve";

// After a reset mid-body Envoy resets the downstream stream too (its router does; no filter can
// write after it), so over HTTP/1.1 the client sees the transfer aborted without its terminating
// chunk. That is never a clean end. A stream the upstream ends *cleanly* without its end marker
// (`endAfterEvents`) is where ai-proxy adds the error event in the client's protocol.
function notCleanEnd(r: { text: string; aborted: boolean }, errorEvent: RegExp, endMarker: RegExp): void {
  assert.doesNotMatch(r.text, endMarker, "never a clean end marker");
  assert.ok(r.aborted || errorEvent.test(r.text), `aborted transfer or an error event, got a clean end: ${r.text.slice(-300)}`);
}
const OPENAI_ERROR_EVENT = /data: \{"error":\{/;
const ANTHROPIC_ERROR_EVENT = /event: error\ndata: \{"type":"error","error":\{/;

test("OpenAI stream reset mid-way: transfer aborted, no [DONE], the SDK throws", async () => {
  openai.state.faults.add({ resetAfterEvents: 4, count: 1 });
  const r = await rawStream(gw, "/v1/chat/completions", chat(LONG, { stream: true }));
  assert.equal(r.status, 200, "headers had already gone out");
  assert.match(r.text, /"content":"echo:"/, "the part before the reset reached the client");
  notCleanEnd(r, OPENAI_ERROR_EVENT, /data: \[DONE\]/);
  assert.equal(openai.state.requests[0].outcome, "reset");

  openai.state.faults.add({ resetAfterEvents: 4, count: 1 });
  const s = await new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 }).chat.completions.create({
    model: "gpt-4o", max_tokens: 100, stream: true, messages: [{ role: "user", content: LONG }],
  });
  let text = "";
  await assert.rejects(async () => {
    for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
  });
  assert.ok(text.startsWith("echo:"), "partial text then the error");
  // A stream cut without usage may keep at most its reservation (estimated output).
  await assertNothingLeaked(gw, openai, { heldTokens: RESERVED_500 + RESERVED_100 });
});

test("OpenAI stream ended cleanly but early (no [DONE]): an OpenAI error event, the SDK throws APIError", async () => {
  openai.state.faults.add({ endAfterEvents: 4, count: 1 });
  const r = await rawStream(gw, "/v1/chat/completions", chat(LONG, { stream: true }));
  assert.match(r.text, OPENAI_ERROR_EVENT);
  assert.doesNotMatch(r.text, /data: \[DONE\]/);
  await assertNothingLeaked(gw, openai, { heldTokens: RESERVED_500 });
});

test("Anthropic upstream reset under an OpenAI client (converted): no [DONE]", async () => {
  claude.state.faults.add({ resetAfterEvents: 5, count: 1 });
  const r = await rawStream(gw, "/v1/chat/completions", chat(LONG, { stream: true }), { "x-target": "claude" });
  notCleanEnd(r, OPENAI_ERROR_EVENT, /\[DONE\]/);
});

test("Anthropic client, reset mid-way: no message_stop, the SDK throws", async () => {
  const body = JSON.stringify({ model: "claude-x", max_tokens: 500, stream: true, messages: [{ role: "user", content: LONG }] });
  claude.state.faults.add({ resetAfterEvents: 5, count: 1 });
  const r = await rawStream(gw, "/v1/messages", body, { "x-target": "claude", "anthropic-version": "2023-06-01" });
  notCleanEnd(r, ANTHROPIC_ERROR_EVENT, /message_stop/);

  claude.state.faults.add({ endAfterEvents: 5, count: 1 });
  const ended = await rawStream(gw, "/v1/messages", body, { "x-target": "claude", "anthropic-version": "2023-06-01" });
  assert.match(ended.text, ANTHROPIC_ERROR_EVENT, "a clean early end becomes `event: error`");

  claude.state.faults.add({ resetAfterEvents: 5, count: 1 });
  const ant = new Anthropic({ baseURL: gw.url, apiKey: "c", maxRetries: 0, defaultHeaders: { "x-target": "claude" } });
  await assert.rejects(ant.messages.stream({ model: "claude-x", max_tokens: 500, messages: [{ role: "user", content: LONG }] }).finalMessage());
  await assertNothingLeaked(gw, openai, { heldTokens: 3 * RESERVED_500 });
});

test("a reset before any byte: a 503, and the SDK raises APIError 503", async () => {
  openai.state.faults.add({ resetAfterEvents: 0, count: 2 });
  const r = await post(gw, "/v1/chat/completions", chat("x", { stream: true }));
  assert.equal(r.status, 503);
  await assert.rejects(
    new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 }).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof OpenAI.APIError && e.status === 503,
  );
  await assertNothingLeaked(gw, openai);
});

// Envoy's own local reply (503 "upstream connect error or disconnect/reset before headers...")
// passes through the encoder filters; ai-proxy rewrites it in the client's protocol.
test("a reset before any byte: the 503 body is OpenAI error JSON", async () => {
  openai.state.faults.add({ resetAfterEvents: 0, count: 1 });
  const r = await post(gw, "/v1/chat/completions", chat("x"));
  assert.equal(r.status, 503);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  const e = openAIError(r.text);
  assert.match(e.message, /^upstream connect error or disconnect\/reset before headers/, "Envoy's text kept as the message");
  assert.equal(e.type, "service_unavailable_error");
  await assertNothingLeaked(gw, openai);
});

test("a reset before any byte, Anthropic client: the 503 body is Anthropic error JSON", async () => {
  claude.state.faults.add({ resetAfterEvents: 0, count: 1 });
  const body = JSON.stringify({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "x" }] });
  const r = await post(gw, "/v1/messages", body, { "x-target": "claude", "anthropic-version": "2023-06-01" });
  assert.equal(r.status, 503);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  const j = JSON.parse(r.text) as { type: string; error: { type: string; message: string } };
  assert.equal(j.type, "error");
  assert.equal(j.error.type, "overloaded_error");
  assert.match(j.error.message, /^upstream connect error or disconnect\/reset before headers/);
  await assertNothingLeaked(gw, openai);
});

// A stream that ends early without usage (a clean end without the end marker, or an upstream
// error event) keeps at most its reservation (ai-rate-limit README: estimated output, capped).
for (const fault of [{ endAfterEvents: 4 }, { errorAfterEvents: 4 }]) {
  test(`a stream ended early (${Object.keys(fault)[0]}) keeps at most its reservation`, async () => {
    openai.state.faults.add({ ...fault, count: 1 });
    const r = await rawStream(gw, "/v1/chat/completions", chat(LONG, { stream: true }));
    assert.match(r.text, OPENAI_ERROR_EVENT);
    await assertNothingLeaked(gw, openai, { heldTokens: RESERVED_500 });
  });
}
