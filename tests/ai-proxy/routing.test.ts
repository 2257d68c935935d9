// Routing through the local runner: a weighted (canary) split lands within tolerance, sticky A/B
// keeps a consumer (header) or user (body field) on one variant, tags and model rules override,
// and the chosen provider's cluster is picked by the route from the x-ai-cluster header.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let stable: MockServer;
let canary: MockServer;
let local: MockServer;
let gw: Gateway;

before(async () => {
  stable = await startUpstream("openai", { now: FIXED_NOW });
  canary = await startUpstream("openai", { now: FIXED_NOW });
  local = await startUpstream("openai", { now: FIXED_NOW });
  gw = await startGateway({
    upstreams: { stable, canary, local },
    config: {
      providers: [
        { id: "stable", type: "openai", apiTokens: ["s"], cluster: "stable", weight: 80, variant: "A" },
        { id: "canary", type: "openai", apiTokens: ["c"], cluster: "canary", weight: 20, variant: "B" },
        { id: "local", type: "vllm", vllmServerHost: "qwen-local:8080", cluster: "local" },
      ],
      routing: {
        sticky: { header: "x-mse-consumer" },
        tags: [{ header: "x-ai-tag", value: "local", provider: "local" }],
        models: [{ model: "qwen-*", provider: "local" }],
      },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([stable.close(), canary.close(), local.close()]);
});

function reset(): void {
  stable.state.reset();
  canary.state.reset();
  local.state.reset();
}

async function post(body: object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gw.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: "Bearer client", ...headers },
  });
}

test("weights split traffic 80/20 within tolerance", async () => {
  reset();
  const n = 600;
  for (let i = 0; i < n; i += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, j) => post({ model: "gpt-4o", messages: [{ role: "user", content: `r${i + j}` }] }).then((r) => r.text())));
  }
  const c = canary.state.requests.length;
  assert.equal(c + stable.state.requests.length, n);
  const ratio = c / n;
  assert.ok(ratio > 0.14 && ratio < 0.26, `canary share ${ratio}`);
  assert.ok(canary.state.requests.every((r) => r.headers["x-ai-variant"] === "B" && r.headers["x-ai-provider"] === "canary" && r.headers.authorization === "Bearer c"));
  assert.ok(stable.state.requests.every((r) => r.headers["x-ai-variant"] === "A"));
});

test("sticky A/B: the same consumer always gets the same variant", async () => {
  reset();
  const consumers = Array.from({ length: 60 }, (_, i) => `consumer-${i}`);
  const seen = new Map<string, Set<string>>();
  for (let round = 0; round < 3; round++) {
    for (const c of consumers) {
      await (await post({ model: "gpt-4o", messages: [{ role: "user", content: c }] }, { "x-mse-consumer": c })).text();
    }
  }
  for (const m of [stable, canary]) {
    for (const r of m.state.requests) {
      const c = r.headers["x-mse-consumer"];
      if (!seen.has(c)) seen.set(c, new Set());
      seen.get(c)!.add(r.headers["x-ai-variant"]);
    }
  }
  assert.equal(seen.size, consumers.length);
  for (const [c, variants] of seen) assert.equal(variants.size, 1, `${c} saw ${[...variants]}`);
  const onCanary = [...seen.values()].filter((v) => v.has("B")).length;
  assert.ok(onCanary >= 3 && onCanary <= 24, `${onCanary} of 60 consumers on the canary`);
});

test("tags and model rules override the split", async () => {
  reset();
  const tagged = await post({ model: "gpt-4o", messages: [{ role: "user", content: "t" }] }, { "x-ai-tag": "local" });
  assert.equal(tagged.status, 200);
  const byModel = await new OpenAI({ baseURL: gw.url + "/v1", apiKey: "k", maxRetries: 0 }).chat.completions.create({
    model: "qwen-7b", messages: [{ role: "user", content: "m" }],
  });
  assert.equal(byModel.choices[0].message.content, "echo: m");
  assert.equal(local.state.requests.length, 2);
  assert.equal(local.state.requests[0].headers.host, "qwen-local:8080");
  assert.equal(local.state.requests[1].headers["x-ai-provider"], "local");
  assert.equal(stable.state.requests.length + canary.state.requests.length, 0);
});

test("a client cannot pick the cluster itself", async () => {
  reset();
  const r = await post({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, { "x-ai-cluster": "local", "x-ai-provider": "local" });
  assert.equal(r.status, 200);
  assert.equal(local.state.requests.length, 0);
});

test("sticky by body field `user`", async () => {
  const up = await startUpstream("openai", { now: FIXED_NOW });
  const up2 = await startUpstream("openai", { now: FIXED_NOW });
  const g = await startGateway({
    upstreams: { a: up, b: up2 },
    config: {
      providers: [
        { id: "a", type: "openai", cluster: "a", weight: 50 },
        { id: "b", type: "openai", cluster: "b", weight: 50 },
      ],
      routing: { sticky: { bodyField: "user" } },
    },
  });
  try {
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 20; u++) {
        await fetch(g.url + "/v1/chat/completions", {
          method: "POST", headers: { "content-type": "application/json", authorization: "Bearer x" },
          body: JSON.stringify({ model: "gpt-4o", user: `user-${u}`, messages: [{ role: "user", content: "x" }] }),
        }).then((r) => r.text());
      }
    }
    const where = new Map<string, Set<string>>();
    for (const [name, m] of [["a", up], ["b", up2]] as const) {
      for (const r of m.state.requests) {
        const u = (r.body as { user: string }).user;
        if (!where.has(u)) where.set(u, new Set());
        where.get(u)!.add(name);
      }
    }
    assert.equal(where.size, 20);
    for (const s of where.values()) assert.equal(s.size, 1);
    assert.ok(up.state.requests.length > 0 && up2.state.requests.length > 0);
  } finally {
    await g.close();
    await up.close();
    await up2.close();
  }
});
