// SDK http calls through the Node host: each response reaches the stream that made the call
// (effective context), failures come back as numHeaders 0 with status 11, a refused call returns
// the host's result, and a response for a finished stream is dropped without harm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdkStack, GET } from "./host-helpers.ts";

const CALL = { ...GET, "x-sdk-action": "call" };

test("responses go to the calling stream, even when answered out of order", async () => {
  const stack = await sdkStack('{"tag":"c","cluster":"auth"}');
  const a = stack.stream();
  a.sendRequestHeaders(CALL, true);
  const b = stack.stream();
  b.sendRequestHeaders(CALL, true);
  assert.equal(stack.httpCalls.length, 2);
  const [callA, callB] = stack.httpCalls;
  assert.equal(callA.cluster, "auth");
  assert.equal(callA.header(":path"), "/sdk-call");
  assert.equal(a.upstream, null, "stream A waits for its call");
  callB.respond(201, "for-b");
  assert.equal(a.upstream, null);
  assert.equal(b.upstream!.header("x-sdk-call-status"), "201");
  assert.equal(b.upstream!.header("x-sdk-call-body"), "for-b");
  callA.respond(200, "for-a");
  assert.equal(a.upstream!.header("x-sdk-call-status"), "200");
  assert.equal(a.upstream!.header("x-sdk-call-body"), "for-a");
  assert.notEqual(a.upstream!.header("x-sdk-call-context"), b.upstream!.header("x-sdk-call-context"));
  await stack.close();
});

test("a reset after response headers reaches the handler with numHeaders 0 and getStatus() 11", async () => {
  const stack = await sdkStack('{"tag":"c","cluster":"auth"}');
  const s = stack.stream();
  s.sendRequestHeaders(CALL, true);
  stack.httpCalls[0].respondHeaders({ ":status": "200" }, false);
  stack.httpCalls[0].fail("reset");
  assert.equal(s.upstream!.header("x-sdk-call-status"), "failed-11");
  await stack.close();
});

test("a reset before response headers arrives as a 503 response (Envoy's async client + router)", async () => {
  const stack = await sdkStack('{"tag":"c","cluster":"auth"}');
  const s = stack.stream();
  s.sendRequestHeaders(CALL, true);
  stack.httpCalls[0].fail("reset");
  assert.equal(s.upstream!.header("x-sdk-call-status"), "503");
  await stack.close();
});

test("an unknown cluster is refused with BadArgument and the stream goes on", async () => {
  const stack = await sdkStack('{"tag":"c","cluster":"nowhere"}');
  const s = stack.stream();
  s.sendRequestHeaders(CALL, true);
  assert.equal(stack.httpCalls.length, 0);
  assert.equal(s.upstream!.header("x-sdk-call-status"), "refused-2");
  await stack.close();
});

test("a response for a stream that is gone is dropped; the VM keeps serving", async () => {
  const stack = await sdkStack('{"tag":"c","cluster":"auth"}');
  const gone = stack.stream();
  gone.sendRequestHeaders(CALL, true);
  gone.reset();
  assert.ok(gone.ended);
  const call = stack.httpCalls[0];
  if (!call.aborted) call.respond(200, "late");
  assert.equal(stack.vm().failed, false);
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  assert.equal(s.upstream!.header("x-sdk-tag"), "c");
  assert.ok(!stack.logs.some((l) => l.level >= 4), JSON.stringify(stack.logs));
  await stack.close();
});
