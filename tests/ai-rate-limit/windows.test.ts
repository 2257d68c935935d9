// Sliding vs fixed windows at a window edge, driven by the host's fake clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, hit, admitted } from "./helpers.ts";
import type { TestStack } from "../../host/testing.ts";

function burst(stack: TestStack, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (admitted(hit(stack, i % 2))) ok++;
  return ok;
}

/** Moves the fake clock to `ms` past the start of the next whole second. */
function toSecondOffset(stack: TestStack, ms: number): void {
  const now = stack.clock.nowMs;
  stack.advance(1000 - (now % 1000) + ms);
}

test("fixed window: the limit per aligned window, and 2x the limit across an edge", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: { algorithm: "fixed", rules: [{ query_per_second: 5 }] } });
  toSecondOffset(stack, 999);
  assert.equal(burst(stack, 8), 5);
  stack.advance(1); // the next window starts
  assert.equal(burst(stack, 8), 5, "Higress-compatible fixed window resets at the boundary");
  await stack.close();
});

test("sliding window: no doubling at the edge; capacity returns bucket by bucket", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: { rules: [{ query_per_second: 5 }] } });
  toSecondOffset(stack, 999);
  assert.equal(burst(stack, 8), 5);
  stack.advance(1);
  const s = hit(stack, 0);
  assert.equal(admitted(s), false);
  assert.equal(s.response.status, 429);
  assert.equal(s.response.header("retry-after"), "1"); // 900 ms, rounded up
  assert.equal(s.response.header("x-ratelimit-reset"), "1");
  stack.advance(899);
  assert.equal(burst(stack, 1), 0);
  stack.advance(1); // the bucket holding the burst leaves the window
  assert.equal(burst(stack, 8), 5);
  await stack.close();
});

test("sliding window holds the limit in every interval of 0.9 s under a random load", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: { rules: [{ query_per_second: 20 }] } });
  const times: number[] = [];
  let seed = 7;
  for (let step = 0; step < 600; step++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = seed % 5;
    for (let i = 0; i < n; i++) if (admitted(hit(stack, i % 2))) times.push(stack.clock.nowMs);
    stack.advance(7 + (seed % 11));
  }
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j] < times[i] + 900; j++) n++;
    assert.ok(n <= 20, `interval starting at ${times[i]} holds ${n}`);
  }
  assert.ok(times.length > 100);
  await stack.close();
});

test("idle counters are emptied once their window has passed (keys carry their window)", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: { rules: [{ name: "u", limit_by_per_header: "x-user", query_per_minute: 5 }] } });
  for (let i = 0; i < 3; i++) hit(stack, i % 2, { "x-user": "alice" }).respond(200, "");
  const key = "u:r0.d:q60:alice";
  assert.ok((stack.sharedData("ai-gateway", key)?.value.length ?? 0) > 0);
  stack.advance(30_000);
  assert.ok((stack.sharedData("ai-gateway", key)?.value.length ?? 0) > 0, "still inside the window");
  stack.advance(45_000); // the minute has passed; the next cleanup tick empties it
  assert.equal(stack.sharedData("ai-gateway", key)?.value.length, 0);
  // An emptied key counts from zero again, with no creation race (the key still exists).
  assert.equal(admitted(hit(stack, 0, { "x-user": "alice" })), true);
  assert.ok((stack.sharedData("ai-gateway", key)?.value.length ?? 0) > 0);
  await stack.close();
});
