// Cluster mode: a client that leaves while its Redis check-and-add is in flight. The charge the
// script made is given back when the reply arrives (the call is registered under the root
// context, so the reply is not dropped with the stream): Redis ends with nothing counted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { RunnerRedisConnector } from "../../host/runner/redis/redis-connector.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { RedisServer, RespClient, redisAvailable, type Resp } from "./redis-server.ts";
import { rateLimitStack, hit, chat, admitted, pluginWasm } from "./helpers.ts";

if (!redisAvailable()) throw new Error("redis-server not found: apt-get install redis-server (make test installs it)");
let srv: RedisServer;
let client: RespClient;

before(async () => {
  pluginWasm("higress");
  srv = await RedisServer.start();
  client = await RespClient.connect(srv.port);
});
after(async () => {
  client?.close();
  await srv?.stop();
});

/** Sum of every bucket of every ai-rate-limit counter in Redis, and how many counters exist. */
async function counted(): Promise<{ keys: number; total: number }> {
  const keys = (await client.call("KEYS", "ai-rate-limit:*")) as Resp[];
  let total = 0;
  for (const k of keys) {
    const vals = (await client.call("HVALS", k as string)) as Resp[];
    for (const v of vals) total += Number(v);
  }
  return { keys: keys.length, total };
}

async function waitFor(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("clients leaving during the Redis round trip leave no charge behind", async () => {
  await client.call("FLUSHALL");
  const conn = new RunnerRedisConnector({ has: () => true, pickHost: () => ({ address: "127.0.0.1", port: srv.port }) }, new RunnerLogger(5));
  const stack = await rateLimitStack({
    target: "higress", concurrency: 2, redis: conn,
    config: {
      rules: [{ name: "k", limit_by_header: "x-key", limit_keys: [{ key: "a", query_per_minute: 3, token_per_minute: 1000 }] }],
      redis: { service_name: "redis.static", service_port: srv.port, timeout: 500 },
      token_estimate: { bytes_per_token: 4 },
    },
  });
  const body = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 300 };
  const left = [0, 1, 0].map((w) => chat(stack, w, body, { "x-key": "a" }));
  for (const s of left) {
    assert.equal(admitted(s), false, "still waiting for Redis");
    s.reset(); // the client goes away before the reply
  }
  // Each check ran in Redis (the counters exist) and was then given back.
  await waitFor(async () => (await counted()).keys >= 2);
  await waitFor(async () => (await counted()).total === 0);
  // The whole limit is available again: 3 requests of ~301 tokens fit, a 4th does not.
  const next = [0, 1, 0, 1].map((w) => chat(stack, w, body, { "x-key": "a" }));
  await waitFor(async () => next.every((s) => admitted(s) || s.response.started));
  assert.equal(next.filter(admitted).length, 3);
  for (const s of next.filter(admitted)) s.respond(200, "{}");
  await stack.close();
  conn.close();
});

test("a request-count limit: abort during the round trip, then the full quota", async () => {
  await client.call("FLUSHALL");
  const conn = new RunnerRedisConnector({ has: () => true, pickHost: () => ({ address: "127.0.0.1", port: srv.port }) }, new RunnerLogger(5));
  const stack = await rateLimitStack({
    target: "higress", concurrency: 2, redis: conn,
    config: { rule_name: "r", global_threshold: { query_per_minute: 2 }, redis: { service_name: "redis.static", service_port: srv.port } },
  });
  const gone = [hit(stack, 0), hit(stack, 1), hit(stack, 0)];
  for (const s of gone) s.reset();
  await waitFor(async () => (await counted()).keys === 1);
  await waitFor(async () => (await counted()).total === 0);
  const next = [0, 1, 0].map((w) => hit(stack, w));
  await waitFor(async () => next.every((s) => admitted(s) || s.response.started));
  assert.equal(next.filter(admitted).length, 2, "exactly the limit: nothing leaked, nothing lost");
  await stack.close();
  conn.close();
});
