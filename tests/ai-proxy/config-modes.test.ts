// Configuration modes through the local runner: per-route configs (`_rules_`), the older-Envoy
// mode (headerHold false, no allow_on_headers_stop_iteration), generic pass-through of unknown
// paths, and a rejected configuration naming the bad field.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, startUpstream, FIXED_NOW } from "./helpers.ts";

test("_rules_: a route gets its own provider, others the global one", async () => {
  const a = await startUpstream("openai", { now: FIXED_NOW });
  const b = await startUpstream("anthropic", { now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { a, b },
    routes: [{ name: "team-b", prefix: "/team-b/" }],
    config: {
      provider: { type: "openai", apiTokens: ["ka"], cluster: "a" },
      _rules_: [{ _match_route_: ["team-b"], provider: { type: "claude", apiTokens: ["kb"], cluster: "b", modelMapping: { "*": "claude-haiku" } } }],
    },
  });
  try {
    const global = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 });
    assert.equal((await global.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "g" }] })).choices[0].message.content, "echo: g");
    const teamB = new OpenAI({ baseURL: gw.url + "/team-b/v1", apiKey: "c", maxRetries: 0 });
    assert.equal((await teamB.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "b" }] })).choices[0].message.content, "echo: b");
    assert.equal(a.state.requests.length, 1);
    assert.equal(b.state.requests.length, 1);
    assert.equal((b.state.lastRequest()!.body as { model: string }).model, "claude-haiku");
    assert.equal(b.state.lastRequest()!.path, "/v1/messages");
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
});

test("older Envoy mode: headerHold false without allow_on_headers_stop_iteration", async () => {
  const oa = await startUpstream("openai", { now: FIXED_NOW });
  const cl = await startUpstream("anthropic", { now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { oa, cl },
    allowOnHeadersStopIteration: false,
    config: {
      providers: [
        { id: "oa", type: "openai", apiTokens: ["k"], cluster: "oa", modelMapping: { "gpt-4o": "gpt-4o-mini" } },
        { id: "cl", type: "claude", apiTokens: ["k"], cluster: "cl" },
      ],
      activeProviderId: "oa",
      headerHold: false,
      routing: { tags: [{ header: "x-target", value: "claude", provider: "cl" }], fallback: ["cl"] },
    },
  });
  try {
    const c = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 });
    const s = await c.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "old envoy" }] });
    let t = "";
    for await (const ch of s) t += ch.choices[0]?.delta?.content ?? "";
    assert.equal(t, "echo: old envoy");
    assert.equal(oa.state.lastRequest()!.rawBody.toString(), '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"old envoy"}],"stream_options":{"include_usage":true}}');
    const conv = await new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: { "x-target": "claude" } })
      .chat.completions.create({ model: "claude-3", messages: [{ role: "user", content: "converted" }] });
    assert.equal(conv.choices[0].message.content, "echo: converted");
    // Status-based fallback still works (it happens in the response phase).
    oa.state.faults.add({ status: 503, count: 1 });
    const fb = await c.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "fb" }] });
    assert.equal(fb.choices[0].message.content, "echo: fb");
    const ant = new Anthropic({ baseURL: gw.url, apiKey: "c", maxRetries: 0 });
    const m = await ant.messages.create({ model: "gpt-4o", max_tokens: 20, messages: [{ role: "user", content: "anthropic in" }] });
    assert.equal((m.content[0] as Anthropic.TextBlock).text, "echo: anthropic in");
  } finally {
    await gw.close();
    await oa.close();
    await cl.close();
  }
});

test("generic provider: unknown paths keep their path, get host and auth", async () => {
  const up = await startUpstream("openai", { now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { up },
    config: { provider: { type: "generic", genericHost: "llm.internal", apiTokens: ["gk"], cluster: "up", basePath: "/proxy" } },
  });
  try {
    const r = await fetch(gw.url + "/proxy/v1/models/gpt-4o", { headers: { authorization: "Bearer client" } });
    assert.equal(r.status, 200);
    const got = up.state.lastRequest()!;
    assert.equal(got.path, "/v1/models/gpt-4o");
    assert.equal(got.headers.host, "llm.internal");
    assert.equal(got.headers.authorization, "Bearer gk");
  } finally {
    await gw.close();
    await up.close();
  }
});

test("a bad configuration is rejected, naming the field", async () => {
  const up = await startUpstream("openai");
  const lines: string[] = [];
  try {
    await assert.rejects(
      startGateway({ upstreams: { up }, logLines: lines, config: { provider: { type: "azure", azureServiceUrl: "https://x.openai.azure.com/openai/deployments/d" } } }),
    );
    assert.ok(lines.some((l) => l.includes("provider.azureServiceUrl: must include the api-version query parameter")), lines.join("\n"));
  } finally {
    await up.close();
  }
});

test("non-API methods (CORS preflight) pass through untouched", async () => {
  const up = await startUpstream("openai", { now: FIXED_NOW });
  const gw = await startGateway({ upstreams: { up }, routes: [], config: { provider: { type: "openai", apiTokens: ["k"], cluster: "up" } } });
  try {
    // No provider rewrite happens, so no x-ai-cluster either: Envoy answers 503 (no cluster),
    // and the upstream never sees a rewritten OPTIONS.
    const r = await fetch(gw.url + "/v1/chat/completions", { method: "OPTIONS" });
    assert.notEqual(r.status, 400);
    assert.equal(up.state.requests.filter((q) => q.headers["x-ai-provider"] !== undefined).length, 0);
  } finally {
    await gw.close();
    await up.close();
  }
});
