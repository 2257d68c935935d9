// SDK header maps, shared data, metrics, time and local replies, driven through the Node host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdkStack, GET } from "./host-helpers.ts";

test("request headers: add, replace and pairs reach the upstream; response headers are set", async () => {
  const stack = await sdkStack('{"tag":"global"}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, "x-in": "1" }, true);
  const up = s.upstream!;
  assert.equal(up.header("x-sdk-tag"), "global");
  // numHeaders from the host, and pairs() read back after the SDK added x-sdk-tag
  assert.equal(up.header("x-sdk-headers"), "5/6");
  assert.equal(up.header("x-in"), "1");
  s.respond(200, "ok");
  assert.equal(s.response.status, 200);
  assert.equal(s.response.header("x-sdk-route"), "default");
  assert.equal(s.response.header("x-sdk-rule"), "global");
  assert.equal(s.response.header("x-sdk-time-ok"), "yes");
  assert.equal(s.response.bodyText, "ok");
  await stack.close();
});

test("UTF-8 header values survive the pairs round trip", async () => {
  const stack = await sdkStack('{"tag":"héllo ✓"}');
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  // The host keeps header values as bytes (one char per byte, like Node's HTTP layer): the
  // value must be the UTF-8 encoding of the configured string.
  const raw = s.upstream!.header("x-sdk-tag")!;
  assert.equal(Buffer.from(raw, "latin1").toString("utf8"), "héllo ✓");
  await stack.close();
});

test("shared data CAS counter counts every stream across two workers; counter metric too", async () => {
  const stack = await sdkStack('{"tag":"t"}', { concurrency: 2 });
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const s = stack.stream(i % 2);
    s.sendRequestHeaders(GET, true);
    seen.push(s.upstream!.header("x-sdk-count")!);
    s.respond(204);
  }
  assert.deepEqual(seen, ["1", "2", "3", "4", "5", "6"]);
  assert.equal(new TextDecoder().decode(stack.sharedData("vm", "sdk_test.count")!.value), "6");
  assert.equal(stack.counter("sdk_test.requests"), 6n);
  await stack.close();
});

test("local response: status, details, body and headers; the plugin's response callbacks run for it", async () => {
  const stack = await sdkStack('{"tag":"loc"}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, "x-sdk-action": "local" }, true);
  assert.equal(s.upstream, null);
  assert.equal(s.response.status, 418);
  assert.equal(s.response.bodyText, "local:loc");
  assert.equal(s.response.header("x-sdk-tag"), "loc");
  assert.equal(s.response.header("content-type"), "text/plain");
  assert.equal(s.response.header("x-sdk-rule"), "loc");
  assert.equal(s.details, "sdk_test_local");
  await stack.close();
});
