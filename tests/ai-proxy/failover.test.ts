// Key health (Higress `failover`) and `retryOnFailure` through the local runner: a failing key is
// taken out after failureThreshold consecutive failures (shared by every worker), requests then
// use only healthy keys, health checks (the provider's own path and auth, Azure included) bring
// the key back once it works again, and a failed request is retried with another key.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, eventually, FIXED_NOW } from "./helpers.ts";

function client(url: string): OpenAI {
  return new OpenAI({ baseURL: url + "/v1", apiKey: "client", maxRetries: 0 });
}

async function ask(c: OpenAI, text: string): Promise<string> {
  const r = await c.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: text }] });
  return r.choices[0].message.content ?? "";
}

test("a failing key is taken out, retries hide it, health checks restore it", async () => {
  const up = await startUpstream("openai", { keys: ["good"], now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { openai: up },
    concurrency: 2,
    config: {
      provider: {
        type: "openai", cluster: "openai", apiTokens: ["good", "bad"],
        failover: { enabled: true, failureThreshold: 2, successThreshold: 1, healthCheckInterval: 200, healthCheckModel: "gpt-4o-mini" },
        retryOnFailure: { enabled: true, maxRetries: 1, retryOnStatus: ["401", "5.*"] },
      },
    },
  });
  try {
    const c = client(gw.url);
    const t0 = Date.now();
    const marks: string[] = [];
    // Every answer succeeds: a request that drew the bad key is retried with the good one.
    for (let i = 0; i < 30; i++) assert.equal(await ask(c, `hi ${i}`), `echo: hi ${i}`);
    marks.push(`first loop ${Date.now() - t0} ms`);
    const bad = up.state.requests.filter((r) => r.headers.authorization === "Bearer bad" && r.path === "/v1/chat/completions" && (r.body as { model: string }).model === "gpt-4o");
    assert.ok(bad.length >= 2, `the bad key was used ${bad.length} times`);
    assert.ok(bad.every((r) => r.status === 401));
    // Taken out after two consecutive failures: later requests use only the good key.
    up.state.reset();
    for (let i = 0; i < 20; i++) await ask(c, `later ${i}`);
    marks.push(`second loop ${Date.now() - t0} ms`);
    const later = up.state.requests.filter((r) => (r.body as { model: string }).model === "gpt-4o");
    assert.equal(later.length, 20);
    assert.ok(later.every((r) => r.headers.authorization === "Bearer good"));
    // Health checks probe the bad key with the health-check model until it works again.
    await eventually(() => {
      const probes = up.state.requests.filter((r) => (r.body as { model: string }).model === "gpt-4o-mini");
      assert.ok(probes.length >= 1, `no health check after ${Date.now() - t0} ms; ${marks.join(", ")}; ${up.state.requests.length} requests`);
      assert.equal(probes[0].headers.authorization, "Bearer bad");
      assert.equal(probes[0].path, "/v1/chat/completions");
    }, 15000);
    up.state.keys = ["good", "bad"];
    await eventually(async () => {
      up.state.reset();
      for (let i = 0; i < 20; i++) await ask(c, `back ${i}`);
      const used = up.state.requests.filter((r) => (r.body as { model: string }).model === "gpt-4o" && r.headers.authorization === "Bearer bad");
      assert.ok(used.length > 0, "the restored key gets traffic again");
    }, 15000);
  } finally {
    await gw.close();
    await up.close();
  }
});

test("health checks use Azure's deployment path and api-key", async () => {
  const up = await startUpstream("openai", { keys: { azure: ["az-good"] }, now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { azure: up },
    config: {
      provider: {
        type: "azure", cluster: "azure", apiTokens: ["az-bad", "az-good"],
        azureServiceUrl: "https://res.openai.azure.com/openai/deployments/dep1?api-version=2024-06-01",
        failover: { enabled: true, failureThreshold: 1, healthCheckInterval: 200, healthCheckModel: "gpt-4o-mini" },
      },
    },
  });
  try {
    const c = client(gw.url);
    let failures = 0;
    for (let i = 0; i < 10; i++) {
      try {
        await ask(c, `x${i}`);
      } catch (e) {
        assert.ok(e instanceof OpenAI.AuthenticationError);
        failures++;
      }
    }
    assert.equal(failures, 1, "one failure takes the key out (failureThreshold 1)");
    await eventually(() => {
      const probe = up.state.requests.find((r) => r.headers["api-key"] === "az-bad" && (r.body as { max_tokens?: number }).max_tokens === 1);
      assert.ok(probe, "a health check for the bad key");
      assert.equal(probe!.path, "/openai/deployments/dep1/chat/completions");
      assert.equal(probe!.query["api-version"], "2024-06-01");
      assert.equal(probe!.headers.authorization, undefined);
    }, 15000);
  } finally {
    await gw.close();
    await up.close();
  }
});

test("every key out: the provider is circuit-open and answers 503 without calling it", async () => {
  const up = await startUpstream("openai", { keys: ["nothing-valid"], now: FIXED_NOW });
  const gw = await startGateway({
    upstreams: { openai: up },
    config: {
      provider: {
        type: "openai", cluster: "openai", apiTokens: ["k1"],
        failover: { enabled: true, failureThreshold: 1, healthCheckInterval: 60000, healthCheckModel: "gpt-4o-mini" },
      },
    },
  });
  try {
    const c = client(gw.url);
    await assert.rejects(ask(c, "a"), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    const before = up.state.requests.length;
    await assert.rejects(ask(c, "b"), (e: unknown) => e instanceof OpenAI.APIError && e.status === 503 && /circuit open/.test(e.message));
    assert.equal(up.state.requests.length, before, "no request reached the circuit-open provider");
  } finally {
    await gw.close();
    await up.close();
  }
});
