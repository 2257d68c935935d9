// Body callbacks and buffering (Envoy Context::decodeData/encodeData + FilterManager):
// Continue passes each chunk on (sizes are per chunk); StopIterationAndBuffer keeps the data and
// the next call's size covers everything buffered; StopIterationAndWatermark keeps the data but
// each call sees its chunk; StopIterationNoBuffer drops the chunk. Over the buffer limit a
// buffered request gets 413, a buffered response 500 (or a reset once headers went out).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, strings, TRACE, trace, wat } from "./wat.ts";

/** on_request_body returns `status` until end_of_stream, then Continue; traces (5, size, eos). */
function bodyModule(status: number, opts: { respHeaders?: number; respBody?: number } = {}) {
  return wat({
    imports: ["proxy_get_buffer_bytes"],
    body: `${TRACE}
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 5) (local.get $n) (local.get $e))
    (if (local.get $e) (then
      (drop ${call("proxy_get_buffer_bytes", 0, 0, 1000, P, P + 4)})
      (return (i32.const 0))))
    (i32.const ${status}))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 7) (local.get $n) (local.get $e))
    (i32.const ${opts.respHeaders ?? 0}))
  (func (export "proxy_on_response_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 8) (local.get $n) (local.get $e))
    (i32.const ${opts.respBody ?? 0}))`,
  });
}

const POST = { ":method": "POST", ":path": "/", ":authority": "h" };

async function run(status: number) {
  const stack = await createTestStack({ filters: [{ wasm: await bodyModule(status) }] });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("ab");
  const afterFirst = s.upstream!.bodyText;
  s.sendRequestBody("cd");
  s.sendRequestBody("ef", true);
  return { stack, s, afterFirst, sizes: trace(stack.vm()).map((t) => [t[1], t[2]]) };
}

test("Continue: each call sees its chunk; chunks go upstream as they pass", async () => {
  const { stack, s, afterFirst, sizes } = await run(0);
  assert.deepEqual(sizes, [[2, 0], [2, 0], [2, 1]]);
  assert.equal(afterFirst, "ab");
  assert.equal(s.upstream!.bodyText, "abcdef");
  assert.equal(returnedText(stack.vm(), P), "ef");
  await stack.close();
});

test("StopIterationAndBuffer: sizes grow, the last call reads everything, nothing leaves before", async () => {
  const { stack, s, afterFirst, sizes } = await run(1);
  assert.deepEqual(sizes, [[2, 0], [4, 0], [6, 1]]);
  assert.equal(afterFirst, "");
  assert.equal(returnedText(stack.vm(), P), "abcdef");
  assert.equal(s.upstream!.bodyText, "abcdef");
  await stack.close();
});

test("StopIterationAndWatermark: data kept, but each call sees only its chunk", async () => {
  const { stack, s, afterFirst, sizes } = await run(2);
  assert.deepEqual(sizes, [[2, 0], [2, 0], [2, 1]]);
  assert.equal(afterFirst, "");
  assert.equal(returnedText(stack.vm(), P), "ef");
  assert.equal(s.upstream!.bodyText, "abcdef");
  await stack.close();
});

test("StopIterationNoBuffer: dropped chunks never reach the upstream", async () => {
  const { stack, s, sizes } = await run(3);
  assert.deepEqual(sizes, [[2, 0], [2, 0], [2, 1]]);
  assert.equal(s.upstream!.bodyText, "ef");
  await stack.close();
});

test("request over the buffer limit with StopIterationAndBuffer: 413, stat, filter sees the reply", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await bodyModule(1) }], bufferLimitBytes: 10 });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("123456");
  s.sendRequestBody("12345");
  assert.equal(s.response.status, 413);
  assert.equal(s.response.bodyText, "Payload Too Large");
  assert.equal(s.details, "request_payload_too_large");
  assert.equal(stack.stat("http.ingress.downstream_rq_too_large"), 1);
  assert.equal(s.upstream!.bodyText, "");
  assert.ok(s.upstream!.aborted, "the upstream request is dropped");
  // on_request_body ran once (6 bytes); the 413 went through on_response_headers/body
  assert.deepEqual(trace(stack.vm()), [[5, 6, 0], [7, 3, 0], [8, 17, 1]]);
  await stack.close();
});

test("exactly the limit is fine", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await bodyModule(1) }], bufferLimitBytes: 10 });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("12345");
  s.sendRequestBody("12345", true);
  assert.equal(s.upstream!.bodyText, "1234512345");
  assert.equal(s.response.started, false);
  await stack.close();
});

test("Watermark mode over the limit: no 413 (flow control only)", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await bodyModule(2) }], bufferLimitBytes: 4 });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("123456");
  s.sendRequestBody("789", true);
  assert.equal(s.response.started, false);
  assert.equal(s.upstream!.bodyText, "123456789");
  await stack.close();
});

test("response over the limit: 500 when headers are held, reset when they went out", async () => {
  {
    // StopAllIterationAndBuffer on response headers: the body is buffered at the filter.
    const stack = await createTestStack({ filters: [{ wasm: await bodyModule(0, { respHeaders: 3 }) }], bufferLimitBytes: 4 });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    s.respondHeaders({ ":status": "200" });
    s.respondBody("123456");
    assert.equal(s.response.status, 500);
    assert.equal(s.response.bodyText, "Internal Server Error");
    assert.equal(s.details, "response_payload_too_large");
    assert.equal(stack.stat("http.ingress.rs_too_large"), 1);
    await stack.close();
  }
  {
    const stack = await createTestStack({ filters: [{ wasm: await bodyModule(0, { respBody: 1 }) }], bufferLimitBytes: 4 });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    s.respondHeaders({ ":status": "200" });
    assert.equal(s.response.status, 200);
    s.respondBody("123456");
    assert.equal(s.response.reset, true);
    assert.equal(s.ended, true);
    await stack.close();
  }
});

test("response streaming: chunks reach the client as they arrive", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await bodyModule(0) }] });
  const s = stack.stream();
  s.sendRequestHeaders(POST, true);
  s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  s.respondBody("data: 1\n\n");
  assert.equal(s.response.bodyText, "data: 1\n\n");
  s.respondBody("data: 2\n\n");
  assert.equal(s.response.bodyText, "data: 1\n\ndata: 2\n\n");
  s.respondBody("", true);
  assert.equal(s.response.ended, true);
  assert.deepEqual(trace(stack.vm()).filter((t) => t[0] === 8).map((t) => [t[1], t[2]]), [[9, 0], [9, 0], [0, 1]]);
  await stack.close();
});
