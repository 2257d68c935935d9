// proxy_get/set_buffer_bytes and get_buffer_status (cpp-host exports.cc, Envoy Buffer::copyFrom):
// reads clamp, a start past the end gives (0, 0); writes: start 0 drains `size` then prepends,
// start >= length appends, anything else BadArgument; configuration buffers are read-only and the
// plugin configuration exists only inside on_configure.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, slot, st, strings, u32, wat } from "./wat.ts";

const S = strings({ X: "X", lt: "<", gt: ">", neu: "new" });
const IMPORTS = ["proxy_get_buffer_bytes", "proxy_get_buffer_status", "proxy_set_buffer_bytes"];

test("request body reads: status, range, clamp, past the end, unknown type, config buffers", async () => {
  const m = await wat({
    imports: IMPORTS,
    body: `${S.wat}
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    ${st(20, call("proxy_get_buffer_bytes", 7, 0, 100, P + 64, P + 68))}
    (i32.const 1))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(0, call("proxy_get_buffer_status", 0, P, P + 4))}
    ${st(1, call("proxy_get_buffer_bytes", 0, 1, 3, P + 8, P + 12))}
    ${st(2, call("proxy_get_buffer_bytes", 0, 100, 5, P + 16, P + 20))}
    ${st(3, call("proxy_get_buffer_bytes", 0, 2, 1000, P + 24, P + 28))}
    ${st(4, call("proxy_get_buffer_bytes", 9, 0, 1, P + 32, P + 36))}
    ${st(5, call("proxy_get_buffer_bytes", 7, 0, 1, P + 32, P + 36))}
    ${st(6, call("proxy_get_buffer_bytes", 6, 0, 100, P + 40, P + 44))}
    ${st(7, call("proxy_get_buffer_bytes", 4, 0, 1, P + 48, P + 52))}
    ${st(8, call("proxy_get_buffer_bytes", 0, 0, 0, P + 56, P + 60))}
    ${st(9, call("proxy_set_buffer_bytes", 6, 0, 0, ...S.at.X))}
    (i32.const 0))`,
  });
  const stack = await createTestStack({ filters: [{ wasm: m, configuration: "{cfg}", vmConfiguration: "vmcfg" }] });
  const vm = stack.vm();
  assert.equal(slot(vm, 20), 0);
  assert.equal(returnedText(vm, P + 64), "{cfg}", "plugin configuration inside on_configure");
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": "/", ":authority": "h" });
  s.sendRequestBody("hello", true);
  assert.deepEqual([slot(vm, 0), u32(vm, P), u32(vm, P + 4)], [0, 5, 0]);
  assert.deepEqual([slot(vm, 1), returnedText(vm, P + 8)], [0, "ell"]);
  assert.deepEqual([slot(vm, 2), u32(vm, P + 16), u32(vm, P + 20)], [0, 0, 0], "start past the end: Ok, (0, 0)");
  assert.deepEqual([slot(vm, 3), returnedText(vm, P + 24)], [0, "llo"], "clamped");
  assert.equal(slot(vm, 4), 2, "type 9 outside Higress: BadArgument");
  assert.equal(slot(vm, 5), 1, "plugin configuration outside on_configure: NotFound");
  assert.deepEqual([slot(vm, 6), returnedText(vm, P + 40)], [0, "vmcfg"]);
  assert.equal(slot(vm, 7), 1, "no http call response: NotFound");
  assert.deepEqual([slot(vm, 8), u32(vm, P + 56), u32(vm, P + 60)], [0, 0, 0], "zero length: (0, 0)");
  assert.equal(slot(vm, 9), 2, "vm configuration is read-only: BadArgument");
  assert.equal(s.upstream!.bodyText, "hello");
  await stack.close();
});

test("request body writes: prepend, append, middle is BadArgument, replace", async () => {
  const m = await wat({
    imports: IMPORTS,
    body: `${S.wat}
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (if (i32.eqz (local.get $e)) (then (return (i32.const 0))))
    ${st(0, call("proxy_set_buffer_bytes", 0, 2, 1, ...S.at.X))}
    ${st(1, call("proxy_set_buffer_bytes", 0, 0, 0, ...S.at.lt))}
    ${st(2, call("proxy_set_buffer_bytes", 0, 1000, 0, ...S.at.gt))}
    ${st(3, call("proxy_get_buffer_status", 0, P, P + 4))}
    (i32.const 0))
  (func (export "proxy_on_response_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(4, call("proxy_set_buffer_bytes", 1, 0, 1000, ...S.at.neu))}
    (i32.const 0))`,
  });
  const stack = await createTestStack({ filters: [{ wasm: m }] });
  const vm = stack.vm();
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": "/", ":authority": "h" });
  s.sendRequestBody("hello", true);
  assert.deepEqual([slot(vm, 0), slot(vm, 1), slot(vm, 2)], [2, 0, 0]);
  assert.equal(u32(vm, P), 7);
  assert.equal(s.upstream!.bodyText, "<hello>");
  s.respondHeaders({ ":status": "200" });
  s.respondBody("old body", true);
  assert.equal(slot(vm, 4), 0);
  assert.equal(s.response.bodyText, "new", "(0, >= length) replaces everything");
  await stack.close();
});
