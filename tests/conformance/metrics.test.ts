// Custom metrics (Envoy Context::defineMetric/incrementMetric/recordMetric/getMetric): ids
// counters 4, 8..., gauges 5, 9..., histograms 6, 10...; a counter increment <= 0 is BadArgument;
// record adds to a counter and sets a gauge; histograms only record (get/increment BadArgument);
// unknown ids NotFound; the store keeps one stat per name.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, slot, st, strings, u32, u64, wat } from "./wat.ts";

const S = strings({ c: "requests", d: "other", g: "inflight", h: "latency_ms" });
const i64 = (n: number | bigint) => `(i64.const ${n})`;

const module = () =>
  wat({
    imports: ["proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric"],
    body: `${S.wat}
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    ${st(0, call("proxy_define_metric", 0, ...S.at.c, P))}
    ${st(1, call("proxy_define_metric", 0, ...S.at.d, P + 4))}
    ${st(2, call("proxy_define_metric", 1, ...S.at.g, P + 8))}
    ${st(3, call("proxy_define_metric", 2, ...S.at.h, P + 12))}
    ${st(4, call("proxy_define_metric", 3, ...S.at.h, P + 16))}
    ${st(5, call("proxy_define_metric", 0, ...S.at.c, P + 20))}
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $cx i32) (param $n i32) (param $e i32) (result i32)
    (local $c i32) (local $g i32) (local $h i32)
    (local.set $c (i32.load (i32.const ${P})))
    (local.set $g (i32.load (i32.const ${P + 8})))
    (local.set $h (i32.load (i32.const ${P + 12})))
    ${st(10, `(call $proxy_increment_metric (local.get $c) ${i64(1)})`)}
    ${st(11, `(call $proxy_increment_metric (local.get $c) ${i64(0)})`)}
    ${st(12, `(call $proxy_increment_metric (local.get $c) ${i64(-1)})`)}
    ${st(13, `(call $proxy_record_metric (local.get $c) ${i64(5)})`)}
    ${st(14, `(call $proxy_record_metric (local.get $g) ${i64(10)})`)}
    ${st(15, `(call $proxy_increment_metric (local.get $g) ${i64(-3)})`)}
    ${st(16, `(call $proxy_record_metric (local.get $h) ${i64(42)})`)}
    ${st(17, `(call $proxy_increment_metric (local.get $h) ${i64(1)})`)}
    ${st(18, `(call $proxy_get_metric (local.get $h) (i32.const ${P + 32}))`)}
    ${st(19, `(call $proxy_get_metric (local.get $c) (i32.const ${P + 40}))`)}
    ${st(20, `(call $proxy_get_metric (local.get $g) (i32.const ${P + 48}))`)}
    ${st(21, `(call $proxy_get_metric (i32.const 400) (i32.const ${P + 56}))`)}
    ${st(22, `(call $proxy_increment_metric (i32.const 404) ${i64(1)})`)}
    ${st(23, `(call $proxy_record_metric (i32.const 403) ${i64(1)})`)}
    ${st(24, `(call $proxy_increment_metric (i32.load (i32.const ${P + 20})) ${i64(1)})`)}
    (i32.const 0))`,
  });

test("ids, codes and values", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const vm = stack.vm();
  assert.deepEqual([0, 1, 2, 3].map((i) => slot(vm, i)), [0, 0, 0, 0]);
  assert.deepEqual([u32(vm, P), u32(vm, P + 4), u32(vm, P + 8), u32(vm, P + 12)], [4, 8, 5, 6]);
  assert.equal(slot(vm, 4), 2, "metric type 3: BadArgument");
  assert.equal(slot(vm, 5), 0);
  assert.equal(u32(vm, P + 20), 12, "defining again gives a new id");
  stack.stream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(slot(vm, 10), 0);
  assert.equal(slot(vm, 11), 2, "counter += 0: BadArgument");
  assert.equal(slot(vm, 12), 2, "counter += -1: BadArgument");
  assert.equal(slot(vm, 13), 0);
  assert.equal(slot(vm, 14), 0);
  assert.equal(slot(vm, 15), 0);
  assert.equal(slot(vm, 16), 0);
  assert.equal(slot(vm, 17), 2, "increment a histogram: BadArgument");
  assert.equal(slot(vm, 18), 2, "get a histogram: BadArgument");
  assert.equal(slot(vm, 19), 0);
  assert.equal(u64(vm, P + 40), 6n, "1 + record 5");
  assert.equal(slot(vm, 20), 0);
  assert.equal(u64(vm, P + 48), 7n, "record 10 then -3");
  assert.equal(slot(vm, 21), 1, "unknown counter id: NotFound");
  assert.equal(slot(vm, 22), 1);
  assert.equal(slot(vm, 23), 1);
  assert.equal(slot(vm, 24), 0);
  assert.equal(stack.counter("requests"), 7n, "both ids of the name update one stat");
  assert.equal(stack.gauge("inflight"), 7n);
  assert.deepEqual(stack.histogram("latency_ms"), [42n]);
  await stack.close();
});

test("ids are per VM; the stat is shared by every worker", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], concurrency: 2 });
  assert.equal(u32(stack.vm(0), P), 4);
  assert.equal(u32(stack.vm(1), P), 4);
  stack.stream(0).sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  stack.stream(1).sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(stack.counter("requests"), 14n);
  await stack.close();
});
