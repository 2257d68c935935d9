// The Higress build of the SDK test plugin (entry tests/sdk/plugin/higress.ts, marker 0_2_100)
// in the Node host: proxy_redis_init / proxy_redis_call and the reply through
// proxy_on_redis_call_response + buffer 9.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import type { RedisConnector } from "../../host/contract.ts";
import { testPlugin } from "./helpers.ts";

class FakeRedis implements RedisConnector {
  inits: string[] = [];
  queries: string[] = [];
  constructor(private readonly reply: { status: number; reply: Uint8Array }) {}
  async init(cluster: string): Promise<number> {
    this.inits.push(cluster);
    return 0;
  }
  async call(cluster: string, query: Uint8Array): Promise<{ status: number; reply: Uint8Array }> {
    this.queries.push(`${cluster} ${Buffer.from(query).toString()}`);
    return this.reply;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test("redis call: the RESP query goes out and the reply is read from buffer 9", async () => {
  const redis = new FakeRedis({ status: 0, reply: Buffer.from("+PONG\r\n") });
  const stack = await createTestStack({ filters: [{ wasm: testPlugin("higress"), rootId: "sdk-test-redis" }], redis });
  await settle();
  assert.ok(redis.inits.includes("outbound|6379||redis.static"));
  assert.ok(redis.queries.includes("outbound|6379||redis.static *1\r\n$4\r\nPING\r\n"), JSON.stringify(redis.queries));
  assert.ok(stack.logs.some((l) => l.message === "sdk-test-redis: reply +PONG\r\n"), JSON.stringify(stack.logs));
  await stack.close();
});

test("redis unreachable: the handler gets a non-zero status", async () => {
  const redis = new FakeRedis({ status: 11, reply: new Uint8Array() });
  const stack = await createTestStack({ filters: [{ wasm: testPlugin("higress"), rootId: "sdk-test-redis" }], redis });
  await settle();
  assert.ok(stack.logs.some((l) => /^sdk-test-redis: redis unreachable, status [1-9]/.test(l.message)), JSON.stringify(stack.logs));
  await stack.close();
});
