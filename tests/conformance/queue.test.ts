// Shared queues (cpp-host src/shared_queue.cc): register reuses a name's token, resolve by
// (vm_id, name) with "" meaning this VM's vm_id, unknown name NotFound, dequeue of an empty queue
// Empty, unknown token NotFound; enqueue notifies the registering root context with
// proxy_on_queue_ready, later, on its own worker.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, slot, st, strings, TRACE, trace, u32, wat } from "./wat.ts";

const S = strings({ q: "q", nope: "nope", vm: "vm", msg: "msg1" });

const module = () =>
  wat({
    imports: ["proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue"],
    body: `${S.wat}${TRACE}
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    ${st(0, call("proxy_register_shared_queue", ...S.at.q, P))}
    ${st(1, call("proxy_register_shared_queue", ...S.at.q, P + 4))}
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(2, call("proxy_resolve_shared_queue", 0, 0, ...S.at.q, P + 8))}
    ${st(3, call("proxy_resolve_shared_queue", ...S.at.vm, ...S.at.q, P + 12))}
    ${st(4, call("proxy_resolve_shared_queue", 0, 0, ...S.at.nope, P + 16))}
    ${st(5, call("proxy_enqueue_shared_queue", `(i32.load (i32.const ${P + 8}))`, ...S.at.msg))}
    ${st(6, call("proxy_enqueue_shared_queue", 999, ...S.at.msg))}
    ${st(7, call("proxy_dequeue_shared_queue", 999, P + 20, P + 24))}
    (i32.const 0))
  (func (export "proxy_on_queue_ready") (param $r i32) (param $t i32)
    (call $trace (i32.const 15) (local.get $r) (local.get $t))
    ${st(8, call("proxy_dequeue_shared_queue", "(local.get $t)", P + 28, P + 32))}
    ${st(9, call("proxy_dequeue_shared_queue", "(local.get $t)", P + 36, P + 40))})`,
  });

const tick = () => new Promise((r) => setImmediate(r));

test("register, resolve, enqueue -> on_queue_ready on the registering root, dequeue, Empty", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const vm = stack.vm();
  assert.equal(slot(vm, 0), 0);
  assert.equal(slot(vm, 1), 0);
  assert.equal(u32(vm, P), u32(vm, P + 4), "registering again reuses the token");
  assert.ok(u32(vm, P) !== 0);
  stack.stream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(slot(vm, 2), 0);
  assert.equal(u32(vm, P + 8), u32(vm, P), "resolve with an empty vm_id");
  assert.equal(slot(vm, 3), 0);
  assert.equal(u32(vm, P + 12), u32(vm, P), "resolve with this vm_id");
  assert.equal(slot(vm, 4), 1, "unknown name: NotFound");
  assert.equal(slot(vm, 5), 0);
  assert.equal(slot(vm, 6), 1, "unknown token: NotFound");
  assert.equal(slot(vm, 7), 1);
  assert.deepEqual(trace(vm), [], "notification comes later, not inside the enqueue");
  await tick();
  assert.deepEqual(trace(vm), [[15, 1, u32(vm, P)]]);
  assert.equal(slot(vm, 8), 0);
  assert.equal(returnedText(vm, P + 28), "msg1");
  assert.equal(slot(vm, 9), 7, "empty queue: Empty");
  await stack.close();
});

test("the latest registrant (here worker 1's root) is notified, whichever worker enqueues", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], concurrency: 2 });
  stack.stream(0).sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  await tick();
  assert.deepEqual(trace(stack.vm(0)), []);
  assert.equal(trace(stack.vm(1)).length, 1);
  await stack.close();
});
