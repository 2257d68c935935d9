// ai-proxy driven step by step through the host's test stack (no sockets, fake clock): log
// attributes in filter state, the retry call's exact request, health checks on ticks with a
// lease held by one worker, and no key text in any log line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack, type TestStack } from "../../host/testing.ts";
import { proxyWasm } from "./helpers.ts";

const ROUTES = {
  name: "r",
  virtualHosts: [{ name: "all", domains: ["*"], routes: [{ name: "ai", match: { prefix: "/" }, route: { clusterHeader: "x-ai-cluster" } }] }],
};

function stack(config: object, concurrency = 1): Promise<TestStack> {
  return createTestStack({
    filters: [{ wasm: proxyWasm(), configuration: JSON.stringify(config), rootId: "ai-proxy", allowOnHeadersStopIteration: true }],
    routes: ROUTES,
    clusters: ["a", "b"],
    concurrency,
    logLevel: 0,
  });
}

function chat(st: TestStack, content: string, worker = 0) {
  const s = st.stream(worker);
  s.sendRequestHeaders({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gw", "content-type": "application/json" });
  s.sendRequestBody(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }), true);
  return s;
}

const OK = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });

test("filter state names the provider, variant, attempts; the retry call is built for its provider", async () => {
  const st = await stack({
    providers: [
      { id: "pa", type: "openai", apiTokens: ["secret-a1"], cluster: "a", weight: 1, variant: "blue" },
      { id: "pb", type: "claude", apiTokens: ["secret-b1"], cluster: "b", modelMapping: { "*": "claude-haiku" } },
    ],
    routing: { fallback: ["pb"] },
  });
  try {
    const s = chat(st, "hello");
    assert.equal(s.upstream!.cluster, "a");
    assert.equal(s.upstream!.header("x-ai-variant"), "blue");
    s.respond(503, '{"error":{"message":"down","type":"server_error"}}', { "content-type": "application/json" });
    const call = st.httpCalls.at(-1)!;
    assert.equal(call.cluster, "b");
    assert.equal(call.header(":path"), "/v1/messages");
    assert.equal(call.header("x-api-key"), "secret-b1");
    assert.equal(call.header("anthropic-version"), "2023-06-01");
    assert.equal(call.header("x-ai-provider"), "pb");
    assert.equal(JSON.parse(call.bodyText).model, "claude-haiku");
    call.respond(200, JSON.stringify({
      id: "msg_1", type: "message", role: "assistant", model: "claude-haiku", content: [{ type: "text", text: "from b" }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 2 },
    }), { "content-type": "application/json" });
    assert.equal(s.response.status, 200);
    assert.equal(JSON.parse(s.response.bodyText).choices[0].message.content, "from b");
    assert.equal(s.filterState("ai_proxy_provider"), "pb");
    assert.equal(s.filterState("ai_proxy_variant"), "blue");
    assert.equal(s.filterState("ai_proxy_attempts"), "1");
    for (const l of st.logs) assert.ok(!l.message.includes("secret-"), `key text in a log line: ${l.message}`);
  } finally {
    await st.close();
  }
});

test("health checks run on ticks, from one worker at a time, and restore the key", async () => {
  const st = await stack({
    provider: {
      type: "openai", cluster: "a", apiTokens: ["k-good", "k-bad"],
      failover: { enabled: true, failureThreshold: 1, healthCheckInterval: 1000, healthCheckModel: "gpt-4o-mini" },
    },
  }, 2);
  try {
    // Drive requests until one uses the bad key and fails.
    let failed = false;
    for (let i = 0; i < 40 && !failed; i++) {
      const s = chat(st, `q${i}`, i % 2);
      if (s.upstream!.header("authorization") === "Bearer k-bad") {
        s.respond(401, '{"error":{"message":"bad key","type":"invalid_request_error"}}', { "content-type": "application/json" });
        failed = true;
      } else s.respond(200, OK, { "content-type": "application/json" });
    }
    assert.ok(failed);
    for (let i = 0; i < 10; i++) {
      const s = chat(st, `after${i}`, i % 2);
      assert.equal(s.upstream!.header("authorization"), "Bearer k-good");
      s.respond(200, OK, { "content-type": "application/json" });
    }
    const before = st.httpCalls.length;
    st.advance(1000);
    const probes = st.httpCalls.slice(before);
    assert.equal(probes.length, 1, "one worker holds the lease: one probe per interval");
    assert.equal(probes[0].header("authorization"), "Bearer k-bad");
    assert.equal(JSON.parse(probes[0].bodyText).model, "gpt-4o-mini");
    probes[0].respond(401, "{}");
    st.advance(1000);
    const second = st.httpCalls.at(-1)!;
    assert.notEqual(second, probes[0]);
    second.respond(200, OK, { "content-type": "application/json" });
    let usedBad = false;
    for (let i = 0; i < 40 && !usedBad; i++) {
      const s = chat(st, `back${i}`, i % 2);
      usedBad = s.upstream!.header("authorization") === "Bearer k-bad";
      s.respond(200, OK, { "content-type": "application/json" });
    }
    assert.ok(usedBad, "the key is back in rotation");
    for (const l of st.logs) assert.ok(!l.message.includes("k-bad") && !l.message.includes("k-good"), l.message);
  } finally {
    await st.close();
  }
});
