// Lifecycle order (cpp-host ContextBase::onStart/onConfigure/onCreate, Envoy Context::log and
// onDestroy): on_context_create(root, 0), on_vm_start(root, vm_config_size),
// on_configure(root, config_size) per VM (canary and each worker); per stream
// on_context_create(id, root), headers/body callbacks, then on_log, on_done, on_delete.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { TRACE, trace, wat } from "./wat.ts";

const C = { create: 1, vmStart: 2, configure: 3, reqHeaders: 4, reqBody: 5, respHeaders: 7, respBody: 8, log: 10, done: 11, del: 12 };

export const tracingModule = () =>
  wat({
    body: `${TRACE}
  (func (export "proxy_on_context_create") (param $c i32) (param $p i32) (call $trace (i32.const 1) (local.get $c) (local.get $p)))
  (func (export "proxy_on_vm_start") (param $c i32) (param $n i32) (result i32) (call $trace (i32.const 2) (local.get $c) (local.get $n)) (i32.const 1))
  (func (export "proxy_on_configure") (param $c i32) (param $n i32) (result i32) (call $trace (i32.const 3) (local.get $c) (local.get $n)) (i32.const 1))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 4) (local.get $c) (local.get $e)) (i32.const 0))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 5) (local.get $n) (local.get $e)) (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 7) (local.get $c) (local.get $e)) (i32.const 0))
  (func (export "proxy_on_response_body") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 8) (local.get $n) (local.get $e)) (i32.const 0))
  (func (export "proxy_on_log") (param $c i32) (call $trace (i32.const 10) (local.get $c) (i32.const 0)))
  (func (export "proxy_on_done") (param $c i32) (result i32) (call $trace (i32.const 11) (local.get $c) (i32.const 0)) (i32.const 1))
  (func (export "proxy_on_delete") (param $c i32) (call $trace (i32.const 12) (local.get $c) (i32.const 0)))`,
  });

test("root start: context_create(root, 0), vm_start(vm config size), configure(plugin config size)", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await tracingModule(), configuration: "abcde", vmConfiguration: "xyz" }] });
  assert.deepEqual(trace(stack.vm()), [
    [C.create, 1, 0],
    [C.vmStart, 1, 3],
    [C.configure, 1, 5],
  ]);
  await stack.close();
});

test("stream: create, request headers/body, response headers/body, then log, done, delete", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await tracingModule() }] });
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": "/x", ":authority": "h", ":scheme": "http" });
  s.sendRequestBody("hello", false);
  s.sendRequestBody("", true);
  assert.equal(s.upstream?.bodyText, "hello");
  assert.equal(s.upstream?.ended, true);
  s.respond(200, "world");
  assert.equal(s.response.status, 200);
  assert.equal(s.response.bodyText, "world");
  assert.equal(s.ended, true);
  assert.deepEqual(trace(stack.vm()).slice(3), [
    [C.create, 2, 1],
    [C.reqHeaders, 2, 0],
    [C.reqBody, 5, 0],
    [C.reqBody, 0, 1],
    [C.respHeaders, 2, 0],
    [C.respBody, 5, 1],
    [C.log, 2, 0],
    [C.done, 2, 0],
    [C.del, 2, 0],
  ]);
  await stack.close();
});

test("two filters on one VM: encoder order reversed, on_log for both before any on_done/on_delete", async () => {
  const m = await tracingModule();
  // Same vm_id and code: one VM per worker, two root contexts (ids 1 and 2).
  const stack = await createTestStack({ filters: [{ wasm: m, rootId: "a" }, { wasm: m, rootId: "b" }] });
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  s.respond(204);
  assert.deepEqual(trace(stack.vm()).slice(6), [
    [C.create, 3, 1],
    [C.reqHeaders, 3, 1],
    [C.create, 4, 2],
    [C.reqHeaders, 4, 1],
    [C.respHeaders, 4, 1],
    [C.respHeaders, 3, 1],
    [C.log, 3, 0],
    [C.log, 4, 0],
    [C.done, 3, 0],
    [C.del, 3, 0],
    [C.done, 4, 0],
    [C.del, 4, 0],
  ]);
  assert.equal(stack.vm(0, 0), stack.vm(0, 1));
  await stack.close();
});

test("a missing ABI marker, ABI 0.1.0 and on_configure false are refused with clear errors", async () => {
  await assert.rejects(createTestStack({ filters: [{ wasm: await wat({ abi: null, body: "" }) }] }), /Missing or unknown Proxy-Wasm ABI version/);
  await assert.rejects(createTestStack({ filters: [{ wasm: await wat({ abi: "0_1_0", body: "" }) }] }), /ABI 0\.1\.0 is not supported/);
  const bad = await wat({ body: `(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 0))` });
  await assert.rejects(createTestStack({ filters: [{ wasm: bad, name: "p" }] }), /plugin "p".*proxy_on_configure returned false/);
  const noMalloc = await wat({ noMalloc: true, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: noMalloc }] }), /missing malloc/);
});

test("link check: an import Envoy does not provide fails with its name; a wrong signature too", async () => {
  const unknown = await wat({ rawImports: `(import "env" "proxy_frobnicate" (func (param i32) (result i32)))`, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: unknown }] }), /missing import: env\.proxy_frobnicate/);
  const abort = await wat({ rawImports: `(import "env" "abort" (func (param i32 i32 i32 i32)))`, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: abort }] }), /missing import: env\.abort/);
  const badSig = await wat({ rawImports: `(import "env" "proxy_log" (func (param i32 i32) (result i32)))`, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: badSig }] }), /import type mismatch for env\.proxy_log/);
  // Higress extras only for 0_2_100 modules; get_log_level not in 0.2.0
  const redis = await wat({ rawImports: `(import "env" "proxy_redis_call" (func (param i32 i32 i32 i32 i32) (result i32)))`, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: redis }] }), /missing import: env\.proxy_redis_call/);
  const redis100 = await wat({ abi: "0_2_100", rawImports: `(import "env" "proxy_redis_call" (func (param i32 i32 i32 i32 i32) (result i32)))`, body: "" });
  const stack = await createTestStack({ filters: [{ wasm: redis100 }] });
  await stack.close();
  const lvl020 = await wat({ abi: "0_2_0", rawImports: `(import "env" "proxy_get_log_level" (func (param i32) (result i32)))`, body: "" });
  await assert.rejects(createTestStack({ filters: [{ wasm: lvl020 }] }), /missing import: env\.proxy_get_log_level/);
  // WASI as Envoy links it
  const wasi = await wat({ rawImports: `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`, body: "" });
  await (await createTestStack({ filters: [{ wasm: wasi }] })).close();
});
