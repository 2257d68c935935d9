// Circuit breaker driven by a failing upstream: closed -> open (fast 503 with Retry-After) ->
// half-open (a few probes) -> closed, with the state shared by the worker VMs and exported as a
// gauge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, hit, admitted } from "./helpers.ts";

const CONFIG = {
  circuit_breaker: { window_ms: 10_000, min_requests: 4, error_rate: 0.5, open_ms: 5000, half_open_probes: 2 },
};
const GAUGE = "ai_rate_limit.circuit_state.upstream";

test("errors open the circuit; open answers at once; probes close it again", async () => {
  const stack = await rateLimitStack({ concurrency: 4, config: CONFIG });
  // 2 successes, 2 failures (one 500, one connect failure -> Envoy's 503), spread over workers.
  hit(stack, 0).respond(200, "ok");
  hit(stack, 1).respond(200, "ok");
  hit(stack, 2).respond(500, "boom");
  assert.equal(stack.gauge(GAUGE) ?? 0n, 0n);
  hit(stack, 3).respondFailure("connect");
  assert.equal(stack.gauge(GAUGE), 1n, "open");

  const refused = hit(stack, 0);
  assert.equal(admitted(refused), false, "no request reaches the failing upstream");
  assert.equal(refused.response.status, 503);
  assert.equal(refused.response.header("retry-after"), "5");
  assert.equal(refused.details, "ai_rate_limit.circuit_open");
  assert.equal(JSON.parse(refused.response.bodyText).error.code, "circuit_open");
  assert.equal(stack.counter("ai_rate_limit.circuit_open"), 1n);

  stack.advance(5000);
  const p1 = hit(stack, 1);
  const p2 = hit(stack, 2);
  const p3 = hit(stack, 3);
  assert.deepEqual([admitted(p1), admitted(p2), admitted(p3)], [true, true, false], "half-open admits 2 probes");
  assert.equal(stack.gauge(GAUGE), 2n, "half-open");
  p1.respond(200, "ok");
  p2.respond(200, "ok");
  assert.equal(stack.gauge(GAUGE), 0n, "closed after the probes succeeded");
  assert.equal(admitted(hit(stack, 0)), true);
  await stack.close();
});

test("a failing probe re-opens the circuit; a cancelled probe frees its slot", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: CONFIG });
  for (let i = 0; i < 4; i++) hit(stack, i % 2).respond(502, "");
  assert.equal(stack.gauge(GAUGE), 1n);
  stack.advance(5000);
  const p1 = hit(stack, 0);
  const p2 = hit(stack, 1);
  assert.equal(admitted(hit(stack, 0)), false);
  p1.reset(); // client gave up: the probe slot is free again
  const p3 = hit(stack, 1);
  assert.equal(admitted(p3), true);
  p2.respond(503, "");
  assert.equal(stack.gauge(GAUGE), 1n, "re-opened by a failed probe");
  const r = hit(stack, 0);
  assert.equal(r.response.status, 503);
  assert.equal(r.response.header("retry-after"), "5");
  p3.respond(200, "");
  await stack.close();
});

test("slow calls open the circuit when slow_call_ms is set", async () => {
  const stack = await rateLimitStack({
    concurrency: 1,
    config: { circuit_breaker: { min_requests: 2, error_rate: 1, slow_call_ms: 1000, slow_call_rate: 0.5, open_ms: 3000 } },
  });
  const a = hit(stack, 0);
  const b = hit(stack, 0);
  stack.advance(1500);
  a.respond(200, "");
  b.respond(200, "");
  assert.equal(stack.gauge(GAUGE), 1n);
  assert.equal(hit(stack, 0).response.status, 503);
  await stack.close();
});

test("per provider: the x-ai-provider header keeps one provider's failures from the others", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: CONFIG });
  for (let i = 0; i < 4; i++) hit(stack, i % 2, { "x-ai-provider": "flaky" }).respond(500, "");
  assert.equal(stack.gauge("ai_rate_limit.circuit_state.upstream_flaky"), 1n);
  assert.equal(hit(stack, 0, { "x-ai-provider": "flaky" }).response.status, 503);
  const other = hit(stack, 1, { "x-ai-provider": "steady" });
  assert.equal(admitted(other), true, "another provider on the same cluster still flows");
  other.respond(200, "");
  await stack.close();
});
