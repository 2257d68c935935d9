// The combined mock server and single-provider upstreams: routing, recording, keys, close().

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import OpenAI from "openai";
import { startMockProvider, startUpstream } from "../../host/mock/index.ts";
import { ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY, rawRequest } from "./helpers.ts";

const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };
const anthropicHeaders = { "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01" };
const anthropicBody = { model: "c", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
const geminiBody = { contents: [{ parts: [{ text: "hi" }] }] };

describe("startMockProvider (all providers on one server)", () => {
  it("routes by path to OpenAI, Azure, Anthropic and Gemini and records each request with its provider", async () => {
    const mock = await startMockProvider();
    try {
      const o = await rawRequest(mock.url, "/v1/chat/completions", { headers: { authorization: `Bearer ${OPENAI_KEY}` }, body: chat });
      const z = await rawRequest(mock.url, "/openai/deployments/d/chat/completions?api-version=2024-10-21", { headers: { "api-key": "k" }, body: chat });
      const a = await rawRequest(mock.url, "/v1/messages", { headers: anthropicHeaders, body: anthropicBody });
      const g = await rawRequest(mock.url, "/v1beta/models/gemini-2.0-flash:generateContent", { headers: { "x-goog-api-key": GEMINI_KEY }, body: geminiBody });
      assert.deepEqual([o.status, z.status, a.status, g.status], [200, 200, 200, 200]);
      assert.equal(JSON.parse(o.body).object, "chat.completion");
      assert.equal(JSON.parse(z.body).object, "chat.completion");
      assert.equal(JSON.parse(a.body).type, "message");
      assert.ok(JSON.parse(g.body).candidates);
      assert.deepEqual(mock.state.requests.map((r) => [r.provider, r.path]), [
        ["openai", "/v1/chat/completions"],
        ["openai", "/openai/deployments/d/chat/completions"],
        ["anthropic", "/v1/messages"],
        ["gemini", "/v1beta/models/gemini-2.0-flash:generateContent"],
      ]);
      assert.equal(mock.state.lastRequest("openai")!.query["api-version"], "2024-10-21");
      assert.equal(mock.state.requestsFor("anthropic").length, 1);
      assert.deepEqual(mock.state.lastRequest("gemini")!.body, geminiBody);
      assert.equal(mock.state.lastRequest("gemini")!.rawBody.toString(), JSON.stringify(geminiBody));
    } finally {
      await mock.close();
    }
  });

  it("serves OpenAI-compatible and Anthropic-compatible base paths", async () => {
    const mock = await startMockProvider();
    try {
      const qwen = await rawRequest(mock.url, "/compatible-mode/v1/chat/completions", { headers: { authorization: "Bearer x" }, body: chat });
      const deepseek = await rawRequest(mock.url, "/anthropic/v1/messages", { headers: anthropicHeaders, body: anthropicBody });
      assert.deepEqual([qwen.status, deepseek.status], [200, 200]);
      assert.deepEqual(mock.state.requests.map((r) => r.provider), ["openai", "anthropic"]);
    } finally {
      await mock.close();
    }
  });

  it("unknown paths get a 404 in the matching provider's shape", async () => {
    const mock = await startMockProvider();
    try {
      const g = await rawRequest(mock.url, "/v1beta/tunedModels", { headers: { "x-goog-api-key": GEMINI_KEY } });
      assert.equal(g.status, 404);
      assert.equal(JSON.parse(g.body).error.status, "NOT_FOUND");
      const o = await rawRequest(mock.url, "/v2/thing", { body: {} });
      assert.equal(o.status, 404);
      assert.equal(JSON.parse(o.body).error.message, "Invalid URL (POST /v2/thing)");
      assert.equal(mock.state.requests[1].provider, "unknown");
    } finally {
      await mock.close();
    }
  });

  it("without keys any non-empty key is accepted; per-provider key lists are enforced separately", async () => {
    const open = await startMockProvider();
    const strict = await startMockProvider({ keys: { openai: ["o1"], anthropic: ["a1"] } });
    try {
      const any = await rawRequest(open.url, "/v1/chat/completions", { headers: { authorization: "Bearer whatever" }, body: chat });
      assert.equal(any.status, 200);
      const o = (key: string) => rawRequest(strict.url, "/v1/chat/completions", { headers: { authorization: `Bearer ${key}` }, body: chat });
      assert.deepEqual([(await o("o1")).status, (await o("a1")).status], [200, 401]);
      const a = (key: string) => rawRequest(strict.url, "/v1/messages", { headers: { "x-api-key": key, "anthropic-version": "2023-06-01" }, body: anthropicBody });
      assert.deepEqual([(await a("a1")).status, (await a("o1")).status], [200, 401]);
      const g = await rawRequest(strict.url, "/v1beta/models/g:generateContent?key=anything", { body: geminiBody });
      assert.equal(g.status, 200, "no gemini list configured: any key");
    } finally {
      await open.close();
      await strict.close();
    }
  });

  it("listens on the given port and host", async () => {
    const probe = await startMockProvider();
    const port = probe.port;
    await probe.close();
    const mock = await startMockProvider({ port, host: "127.0.0.1" });
    try {
      assert.equal(mock.port, port);
      assert.equal(mock.url, `http://127.0.0.1:${port}`);
    } finally {
      await mock.close();
    }
  });

  it("close() ends open streams and black holes instead of waiting for them", async () => {
    const mock = await startMockProvider();
    mock.state.faults.add({ blackhole: true });
    mock.state.faults.add({ eventDelayMs: 10_000 });
    const hole = rawRequest(mock.url, "/v1/chat/completions", { headers: { authorization: "Bearer k" }, body: chat });
    const slow = rawRequest(mock.url, "/v1/chat/completions", { headers: { authorization: "Bearer k" }, body: { ...chat, stream: true } });
    await mock.state.waitForRequests(2);
    const started = Date.now();
    await mock.close();
    assert.ok(Date.now() - started < 1000);
    const [h, s] = await Promise.all([hole, slow]);
    assert.ok(h.error);
    assert.ok(s.error);
  });

  it("waitForRequests resolves once enough requests arrived and rejects on timeout", async () => {
    const mock = await startMockProvider();
    try {
      const waiting = mock.state.waitForRequests(2, 2000);
      await rawRequest(mock.url, "/v1/models", { headers: { authorization: "Bearer k" } });
      await rawRequest(mock.url, "/v1/models", { headers: { authorization: "Bearer k" } });
      assert.equal((await waiting).length, 2);
      await assert.rejects(mock.state.waitForRequests(3, 50), /2 of 3 requests after 50 ms/);
    } finally {
      await mock.close();
    }
  });

  it("state.reset() forgets requests, faults, cache and ids", async () => {
    const mock = await startMockProvider();
    try {
      const client = new OpenAI({ apiKey: "k", baseURL: `${mock.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      mock.state.faults.add({ status: 500 });
      mock.state.reset();
      assert.equal(mock.state.requests.length, 0);
      assert.equal(mock.state.faults.pending().length, 0);
      const res = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      assert.equal(res.id, "chatcmpl-mock000001");
    } finally {
      await mock.close();
    }
  });
});

describe("startUpstream (one provider per server)", () => {
  it("each serves only its own paths, answering others with its own 404 shape", async () => {
    const anthropic = await startUpstream("anthropic");
    const gemini = await startUpstream("gemini");
    try {
      assert.notEqual(anthropic.port, gemini.port);
      const a = await rawRequest(anthropic.url, "/v1/chat/completions", { headers: { authorization: "Bearer k" }, body: chat });
      assert.equal(a.status, 404);
      assert.deepEqual(JSON.parse(a.body).error, { type: "not_found_error", message: "Not Found" });
      const g = await rawRequest(gemini.url, "/v1/messages", { headers: anthropicHeaders, body: anthropicBody });
      assert.equal(g.status, 404);
      assert.equal(JSON.parse(g.body).error.code, 404);
    } finally {
      await anthropic.close();
      await gemini.close();
    }
  });

  it("rejects an unknown provider kind", async () => {
    await assert.rejects(startUpstream("cohere" as any), /unknown provider "cohere"/);
  });

  it("keeps HTTP/1.1 keep-alive connections working across requests", async () => {
    const mock = await startUpstream("openai");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.request(`${mock.url}/v1/chat/completions`, { method: "POST", agent, headers: { authorization: "Bearer k", "content-type": "application/json" } }, (res) => {
            ports.add(res.socket.localPort!);
            res.resume();
            res.on("end", resolve);
          });
          req.on("error", reject);
          req.end(JSON.stringify(chat));
        });
      }
      assert.equal(ports.size, 1, "one connection served all three requests");
    } finally {
      agent.destroy();
      await mock.close();
    }
  });
});
