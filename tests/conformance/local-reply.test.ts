// send_local_response and continue_stream are carried out after the current callback (Envoy
// addAfterVmCallAction), and send_local_response forces the callback's status to Stop. The local
// reply then goes through the sending filter's own response callbacks; a second one from the
// same context is BadArgument (Higress); once response headers went to the client it resets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePairs } from "../../host/memory.ts";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, slot, st, strings, TRACE, trace, wat } from "./wat.ts";

const S = strings({
  body: "denied",
  details: "not allowed",
  hdrs: encodePairs([["X-Why", "quota"]]),
  path: ":path",
  status: ":status",
});
const reply = (code: number, withBody = true) =>
  call("proxy_send_local_response", code, ...S.at.details, ...(withBody ? S.at.body : [0, 0]), ...S.at.hdrs, -1);

const IMPORTS = ["proxy_send_local_response", "proxy_get_header_map_value", "proxy_continue_stream"];

function module(where: "request" | "request-empty" | "response-headers" | "response-body") {
  return wat({
    imports: IMPORTS,
    body: `${S.wat}${TRACE}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 4) (local.get $n) (local.get $e))
    ${where === "request" ? st(0, reply(429)) : where === "request-empty" ? st(0, reply(403, false)) : ""}
    ${where.startsWith("request") ? st(1, reply(500)) : ""}
    ${st(2, call("proxy_get_header_map_value", 0, ...S.at.path, P, P + 4))}
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 7) (local.get $n) (local.get $e))
    (drop ${call("proxy_get_header_map_value", 2, ...S.at.status, P + 8, P + 12)})
    ${where === "response-headers" ? st(3, reply(418)) : ""}
    (i32.const 0))
  (func (export "proxy_on_response_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 8) (local.get $n) (local.get $e))
    ${where === "response-body" ? st(4, reply(418)) : ""}
    (i32.const 0))`,
  });
}

const GET = { ":method": "GET", ":path": "/p", ":authority": "h" };

test("local reply from on_request_headers: deferred, status forced to Stop, own response callbacks run", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module("request") }] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  const vm = stack.vm();
  assert.equal(slot(vm, 0), 0);
  assert.equal(slot(vm, 1), 2, "second local reply: BadArgument");
  assert.equal(slot(vm, 2), 0, "request headers still readable in the same callback");
  assert.equal(returnedText(vm, P), "/p");
  assert.equal(s.upstream, null, "Continue was forced to Stop: nothing went upstream");
  assert.equal(s.response.status, 429);
  assert.equal(s.response.bodyText, "denied");
  assert.deepEqual(s.response.headers, [
    [":status", "429"],
    ["x-why", "quota"],
    ["content-length", "6"],
    ["content-type", "text/plain"],
  ]);
  assert.equal(s.details, "not_allowed", "details with spaces replaced");
  assert.equal(returnedText(vm, P + 8), "429", "the plugin saw its own reply");
  assert.deepEqual(trace(vm), [
    [4, 3, 1],
    [7, 4, 0],
    [8, 6, 1],
  ]);
  assert.equal(s.ended, true);
  await stack.close();
});

test("an empty-body local reply: on_response_headers with end_of_stream, no body callback", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module("request-empty") }] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  assert.equal(s.response.status, 403);
  assert.deepEqual(trace(stack.vm()), [
    [4, 3, 1],
    [7, 2, 1],
  ]);
  await stack.close();
});

test("local reply while a response is held in the filters: straight to the client", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module("response-headers") }] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  s.respond(200, "upstream body");
  assert.equal(slot(stack.vm(), 3), 0);
  assert.equal(s.response.status, 418);
  assert.equal(s.response.bodyText, "denied");
  // the filter's response callbacks did not run again for the local reply
  assert.deepEqual(trace(stack.vm()).map((t) => t[0]), [4, 7]);
  await stack.close();
});

test("local reply after response headers went out: the stream is reset", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module("response-body") }] });
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  s.respondHeaders({ ":status": "200" });
  assert.equal(s.response.status, 200);
  s.respondBody("chunk");
  assert.equal(slot(stack.vm(), 4), 0);
  assert.equal(s.response.reset, true);
  assert.equal(s.response.bodyText, "", "the chunk was stopped by the forced Stop");
  assert.equal(s.ended, true);
  await stack.close();
});

test("continue_stream: request maps gone at once, the stream resumes after the callback", async () => {
  const m = await wat({
    imports: IMPORTS,
    body: `${S.wat}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (if (i32.eqz (local.get $e)) (then (return (i32.const 1))))
    ${st(0, call("proxy_continue_stream", 0))}
    ${st(1, call("proxy_get_header_map_value", 0, ...S.at.path, P, P + 4))}
    ${st(2, call("proxy_continue_stream", 9))}
    (i32.const 1))`,
  });
  const stack = await createTestStack({ filters: [{ wasm: m, allowOnHeadersStopIteration: true }] });
  const s = stack.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": "/p", ":authority": "h" });
  s.sendRequestBody("ab");
  assert.equal(s.upstream === null, true);
  s.sendRequestBody("cd", true);
  const vm = stack.vm();
  assert.equal(slot(vm, 0), 0);
  assert.equal(slot(vm, 1), 2, "request headers dropped immediately: BadArgument");
  assert.equal(slot(vm, 2), 2, "stream type > 3: BadArgument");
  assert.equal(s.upstream?.bodyText, "abcd");
  assert.equal(s.upstream?.ended, true);
  await stack.close();
});
