// SDK body access through the Node host: buffered replacement and byte-identical pass-through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdkStack, GET } from "./host-helpers.ts";

const POST = { ...GET, ":method": "POST", "content-type": "application/octet-stream" };

test("a buffered body is replaced whole (setBuffer 0..size) and content-length is dropped", async () => {
  const stack = await sdkStack('{"tag":"b"}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...POST, "content-length": "3", "x-sdk-action": "body" });
  s.sendRequestBody("ab");
  s.sendRequestBody("c", true);
  const up = s.upstream!;
  assert.equal(up.header("content-length"), undefined);
  assert.equal(up.bodyText, "[abc]");
  assert.ok(up.ended);
  await stack.close();
});

test("bytes that are not UTF-8 pass through unchanged when the plugin does not touch the body", async () => {
  const stack = await sdkStack('{"tag":"b"}');
  const s = stack.stream();
  const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x41]);
  s.sendRequestHeaders(POST);
  s.sendRequestBody(bytes, true);
  assert.deepEqual(new Uint8Array(s.upstream!.body), bytes);
  await stack.close();
});

test("a body with invalid UTF-8 is wrapped byte for byte", async () => {
  const stack = await sdkStack('{"tag":"b"}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...POST, "x-sdk-action": "body" });
  s.sendRequestBody(new Uint8Array([0xff, 0x00]), true);
  assert.deepEqual(new Uint8Array(s.upstream!.body), new Uint8Array([0x5b, 0xff, 0x00, 0x5d]));
  await stack.close();
});
