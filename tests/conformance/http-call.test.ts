// proxy_http_call (Envoy Context::httpCall and its async-client callbacks): argument checks,
// tokens, the response on the ROOT context, timeouts and connect failures as local-reply
// responses, a reset after response headers as (0, 0, 0) + proxy_get_status 11, and
// set_effective_context to reach the stream that made the call.

import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePairs } from "../../host/memory.ts";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, slot, st, strings, TRACE, trace, u32, wat } from "./wat.ts";

const S = strings({
  auth: "auth",
  nope: "nope",
  hdrs: encodePairs([[":method", "POST"], [":path", "/check"], [":authority", "auth.local"], ["X-K", "v"]]),
  noPath: encodePairs([[":method", "GET"], [":authority", "auth.local"]]),
  ping: "ping",
  status: ":status",
});

const module = () =>
  wat({
    imports: [
      "proxy_http_call",
      "proxy_get_header_map_value",
      "proxy_get_buffer_bytes",
      "proxy_get_status",
      "proxy_set_effective_context",
      "proxy_continue_stream",
    ],
    body: `${S.wat}${TRACE}
  (global $stream (mut i32) (i32.const 0))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (global.set $stream (local.get $c))
    ${st(0, call("proxy_http_call", ...S.at.auth, ...S.at.hdrs, ...S.at.ping, 0, 0, 1000, P))}
    ${st(1, call("proxy_http_call", ...S.at.nope, ...S.at.hdrs, 0, 0, 0, 0, 1000, P + 4))}
    ${st(2, call("proxy_http_call", ...S.at.auth, ...S.at.noPath, 0, 0, 0, 0, 1000, P + 4))}
    ${st(3, call("proxy_http_call", ...S.at.auth, ...S.at.hdrs, 0, 0, 0, 0, -1, P + 4))}
    (i32.const 1))
  (func (export "proxy_on_http_call_response") (param $r i32) (param $t i32) (param $nh i32) (param $bs i32) (param $nt i32)
    (call $trace (i32.const 14) (local.get $r) (local.get $t))
    (call $trace (i32.const 15) (local.get $nh) (local.get $bs))
    (call $trace (i32.const 16) (local.get $nt) (i32.const 0))
    ${st(4, call("proxy_get_header_map_value", 6, ...S.at.status, P + 16, P + 20))}
    ${st(5, call("proxy_get_buffer_bytes", 4, 0, 100, P + 24, P + 28))}
    ${st(6, call("proxy_get_status", P + 32, P + 36, P + 40))}
    ${st(7, call("proxy_set_effective_context", "(global.get $stream)"))}
    ${st(10, call("proxy_get_header_map_value", 6, ...S.at.status, P + 48, P + 52))}
    ${st(8, call("proxy_continue_stream", 0))})`,
  });

const GET = { ":method": "GET", ":path": "/", ":authority": "h" };

async function start() {
  const stack = await createTestStack({ filters: [{ wasm: await module() }], clusters: ["upstream", "auth"] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  return { stack, s, vm: stack.vm() };
}

test("argument checks: unknown cluster, missing :path, negative timeout -> BadArgument; tokens non-zero", async () => {
  const { stack, vm } = await start();
  assert.equal(slot(vm, 0), 0);
  assert.equal(u32(vm, P), 1, "first token is 1");
  assert.equal(slot(vm, 1), 2);
  assert.equal(slot(vm, 2), 2);
  assert.equal(slot(vm, 3), 2);
  assert.equal(stack.httpCalls.length, 1);
  const c = stack.httpCalls[0];
  assert.equal(c.cluster, "auth");
  assert.deepEqual(c.headers, [
    [":method", "POST"],
    [":path", "/check"],
    [":authority", "auth.local"],
    ["x-k", "v"],
    ["content-length", "4"],
    ["x-envoy-internal", "true"],
    ["x-envoy-expected-rq-timeout-ms", "1000"],
  ]);
  assert.equal(c.bodyText, "ping");
  assert.equal(c.ended, true);
  await stack.close();
});

test("success: callback on the root context, response readable, effective context reaches the stream", async () => {
  const { stack, s, vm } = await start();
  assert.equal(s.upstream === null, true, "held while the call is out");
  stack.httpCalls[0].respond(200, "pong", { "x-r": "1" });
  assert.deepEqual(trace(vm), [
    [14, 1, 1],
    [15, 4, 4],
    [16, 0, 0],
  ]);
  assert.equal(slot(vm, 4), 0);
  assert.equal(returnedText(vm, P + 16), "200");
  assert.equal(returnedText(vm, P + 24), "pong");
  assert.deepEqual([slot(vm, 6), u32(vm, P + 32)], [0, 0]);
  assert.equal(slot(vm, 7), 0);
  assert.equal(slot(vm, 10), 0, "the call's response is still readable from the stream context");
  assert.equal(slot(vm, 8), 0);
  assert.equal(s.upstream?.cluster, "upstream", "continue_stream resumed the request");
  await stack.close();
});

test("timeout: a 504 local-reply response, the call aborted", async () => {
  const { stack, vm } = await start();
  stack.advance(999);
  assert.equal(trace(vm).length, 0);
  stack.advance(1);
  assert.ok(stack.httpCalls[0].aborted);
  assert.deepEqual(trace(vm)[1], [15, 3, 24]);
  assert.equal(returnedText(vm, P + 16), "504");
  assert.equal(returnedText(vm, P + 24), "upstream request timeout");
  await stack.close();
});

test("connect failure: a 503 response; reset after headers: (0, 0, 0) and status 11", async () => {
  {
    const { stack, vm } = await start();
    stack.httpCalls[0].fail("connect");
    assert.equal(returnedText(vm, P + 16), "503");
    assert.equal(returnedText(vm, P + 24), "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
    await stack.close();
  }
  {
    const { stack, vm } = await start();
    stack.httpCalls[0].respondHeaders({ ":status": "200" });
    stack.httpCalls[0].fail("reset");
    assert.deepEqual(trace(vm), [
      [14, 1, 1],
      [15, 0, 0],
      [16, 0, 0],
    ]);
    assert.equal(slot(vm, 4), 2, "no response header map: BadArgument");
    assert.equal(slot(vm, 5), 1, "no response body: NotFound");
    assert.equal(slot(vm, 6), 0);
    assert.equal(u32(vm, P + 32), 11, "BrokenConnection");
    assert.equal(returnedText(vm, P + 36), "reset");
    await stack.close();
  }
});

test("stream gone before the response: the call is not cancelled (it belongs to the root context)", async () => {
  const { stack, s, vm } = await start();
  s.reset();
  assert.equal(s.ended, true);
  stack.httpCalls[0].respond(200, "late");
  assert.deepEqual(trace(vm)[0], [14, 1, 1], "still delivered to the root context");
  assert.equal(slot(vm, 7), 2, "set_effective_context on the finished stream: BadArgument");
  await stack.close();
});

test("close() cancels outstanding calls", async () => {
  const { stack, vm } = await start();
  await stack.close();
  assert.ok(stack.httpCalls[0].aborted);
  stack.httpCalls[0].respond(200, "late");
  assert.equal(trace(vm).length, 0);
});
