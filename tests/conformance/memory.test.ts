// Guest memory: values returned through the module's malloc land correctly even when malloc
// grows the memory (views are re-made after every call into the module), and bad pointers give
// InvalidMemoryAccess instead of a crash.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { decodePairs } from "../../host/memory.ts";
import { call, P, returned, slot, st, strings, wat } from "./wat.ts";

const S = strings({ big: "x-big" });

const module = () =>
  wat({
    imports: ["proxy_get_header_map_value", "proxy_get_header_map_pairs", "proxy_get_buffer_bytes"],
    body: `${S.wat}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(0, call("proxy_get_header_map_value", 0, ...S.at.big, P, P + 4))}
    ${st(1, call("proxy_get_header_map_pairs", 0, P + 8, P + 12))}
    ${st(2, call("proxy_get_header_map_value", 0, 0x7ffffff0, 5, P + 16, P + 20))}
    ${st(3, call("proxy_get_header_map_value", 0, ...S.at.big, 0xfffffffe, P + 20))}
    (i32.const 0))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(4, call("proxy_get_buffer_bytes", 0, 0, "(local.get $n)", P + 24, P + 28))}
    (i32.const 0))`,
  });

test("returned bytes survive memory growth; bad pointers are InvalidMemoryAccess", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], bufferLimitBytes: 4 << 20 });
  const vm = stack.vm();
  const pagesBefore = vm.mem.size / 65536;
  const big = "v".repeat(200_000) + "end";
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": "/", ":authority": "h", "x-big": big });
  assert.equal(slot(vm, 0), 0);
  assert.equal(Buffer.from(returned(vm, P)).toString("latin1"), big);
  assert.equal(slot(vm, 1), 0);
  const pairs = decodePairs(returned(vm, P + 8));
  assert.equal(pairs.find((p) => p[0] === "x-big")?.[1], big);
  assert.ok(vm.mem.size / 65536 > pagesBefore + 5, "memory grew");
  assert.equal(slot(vm, 2), 6, "key out of bounds");
  assert.equal(slot(vm, 3), 6, "return pointer past the end of memory");
  const body = Buffer.alloc(700_000, 0x61);
  body.write("tail", body.length - 4);
  s.sendRequestBody(body, true);
  assert.equal(slot(vm, 4), 0);
  assert.deepEqual(Buffer.from(returned(vm, P + 24)), body);
  await stack.close();
});
