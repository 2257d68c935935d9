// Shared data (cpp-host src/shared_data.cc): scoped by vm_id, shared by every worker and plugin of
// the process; cas 0 writes unconditionally; a stale cas is CasMismatch; every write takes the
// next value of one counter starting at 1; a missing key is NotFound (and is created by a set
// whatever cas is given).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { SharedState } from "../../host/shared-data.ts";
import { call, P, returnedText, slot, st, strings, u32, wat } from "./wat.ts";

const S = strings({ op: "x-op", k: "k", one: "one", two: "two", fresh: "fresh" });

const module = () =>
  wat({
    imports: ["proxy_get_header_map_value", "proxy_get_shared_data", "proxy_set_shared_data"],
    body: `${S.wat}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (drop ${call("proxy_get_header_map_value", 0, ...S.at.op, P + 100, P + 104)})
    (if (i32.eq (i32.load8_u (i32.load (i32.const ${P + 100}))) (i32.const 97)) ;; "a"
      (then
        ${st(0, call("proxy_get_shared_data", ...S.at.k, P, P + 4, P + 8))}
        ${st(1, call("proxy_set_shared_data", ...S.at.k, ...S.at.one, 0))}
        ${st(2, call("proxy_get_shared_data", ...S.at.k, P, P + 4, P + 8))}
        ${st(8, call("proxy_set_shared_data", ...S.at.fresh, ...S.at.one, 12345))})
      (else
        ${st(3, call("proxy_get_shared_data", ...S.at.k, P + 12, P + 16, P + 20))}
        ${st(4, call("proxy_set_shared_data", ...S.at.k, ...S.at.two, `(i32.load (i32.const ${P + 20}))`))}
        ${st(5, call("proxy_set_shared_data", ...S.at.k, ...S.at.two, `(i32.load (i32.const ${P + 20}))`))}
        ${st(6, call("proxy_set_shared_data", ...S.at.k, ...S.at.two, 0))}
        ${st(7, call("proxy_get_shared_data", ...S.at.k, P + 24, P + 28, P + 32))}))
    (i32.const 0))`,
  });

const req = (op: string) => ({ ":method": "GET", ":path": "/", ":authority": "h", "x-op": op });

test("CAS across two workers' VMs", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], concurrency: 2 });
  const w0 = stack.vm(0);
  const w1 = stack.vm(1);
  assert.notEqual(w0, w1);
  stack.stream(0).sendRequestHeaders(req("a"), true);
  assert.equal(slot(w0, 0), 1, "missing key: NotFound");
  assert.equal(slot(w0, 1), 0);
  assert.equal(slot(w0, 2), 0);
  assert.equal(returnedText(w0, P), "one");
  assert.equal(u32(w0, P + 8), 1, "first cas is 1");
  assert.equal(slot(w0, 8), 0, "a missing key is created whatever cas is given");
  stack.stream(1).sendRequestHeaders(req("b"), true);
  assert.equal(slot(w1, 3), 0, "the other worker sees the value");
  assert.equal(returnedText(w1, P + 12), "one");
  assert.equal(u32(w1, P + 20), 1);
  assert.equal(slot(w1, 4), 0, "matching cas");
  assert.equal(slot(w1, 5), 8, "stale cas: CasMismatch");
  assert.equal(slot(w1, 6), 0, "cas 0: unconditional");
  assert.equal(slot(w1, 7), 0);
  assert.equal(returnedText(w1, P + 24), "two");
  assert.equal(u32(w1, P + 32), 4, "writes took cas 1 (k), 2 (fresh), 3, 4");
  assert.deepEqual(stack.sharedData("vm", "k")?.cas, 4);
  await stack.close();
});

test("scoped by vm_id: another vm_id does not see the key; another plugin with the same vm_id does", async () => {
  const m = await module();
  const shared = new SharedState();
  const a = await createTestStack({ filters: [{ wasm: m, vmId: "shared" }], shared });
  const b = await createTestStack({ filters: [{ wasm: m, vmId: "shared", name: "other-plugin" }], shared });
  const c = await createTestStack({ filters: [{ wasm: m, vmId: "elsewhere" }], shared });
  a.stream().sendRequestHeaders(req("a"), true);
  b.stream().sendRequestHeaders(req("b"), true);
  assert.equal(slot(b.vm(), 3), 0);
  c.stream().sendRequestHeaders(req("b"), true);
  assert.equal(slot(c.vm(), 3), 1, "NotFound under another vm_id");
  await Promise.all([a.close(), b.close(), c.close()]);
});
