// Request limits in local mode through the host: 4 worker VMs share one count in shared data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, hit, admitted } from "./helpers.ts";

test("across 4 worker VMs, N concurrent requests against limit L: exactly L admitted", async () => {
  const L = 25;
  const stack = await rateLimitStack({ concurrency: 4, config: { rules: [{ name: "all", query_per_minute: L }] } });
  const streams = [];
  for (let i = 0; i < 100; i++) streams.push(hit(stack, i % 4));
  const ok = streams.filter(admitted);
  assert.equal(ok.length, L);
  const refused = streams.filter((s) => !admitted(s));
  for (const s of refused) {
    assert.equal(s.response.status, 429);
    assert.ok(Number(s.response.header("retry-after")) >= 1);
    assert.equal(s.response.header("x-ratelimit-limit"), String(L));
    assert.equal(s.response.header("x-ratelimit-remaining"), "0");
    const body = JSON.parse(s.response.bodyText);
    assert.equal(body.error.code, "rate_limit_exceeded");
    assert.equal(body.error.type, "requests");
    assert.equal(s.details, "ai_rate_limit.limited");
  }
  for (const s of ok) s.respond(200, "{}");
  assert.equal(stack.counter("ai_rate_limit.allowed"), BigInt(L));
  assert.equal(stack.counter("ai_rate_limit.limited"), BigInt(100 - L));
  await stack.close();
});
