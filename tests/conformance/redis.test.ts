// Higress's Redis ABI (0_2_100 modules only): proxy_redis_init answers at once; proxy_redis_call
// returns a token; the reply arrives at proxy_on_redis_call_response(root, token, status, size)
// with the RESP bytes readable as buffer type 9 during that callback.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RedisConnector } from "../../host/contract.ts";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, slot, st, strings, TRACE, trace, u32, wat } from "./wat.ts";

const S = strings({ cluster: "outbound|6379||redis.static?db=1", other: "outbound|6379||other", user: "u", pass: "p", ping: "*1\r\n$4\r\nPING\r\n" });

const module = () =>
  wat({
    abi: "0_2_100",
    imports: ["proxy_redis_init", "proxy_redis_call", "proxy_get_buffer_bytes", "proxy_set_effective_context", "proxy_continue_stream"],
    body: `${S.wat}${TRACE}
  (global $stream (mut i32) (i32.const 0))
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    ${st(0, call("proxy_redis_init", ...S.at.cluster, ...S.at.user, ...S.at.pass, 1000))}
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (global.set $stream (local.get $c))
    ${st(1, call("proxy_redis_call", ...S.at.cluster, ...S.at.ping, P))}
    ${st(2, call("proxy_redis_call", ...S.at.other, ...S.at.ping, P + 4))}
    (i32.const 1))
  (func (export "proxy_on_redis_call_response") (param $r i32) (param $t i32) (param $status i32) (param $size i32)
    (call $trace (i32.const 20) (local.get $r) (local.get $t))
    (call $trace (i32.const 21) (local.get $status) (local.get $size))
    ${st(3, call("proxy_get_buffer_bytes", 9, 0, "(local.get $size)", P + 8, P + 12))}
    ${st(4, call("proxy_set_effective_context", "(global.get $stream)"))}
    ${st(5, call("proxy_continue_stream", 0))})`,
  });

const settle = () => new Promise((r) => setImmediate(r));

test("init, call, reply through buffer 9, then the stream resumes", async () => {
  const calls: string[] = [];
  const redis: RedisConnector = {
    init: async (cluster, user, pass, timeout) => {
      calls.push(`init ${cluster} ${user} ${pass} ${timeout}`);
      return 0;
    },
    call: async (cluster, query) => {
      calls.push(`call ${cluster} ${JSON.stringify(Buffer.from(query).toString())}`);
      return { status: 0, reply: Buffer.from("+PONG\r\n") };
    },
  };
  const stack = await createTestStack({ filters: [{ wasm: await module() }], redis });
  const vm = stack.vm();
  assert.equal(slot(vm, 0), 0);
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(slot(vm, 1), 0);
  assert.equal(u32(vm, P), 1, "first token");
  assert.equal(slot(vm, 2), 2, "a cluster never initialised: BadArgument");
  await settle();
  assert.deepEqual(trace(vm), [
    [20, 1, 1],
    [21, 0, 7],
  ]);
  assert.equal(slot(vm, 3), 0);
  assert.equal(returnedText(vm, P + 8), "+PONG\r\n");
  assert.equal(slot(vm, 4), 0);
  assert.equal(s.upstream?.cluster, "upstream");
  assert.deepEqual(calls, [
    "init outbound|6379||redis.static?db=1 u p 1000",
    "init outbound|6379||redis.static?db=1 u p 1000",
    'call outbound|6379||redis.static?db=1 "*1\\r\\n$4\\r\\nPING\\r\\n"',
  ]);
  await stack.close();
});

test("a failed init (bad auth) makes calls report its status with an empty reply", async () => {
  const redis: RedisConnector = {
    init: async () => 10,
    call: async () => {
      throw new Error("must not be called");
    },
  };
  const stack = await createTestStack({ filters: [{ wasm: await module() }], redis });
  stack.stream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  await settle();
  assert.deepEqual(trace(stack.vm())[1], [21, 10, 0]);
  await stack.close();
});

test("without a Redis connector, init is BadArgument", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  assert.equal(slot(stack.vm(), 0), 2);
  await stack.close();
});
