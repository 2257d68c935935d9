// scripts/abi-check.mjs against hand-written modules: each violation Envoy would refuse at load
// time (missing marker, foreign imports, wrong signatures, missing callbacks) is reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import wabtInit from "wabt";
import { checkModule } from "../../scripts/abi-check.mjs";

const wabt = await wabtInit();

function wasm(body: string): Uint8Array {
  const mod = wabt.parseWat("t.wat", `(module ${body})`);
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return buffer;
}

// Exports Envoy needs from an HTTP filter, with their ABI signatures.
const CALLBACKS = `
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) i32.const 0)
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) i32.const 1)
  (func (export "proxy_on_configure") (param i32 i32) (result i32) i32.const 1)
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) i32.const 1)
  (func (export "proxy_on_delete") (param i32))`;
const MARKER = `(func (export "proxy_abi_version_0_2_1"))`;
const MARKER_HIGRESS = `(func (export "proxy_abi_version_0_2_100"))`;

test("a minimal valid module passes", () => {
  const bytes = wasm(`(import "env" "proxy_log" (func (param i32 i32 i32) (result i32)))
    (import "env" "proxy_increment_metric" (func (param i32 i64) (result i32)))
    (import "env" "proxy_done" (func (result i32))) ${CALLBACKS} ${MARKER}`);
  assert.deepEqual(checkModule(bytes).problems, []);
});

test("missing ABI marker", () => {
  assert.deepEqual(checkModule(wasm(CALLBACKS)).problems, ["missing ABI marker export proxy_abi_version_0_2_1"]);
});

test("env.abort, env.seed, WASI and unknown host functions are refused", () => {
  const bytes = wasm(`(import "env" "abort" (func (param i32 i32 i32 i32)))
    (import "env" "seed" (func (result f64)))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "env" "proxy_redis_call" (func (param i32 i32 i32 i32 i32) (result i32)))
    ${CALLBACKS} ${MARKER}`);
  assert.deepEqual(checkModule(bytes).problems, [
    "import env.abort: not in Envoy's proxy-wasm 0.2.1 set",
    "import env.seed: not in Envoy's proxy-wasm 0.2.1 set",
    'import wasi_snapshot_preview1.fd_write: only module "env" is allowed (no WASI)',
    "import env.proxy_redis_call: only Higress provides it (build it from higress.ts)",
  ]);
});

test("a metric delta declared i32 instead of i64 is a signature error", () => {
  const bytes = wasm(`(import "env" "proxy_increment_metric" (func (param i32 i32) (result i32))) ${CALLBACKS} ${MARKER}`);
  assert.deepEqual(checkModule(bytes).problems, [
    "import env.proxy_increment_metric is (i32, i32) -> (i32), the host has (i32, i64) -> (i32)",
  ]);
});

test("missing and mistyped callbacks are reported", () => {
  const broken = CALLBACKS.replace('(func (export "proxy_on_delete") (param i32))', "")
    .replace('(func (export "proxy_on_done") (param i32) (result i32) i32.const 1)', '(func (export "proxy_on_done") (param i32))');
  assert.deepEqual(checkModule(wasm(`${broken} ${MARKER}`)).problems, [
    "export proxy_on_done is (i32) -> (), the host calls it as (i32) -> (i32)",
    "missing export proxy_on_delete",
  ]);
});

test("Higress: 0_2_100 marker required, Redis imports allowed, but the reply callback must exist", () => {
  const redis = `(import "env" "proxy_redis_call" (func (param i32 i32 i32 i32 i32) (result i32)))`;
  assert.deepEqual(checkModule(wasm(`${redis} ${CALLBACKS} ${MARKER_HIGRESS}
    (func (export "proxy_on_redis_call_response") (param i32 i32 i32 i32))`), { higress: true }).problems, []);
  assert.deepEqual(checkModule(wasm(`${redis} ${CALLBACKS} ${MARKER_HIGRESS}`), { higress: true }).problems, [
    "imports proxy_redis_call but does not export proxy_on_redis_call_response",
  ]);
  assert.deepEqual(checkModule(wasm(`${CALLBACKS} ${MARKER}`), { higress: true }).problems, [
    "missing ABI marker export proxy_abi_version_0_2_100",
    "unexpected ABI marker proxy_abi_version_0_2_1 in a Higress build",
  ]);
});

test("garbage is reported, not thrown", () => {
  assert.deepEqual(checkModule(new Uint8Array([1, 2, 3])).problems, ["not a wasm module (bad magic or version)"]);
});
