// The SDK's allocation-light host-call paths (scratch-encoded names/paths, values read from the
// host's block, host-written buffers handed over) give the same answers as the host holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdkStack, GET } from "./host-helpers.ts";

const utf8Latin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const fromLatin1 = (s: string) => Buffer.from(s, "latin1").toString("utf8");

test("properties, shared data, queues and header texts through the SDK", async () => {
  const stack = await sdkStack('{"tag":"t"}');
  const big = "v".repeat(6000); // over the SDK's 4 KiB scratch area
  for (let i = 0; i < 3; i++) { // repeated: reused scratch and return buffers stay correct
    const s = stack.stream();
    s.sendRequestHeaders({ ...GET, ":path": "/p?q=1", "x-sdk-action": "probe", "x-sdk-big": big, "x-sdk-utf8": utf8Latin1("ü😀") }, true);
    const up = s.upstream!;
    assert.equal(up.header("x-sdk-p-path"), "/p?q=1|/p?q=1");
    assert.equal(up.header("x-sdk-p-time-len"), "8|8");
    assert.equal(up.header("x-sdk-p-time-same"), "yes");
    assert.equal(up.header("x-sdk-p-missing"), "null|-1|null");
    assert.equal(fromLatin1(up.header("x-sdk-p-readback")!), "A-é");
    assert.equal(fromLatin1(up.header("x-sdk-p-shared")!), "shared-ü|cas");
    assert.equal(up.header("x-sdk-p-shared-missing"), "null");
    assert.equal(up.header("x-sdk-p-queue"), "q1|null");
    assert.equal(up.header("x-sdk-p-big-len"), "6000");
    assert.equal(up.header("x-sdk-p-big-echo"), big + "!");
    // "ü😀" is 3 UTF-16 units
    assert.equal(fromLatin1(up.header("x-sdk-p-utf8")!), "ü😀|3");
    s.respond(200, "ok");
    assert.equal(s.filterState("sdk_a"), "A-é");
    assert.equal(s.filterState("sdk_b"), "B");
  }
  await stack.close();
});
