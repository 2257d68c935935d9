// Ticks (Envoy Wasm::setTickPeriod/tickHandler): one timer per root context, the first tick one
// period after it is set, re-armed after each proxy_on_tick with the period current then; 0 stops.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, TRACE, trace, wat } from "./wat.ts";

const module = () =>
  wat({
    imports: ["proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds"],
    body: `${TRACE}
  (global $ticks (mut i32) (i32.const 0))
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    (drop ${call("proxy_set_tick_period_milliseconds", 100)})
    (i32.const 1))
  (func (export "proxy_on_tick") (param $r i32)
    (global.set $ticks (i32.add (global.get $ticks) (i32.const 1)))
    (drop ${call("proxy_get_current_time_nanoseconds", 0x2000)})
    ;; trace the wall clock in ms (ns / 1e6, low 32 bits are enough for the test)
    (call $trace (i32.const 13) (local.get $r) (i32.wrap_i64 (i64.div_u (i64.load (i32.const 0x2000)) (i64.const 1000000))))
    (if (i32.eq (global.get $ticks) (i32.const 3)) (then (drop ${call("proxy_set_tick_period_milliseconds", 250)})))
    (if (i32.eq (global.get $ticks) (i32.const 5)) (then (drop ${call("proxy_set_tick_period_milliseconds", 0)}))))`,
  });

test("first tick one period after set; re-armed; period change; 0 stops", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const vm = stack.vm();
  const t0 = stack.clock.nowMs;
  const ms = () => trace(vm).map((t) => (t[2] - (t0 % 2 ** 32) + 2 ** 32) % 2 ** 32);
  stack.advance(99);
  assert.deepEqual(ms(), []);
  stack.advance(1);
  assert.deepEqual(ms(), [100]);
  stack.advance(200);
  assert.deepEqual(ms(), [100, 200, 300]);
  stack.advance(1000);
  assert.deepEqual(ms(), [100, 200, 300, 550, 800], "250 ms after the third tick, then stopped");
  assert.equal(trace(vm)[0][1], 1, "on the root context");
  await stack.close();
});

test("the canary's timer does not keep ticking; close() stops the worker's", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  assert.equal(stack.clock.pendingTimers, 1, "only the worker VM's tick is armed");
  await stack.close();
  assert.equal(stack.clock.pendingTimers, 0);
});
