// Fault: Redis (ai-rate-limit cluster mode, Higress builds of the three plugins) goes away while
// the gateway runs. Expected: `failure_mode: "open"` admits requests (counted in
// ai_rate_limit.redis_unavailable), `"closed"` refuses them at once with 503 in the client's
// protocol; no hang in either case; once Redis is back the limit is enforced again.
// redis-server comes from Debian (`make system-deps`); the test is skipped without it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { startChain, startUpstream, staticCluster, post, chat, prometheus, metric, eventually, openAIError } from "./helpers.ts";

const REDIS = "/usr/bin/redis-server";
// redis-server is a Debian package `make test` installs: missing is a failure, never a skip.
if (!existsSync(REDIS)) throw new Error("redis-server not found: apt-get install redis-server (make test installs it)");

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await eventually(() => new Promise<void>((res, rej) => {
    const c = net.connect(port, "127.0.0.1", () => { c.destroy(); res(); });
    c.once("error", rej);
  }), 5000);
  return p;
}

function stopRedis(p: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (p.exitCode !== null) return res();
    p.once("exit", () => res());
    p.kill("SIGKILL");
  });
}

for (const mode of ["open", "closed"] as const) {
  test(`Redis down, failure_mode ${mode}`, async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const up = await startUpstream("openai");
    const rule = `redis-${mode}-${process.pid}`;
    const gw = await startChain({
      target: "higress",
      upstreams: { openai: up },
      proxy: { provider: { type: "openai", apiTokens: ["k"], cluster: "openai" } },
      rateLimit: {
        rule_name: rule,
        global_threshold: { query_per_minute: 5 },
        redis: { service_name: "redis.static", service_port: port, timeout: 500 },
        failure_mode: mode,
      },
      extraClusters: staticCluster(`outbound|${port}||redis.static`, port),
    });
    try {
      // Redis up: the limit holds (5 per minute).
      const first = [];
      for (let i = 0; i < 7; i++) first.push((await post(gw, "/v1/chat/completions", chat(`up ${i}`, { max_tokens: 10 }))).status);
      assert.deepEqual(first, [200, 200, 200, 200, 200, 429, 429]);

      await stopRedis(redis);
      const down = [];
      for (let i = 0; i < 4; i++) down.push(await post(gw, "/v1/chat/completions", chat(`down ${i}`, { max_tokens: 10 })));
      for (const r of down) {
        assert.ok(r.ms < 2000, `no hang while Redis is down (${r.ms} ms)`);
        if (mode === "open") assert.equal(r.status, 200, "fail-open admits");
        else {
          assert.equal(r.status, 503, "fail-closed refuses");
          openAIError(r.text);
        }
      }
      assert.ok(metric(await prometheus(gw), "ai_rate_limit_redis_unavailable") >= 1, "redis_unavailable counted");

      // Redis back (empty: the counts are gone): the limit is enforced again.
      redis = await startRedis(port);
      await eventually(async () => {
        const s = (await post(gw, "/v1/chat/completions", chat("back", { max_tokens: 10 }))).status;
        assert.equal(s, 429, "limit enforced again once Redis is back");
      }, 8000);
      const prom = await prometheus(gw);
      assert.equal(metric(prom, "envoy_cluster_upstream_rq_active"), 0, "no upstream request left active");
    } finally {
      await gw.close();
      await up.close();
      await stopRedis(redis);
    }
  });
}
