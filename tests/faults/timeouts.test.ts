// Faults: a slow first byte (host/mock `firstByteDelayMs` beyond the route timeout) and a
// black-holed upstream (accepts, never answers). Expected: the route timeout (1 s here) fires,
// then either the fallback provider answers, or the client gets a 504 within the timeout (never a
// hang; Envoy's plain-text reply rewritten by ai-proxy as OpenAI error JSON). Afterwards no slot or
// reservation is held.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startChain, startUpstream, post, chat, openAIError, assertNothingLeaked, type Chain, type MockServer } from "./helpers.ts";

let slow: MockServer;
let backup: MockServer;
let withFallback: Chain;
let bare: Chain;

before(async () => {
  slow = await startUpstream("openai");
  backup = await startUpstream("openai");
  withFallback = await startChain({
    upstreams: { slow, backup },
    routeTimeout: "1s",
    proxy: {
      providers: [
        { id: "slow", type: "openai", apiTokens: ["k"], cluster: "slow" },
        { id: "backup", type: "openai", apiTokens: ["b"], cluster: "backup", timeout: 5000 },
      ],
      activeProviderId: "slow",
      routing: { fallback: ["backup"] },
    },
  });
  bare = await startChain({
    upstreams: { slow },
    routeTimeout: "1s",
    proxy: { provider: { type: "openai", apiTokens: ["k"], cluster: "slow" } },
  });
});
after(async () => {
  await withFallback.close();
  await bare.close();
  await slow.close();
  await backup.close();
});
beforeEach(() => {
  slow.state.reset();
  backup.state.reset();
});

for (const fault of [{ name: "slow first byte", spec: { firstByteDelayMs: 3000 } }, { name: "black hole", spec: { blackhole: true } }]) {
  test(`${fault.name}: route timeout, then the fallback provider answers`, async () => {
    slow.state.faults.add({ ...fault.spec, count: 2 });
    const started = Date.now();
    const r = await new OpenAI({ baseURL: withFallback.url + "/v1", apiKey: "c", maxRetries: 0 }).chat.completions.create({
      model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "late" }],
    });
    assert.equal(r.choices[0].message.content, "echo: late");
    const ms = Date.now() - started;
    assert.ok(ms >= 900 && ms < 4000, `answered after the 1 s route timeout (${ms} ms)`);
    const s = await post(withFallback, "/v1/chat/completions", chat("late stream", { stream: true }));
    assert.equal(s.status, 200);
    assert.match(s.text, /data: \[DONE\]/);
    assert.equal(backup.state.requests.length, 2);
    slow.state.faults.clear();
    await assertNothingLeaked(withFallback, slow);
  });

  test(`${fault.name}, nowhere to go: a 504 within the route timeout, no hang`, async () => {
    slow.state.faults.add({ ...fault.spec, count: 3 });
    const r = await post(bare, "/v1/chat/completions", chat("nobody home"));
    assert.equal(r.status, 504);
    assert.ok(r.ms < 3000, `no hang (${r.ms} ms)`);
    const s = await post(bare, "/v1/chat/completions", chat("nobody home", { stream: true }));
    assert.equal(s.status, 504, "a stream that never started gets the status");
    assert.ok(s.ms < 3000, `no hang (${s.ms} ms)`);
    await assert.rejects(
      new OpenAI({ baseURL: bare.url + "/v1", apiKey: "c", maxRetries: 0 }).chat.completions.create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "x" }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 504,
    );
    slow.state.faults.clear();
    await assertNothingLeaked(bare, slow);
  });

  // Envoy's plain-text local reply (`upstream request timeout`) rewritten by ai-proxy.
  test(`${fault.name}, nowhere to go: the 504 body is OpenAI error JSON`, async () => {
    slow.state.faults.add({ ...fault.spec, count: 1 });
    const r = await post(bare, "/v1/chat/completions", chat("nobody home"));
    assert.equal(r.status, 504);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    const e = openAIError(r.text);
    assert.equal(e.message, "upstream request timeout", "Envoy's text kept as the message");
    assert.equal(e.type, "server_error");
    slow.state.faults.clear();
    await assertNothingLeaked(bare, slow);
  });
}
