// A filter that stops all iteration in the headers phase (StopIteration converted, or 3/4
// returned) gets no body callbacks while held; the body is buffered at the filter and delivered
// to it in one call when it continues (FilterManager iterate_from_current_filter). With
// StopAllIterationAndBuffer a body over the limit is a 413; with ...Watermark it is not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePairs } from "../../host/memory.ts";
import { createTestStack } from "../../host/testing.ts";
import { call, P, strings, TRACE, trace, wat } from "./wat.ts";

const S = strings({ c: "upstream", hdrs: encodePairs([[":method", "GET"], [":path", "/"], [":authority", "a"]]) });

const module = (headersStatus: number) =>
  wat({
    imports: ["proxy_http_call", "proxy_set_effective_context", "proxy_continue_stream"],
    body: `${S.wat}${TRACE}
  (global $stream (mut i32) (i32.const 0))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (global.set $stream (local.get $c))
    (drop ${call("proxy_http_call", ...S.at.c, ...S.at.hdrs, 0, 0, 0, 0, 0, P)})
    (i32.const ${headersStatus}))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 5) (local.get $n) (local.get $e))
    (i32.const 0))
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
    (drop ${call("proxy_set_effective_context", "(global.get $stream)")})
    (drop ${call("proxy_continue_stream", 0)}))`,
  });

const POST = { ":method": "POST", ":path": "/", ":authority": "h" };

for (const status of [1, 3, 4]) {
  test(`headers status ${status}: body held at the filter, then delivered whole on continue`, async () => {
    const stack = await createTestStack({ filters: [{ wasm: await module(status) }] });
    const s = stack.stream();
    s.sendRequestHeaders(POST);
    s.sendRequestBody("abc");
    s.sendRequestBody("def", true);
    assert.deepEqual(trace(stack.vm()), [], "no body callbacks while held");
    assert.equal(s.upstream === null, true);
    stack.httpCalls[0].respond(200);
    assert.deepEqual(trace(stack.vm()), [[5, 6, 1]]);
    assert.equal(s.upstream?.bodyText, "abcdef");
    assert.equal(s.upstream?.ended, true);
    await stack.close();
  });
}

test("held with StopAllIterationAndBuffer: over the limit is a 413; with Watermark it is not", async () => {
  for (const [status, expect] of [
    [3, 413],
    [4, 0],
  ] as const) {
    const stack = await createTestStack({ filters: [{ wasm: await module(status) }], bufferLimitBytes: 4 });
    const s = stack.stream();
    s.sendRequestHeaders(POST);
    s.sendRequestBody("abcdef", true);
    assert.equal(s.response.status, expect);
    await stack.close();
  }
});
