// The degrade cache through the local runner: answers are kept (normalized body + model) and served,
// marked x-ai-cache: degraded, only when every provider failed or is circuit-open; streams replay.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let primary: MockServer;
let backup: MockServer;
let gw: Gateway;

before(async () => {
  primary = await startUpstream("openai", { now: FIXED_NOW });
  backup = await startUpstream("openai", { now: FIXED_NOW });
  gw = await startGateway({
    upstreams: { primary, backup },
    config: {
      providers: [
        { id: "p", type: "openai", apiTokens: ["p"], cluster: "primary" },
        { id: "b", type: "openai", apiTokens: ["b"], cluster: "backup" },
      ],
      activeProviderId: "p",
      routing: { fallback: ["b"] },
      cache: { enabled: true, ttl: 60000, maxEntries: 64, maxEntryBytes: 65536 },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([primary.close(), backup.close()]);
});

beforeEach(() => {
  primary.state.reset();
  backup.state.reset();
});

async function post(body: string): Promise<Response> {
  return fetch(gw.url + "/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json", authorization: "Bearer c" } });
}

function failBoth(): void {
  primary.state.faults.add({ status: 503, count: Infinity });
  backup.state.faults.add({ status: 503, count: Infinity });
}

test("a cached answer is served, marked, only when every provider fails", async () => {
  const first = await post('{"model":"gpt-4o","messages":[{"role":"user","content":"cache me"}]}');
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-ai-cache"), null);
  const fresh = await first.json();
  primary.state.reset();
  failBoth();
  try {
    // Same request, other whitespace: the same cache entry.
    const degraded = await post('{ "model": "gpt-4o", "messages": [ {"role": "user", "content": "cache me"} ] }');
    assert.equal(degraded.status, 200);
    assert.equal(degraded.headers.get("x-ai-cache"), "degraded");
    assert.deepEqual(await degraded.json(), fresh);
    assert.equal(primary.state.requests.length, 1, "the providers were tried first");
    assert.equal(backup.state.requests.length, 1);
    // Not cached: the error.
    const miss = await post('{"model":"gpt-4o","messages":[{"role":"user","content":"never seen"}]}');
    assert.equal(miss.status, 503);
    assert.equal(miss.headers.get("x-ai-cache"), null);
  } finally {
    primary.state.faults.clear();
    backup.state.faults.clear();
  }
});

test("a cached stream replays through the OpenAI client", async () => {
  const c = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 });
  const ask = async () => {
    const s = await c.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "stream cache" }] });
    let t = "";
    for await (const ch of s) t += ch.choices[0]?.delta?.content ?? "";
    return t;
  };
  assert.equal(await ask(), "echo: stream cache");
  failBoth();
  try {
    const raw = await c.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "stream cache" }] }).withResponse();
    assert.equal(raw.response.headers.get("x-ai-cache"), "degraded");
    let t = "";
    for await (const ch of raw.data) t += ch.choices[0]?.delta?.content ?? "";
    assert.equal(t, "echo: stream cache");
  } finally {
    primary.state.faults.clear();
    backup.state.faults.clear();
  }
});

test("circuit-open providers: the cache answers without calling them", async () => {
  const up = await startUpstream("openai", { keys: ["ok"], now: FIXED_NOW });
  const g = await startGateway({
    upstreams: { openai: up },
    config: {
      provider: {
        type: "openai", cluster: "openai", apiTokens: ["ok"],
        failover: { enabled: true, failureThreshold: 1, healthCheckInterval: 60000, healthCheckModel: "gpt-4o-mini" },
      },
      cache: { enabled: true },
    },
  });
  try {
    const body = '{"model":"gpt-4o","messages":[{"role":"user","content":"open circuit"}]}';
    const send = () => fetch(g.url + "/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json" } });
    assert.equal((await send()).status, 200);
    up.state.keys = ["something-else"];
    assert.equal((await send()).status, 401); // the only key is now out
    const n = up.state.requests.length;
    const cached = await send();
    assert.equal(cached.status, 200);
    assert.equal(cached.headers.get("x-ai-cache"), "degraded");
    assert.equal(up.state.requests.length, n, "the circuit-open provider was not called");
  } finally {
    await g.close();
    await up.close();
  }
});
