// proxy_log / proxy_get_log_level (cpp-host exports.cc, Envoy Context::log): levels 0..5, above
// BadArgument; lines below the current level are dropped; the source reads like Envoy's
// "wasm log <name> <root_id> <vm_id>" (root contexts: "<root_id> <vm_id>"). WASI stdout is info.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, slot, st, strings, u32, wat } from "./wat.ts";

const S = strings({ t: "trace", d: "debug", i: "info", w: "warn", e: "error", c: "critical", x: "bad", out: "to stdout\n" });

const module = () =>
  wat({
    imports: ["proxy_log", "proxy_get_log_level"],
    rawImports: `(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`,
    body: `${S.wat}
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    ${st(0, call("proxy_log", 2, ...S.at.i))}
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $cx i32) (param $n i32) (param $e i32) (result i32)
    ${["t", "d", "i", "w", "e", "c"].map((k, i) => st(1 + i, call("proxy_log", i, ...S.at[k]))).join("\n    ")}
    ${st(7, call("proxy_log", 6, ...S.at.x))}
    ${st(8, call("proxy_get_log_level", P))}
    ${st(9, call("proxy_log", 2, 0xfffff000, 16))}
    ;; iovec at P+16: { buf, len }
    (i32.store (i32.const ${P + 16}) (i32.const ${S.at.out[0]}))
    (i32.store (i32.const ${P + 20}) (i32.const ${S.at.out[1]}))
    ${st(10, call("fd_write", 1, P + 16, 1, P + 24))}
    (i32.const 0))`,
  });

test("levels, filtering by the current level, sources, WASI stdout", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module(), name: "p", rootId: "r", vmId: "v" }], logLevel: 2 });
  const vm = stack.vm();
  stack.stream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((i) => slot(vm, i)), [0, 0, 0, 0, 0, 0]);
  assert.equal(slot(vm, 7), 2, "level 6: BadArgument");
  assert.equal(slot(vm, 8), 0);
  assert.equal(u32(vm, P), 2);
  assert.equal(slot(vm, 9), 6, "bad message pointer: InvalidMemoryAccess");
  assert.equal(slot(vm, 10), 0);
  assert.equal(u32(vm, P + 24), 10, "bytes written");
  const lines = stack.logs.filter((l) => l.source.startsWith("wasm log"));
  // canary and worker both ran on_configure
  assert.deepEqual(
    lines.map((l) => [l.level, l.source, l.message]),
    [
      [2, "wasm log r v", "info"],
      [2, "wasm log r v", "info"],
      [2, "wasm log p r v", "info"],
      [3, "wasm log p r v", "warn"],
      [4, "wasm log p r v", "error"],
      [5, "wasm log p r v", "critical"],
      [2, "wasm log p r v", "to stdout"],
    ],
  );
  await stack.close();
});

test("at trace level everything is kept and get_log_level says 0", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], logLevel: 0 });
  stack.stream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(u32(stack.vm(), P), 0);
  assert.ok(stack.logger.messages.includes("trace"));
  assert.ok(stack.logger.messages.includes("debug"));
  await stack.close();
});
