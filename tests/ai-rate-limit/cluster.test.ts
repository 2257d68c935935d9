// Cluster mode (Higress build): counters in a real redis-server started here, shared by two
// independent hosts (two "gateways" with separate shared data), through the Higress Redis ABI
// served by the runner's connector. Redis killed mid-test -> the configured failure mode.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { RunnerRedisConnector } from "../../host/runner/redis/redis-connector.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import type { TestStack, TestStream } from "../../host/testing.ts";
import { RedisServer, redisAvailable } from "./redis-server.ts";
import { rateLimitStack, hit, chat, admitted, openAiUsageBody, pluginWasm } from "./helpers.ts";

// redis-server is a Debian package `make test` installs: missing is a failure, never a skip.
if (!redisAvailable()) throw new Error("redis-server not found: apt-get install redis-server (make test installs it)");
let srv: RedisServer;

before(async () => {
  pluginWasm("higress");
  srv = await RedisServer.start();
});
after(async () => {
  await srv?.stop();
});

function connector(port: number): RunnerRedisConnector {
  const picker = { has: () => true, pickHost: () => ({ address: "127.0.0.1", port }) };
  return new RunnerRedisConnector(picker, new RunnerLogger(5));
}

async function gateway(config: unknown, port = srv.port): Promise<{ stack: TestStack; conn: RunnerRedisConnector }> {
  const conn = connector(port);
  const stack = await rateLimitStack({ target: "higress", concurrency: 2, redis: conn, config });
  return { stack, conn };
}

/** Waits until every stream was admitted or answered (Redis replies arrive asynchronously). */
async function settled(streams: TestStream[], timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (streams.some((s) => !admitted(s) && !s.response.started)) {
    if (Date.now() > end) throw new Error("streams still undecided");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function redisCfg(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { service_name: "redis.static", service_port: srv.port, timeout: 500, ...extra };
}

test("two gateways share one cluster-key-rate-limit limit through Redis", async () => {
  const config = { rule_name: "shared", global_threshold: { query_per_minute: 10 }, redis: redisCfg(), show_limit_quota_header: true };
  const a = await gateway(config);
  const b = await gateway(config);
  const streams: TestStream[] = [];
  for (let i = 0; i < 30; i++) streams.push(hit(i % 2 === 0 ? a.stack : b.stack, i % 4 < 2 ? 0 : 1));
  await settled(streams);
  const ok = streams.filter(admitted);
  assert.equal(ok.length, 10, "exactly the limit across both gateways");
  for (const s of streams.filter((x) => !admitted(x))) {
    assert.equal(s.response.status, 429);
    assert.equal(s.response.header("x-ratelimit-limit"), "10");
    assert.ok(Number(s.response.header("retry-after")) >= 1);
  }
  ok[0].respond(200, "{}");
  assert.equal(ok[0].response.header("x-ratelimit-limit"), "10");
  for (const s of ok.slice(1)) s.respond(200, "{}");
  await a.stack.close();
  await b.stack.close();
  a.conn.close();
  b.conn.close();
});

test("ai-token-ratelimit config in cluster mode: reservations and reconciliation in Redis", async () => {
  const config = {
    rule_name: "tokens",
    rule_items: [{ limit_by_header: "x-key", limit_keys: [{ key: "k1", token_per_minute: 1000 }] }],
    redis: redisCfg(),
    token_estimate: { bytes_per_token: 4 },
  };
  const a = await gateway(config);
  const b = await gateway(config);
  const body = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 300 };
  const first = [0, 1, 2, 3].map((i) => chat(i % 2 ? b.stack : a.stack, 0, body, { "x-key": "k1" }));
  await settled(first);
  assert.equal(first.filter(admitted).length, 3, "3 x ~302 reserved tokens fit in 1000");
  const refused = first.find((s) => !admitted(s))!;
  assert.equal(refused.response.status, 429);
  assert.equal(refused.response.header("x-tokenratelimit-limit"), "1000");
  for (const s of first.filter(admitted)) s.respond(200, openAiUsageBody(3, 20), { "content-type": "application/json" });
  // The corrections are sent without waiting; give Redis a moment.
  await new Promise((r) => setTimeout(r, 100));
  const second = [0, 1].map((i) => chat(i ? b.stack : a.stack, 0, body, { "x-key": "k1" }));
  await settled(second);
  assert.equal(second.filter(admitted).length, 2, "69 tokens used after reconciliation");
  // Other keys are not limited by this rule.
  const other = chat(a.stack, 0, { ...body, max_tokens: 5000 }, { "x-key": "k2" });
  await settled([other]);
  assert.ok(admitted(other));
  await a.stack.close();
  await b.stack.close();
  a.conn.close();
  b.conn.close();
});

test("Redis killed mid-test: fail open (counted, one warning) or fail closed, as configured", async () => {
  const local = await RedisServer.start();
  const open = await gateway({ rules: [{ query_per_minute: 100 }], redis: redisCfg({ service_port: local.port }) }, local.port);
  const closed = await gateway({ rules: [{ query_per_minute: 100 }], redis: redisCfg({ service_port: local.port }), failure_mode: "closed" }, local.port);
  const warm = [hit(open.stack, 0), hit(closed.stack, 0)];
  await settled(warm);
  assert.ok(warm.every(admitted), "Redis answering");
  await local.stop();
  const t0 = Date.now();
  const o = [0, 1, 2, 3, 4].map((i) => hit(open.stack, i % 2));
  const c = [0, 1, 2].map((i) => hit(closed.stack, i % 2));
  await settled([...o, ...c]);
  assert.ok(Date.now() - t0 < 3000, "decided without waiting on a dead Redis for long");
  assert.ok(o.every(admitted), "failure_mode open lets requests through");
  for (const s of c) {
    assert.equal(s.response.status, 503);
    assert.equal(s.details, "ai_rate_limit.store_unavailable");
  }
  assert.ok((open.stack.counter("ai_rate_limit.redis_unavailable") ?? 0n) >= 5n);
  const warnings = open.stack.logs.filter((l) => l.message.startsWith("ai-rate-limit: Redis"));
  assert.equal(warnings.length, 1, "warnings are rate limited");
  for (const g of [open, closed]) {
    await g.stack.close();
    g.conn.close();
  }
});

test("a wrong Redis password fails fast: every request takes the failure mode at once", async () => {
  const secured = await RedisServer.start("s3cret");
  const g = await gateway({ rules: [{ query_per_minute: 1 }], redis: redisCfg({ service_port: secured.port, password: "wrong" }) }, secured.port);
  await new Promise((r) => setTimeout(r, 50)); // the connector's AUTH verdict
  const t0 = Date.now();
  const streams = [0, 1, 2, 3].map((i) => hit(g.stack, i % 2));
  await settled(streams);
  assert.ok(Date.now() - t0 < 500, "no per-request wait on a refused password");
  assert.ok(streams.every(admitted), "fail open by default (Higress behaviour)");
  assert.ok((g.stack.counter("ai_rate_limit.redis_unavailable") ?? 0n) >= 4n);
  await g.stack.close();
  g.conn.close();
  await secured.stop();
});
