// A trap fails the VM (cpp-host CHECK_FAIL): the stream gets a 503 "wasm_fail_stream" once, or
// with fail_open continues untouched; other streams on that VM fail at their next callback; the
// next new stream gets a fresh VM (started and configured again).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, strings, TRACE, trace, wat } from "./wat.ts";

const S = strings({ trap: "x-trap", trapResp: "x-trap-resp" });

const module = () =>
  wat({
    imports: ["proxy_get_header_map_value"],
    body: `${S.wat}${TRACE}
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32) (call $trace (i32.const 3) (local.get $r) (i32.const 0)) (i32.const 1))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (if (i32.eqz ${call("proxy_get_header_map_value", 0, ...S.at.trap, P, P + 4)}) (then unreachable))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (if (i32.eqz ${call("proxy_get_header_map_value", 2, ...S.at.trapResp, P, P + 4)}) (then unreachable))
    (i32.const 0))
  (func (export "proxy_on_log") (param $c i32) (call $trace (i32.const 10) (local.get $c) (i32.const 0)))`,
  });

const GET = { ":method": "GET", ":path": "/", ":authority": "h" };

test("fail closed: 503 wasm_fail_stream; the next stream runs on a fresh, configured VM", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const first = stack.vm();
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, "x-trap": "1" }, true);
  assert.equal(s.response.status, 503);
  assert.equal(s.response.bodyText, "");
  assert.equal(s.details, "wasm_fail_stream");
  assert.equal(s.upstream, null);
  assert.equal(s.ended, true);
  assert.ok(first.failed);
  assert.deepEqual(trace(first), [[3, 1, 0]], "no on_log on a failed VM");
  assert.ok(stack.logs.some((l) => /wasm trap/.test(l.message)), "the trap is logged");

  const s2 = stack.stream();
  const second = stack.vm();
  assert.notEqual(second, first);
  assert.deepEqual(trace(second), [[3, 1, 0]], "configured again");
  s2.sendRequestHeaders(GET, true);
  s2.respond(200, "ok");
  assert.equal(s2.response.status, 200);
  assert.deepEqual(trace(second).slice(1), [[10, 2, 0]]);
  await stack.close();
});

test("fail open: the stream continues untouched; the VM is still replaced", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module(), failOpen: true }] });
  const first = stack.vm();
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, "x-trap": "1" }, true);
  assert.equal(s.upstream?.header("x-trap"), "1");
  s.respond(200, "fine");
  assert.equal(s.response.status, 200);
  assert.equal(s.response.bodyText, "fine");
  assert.ok(first.failed);
  stack.stream();
  assert.notEqual(stack.vm(), first);
  await stack.close();
});

test("another stream on the failed VM fails at its next callback; a held response is replaced", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const a = stack.stream();
  a.sendRequestHeaders(GET, true);
  const b = stack.stream();
  b.sendRequestHeaders({ ...GET, "x-trap": "1" }, true);
  assert.equal(b.response.status, 503);
  a.respond(200, "from upstream");
  assert.equal(a.response.status, 503);
  assert.equal(a.details, "wasm_fail_stream");
  assert.equal(a.response.bodyText, "");
  await stack.close();
});

test("trap in on_response_headers: the upstream response is replaced by the 503", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  s.respond(200, "body", { "x-trap-resp": "1" });
  assert.equal(s.response.status, 503);
  assert.equal(s.response.bodyText, "");
  await stack.close();
});
