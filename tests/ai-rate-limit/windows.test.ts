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
