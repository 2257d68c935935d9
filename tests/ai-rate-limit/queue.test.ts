// Concurrency limit with a bounded FIFO queue shared by 4 worker VMs: waiters are held in
// on_request_headers and resumed from on_queue_ready / on_tick; slots are released on response
// end, client abort and upstream reset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, hit, admitted } from "./helpers.ts";
import type { TestStack, TestStream } from "../../host/testing.ts";

const CONFIG = { rules: [{ name: "c", max_concurrency: 2, max_queue: 2, max_queue_wait_ms: 1000 }] };
const SLOT_KEY = "c:r0.d:c:"; // rule "c", global key

/** Lets cross-worker notifications (on_queue_ready is posted like Envoy's cross-thread post) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function slotRecord(stack: TestStack): { inFlight: number; waiting: number } {
  const v = stack.sharedData("ai-gateway", SLOT_KEY);
  if (!v || v.value.length < 16) return { inFlight: 0, waiting: 0 };
  const dv = new DataView(v.value.buffer, v.value.byteOffset, v.value.byteLength);
  return { inFlight: dv.getUint32(0, true), waiting: dv.getUint16(4, true) };
}

test("beyond max_concurrency requests wait in FIFO order; a full queue is refused", async () => {
  const stack = await rateLimitStack({ concurrency: 4, config: CONFIG });
  const s = [0, 1, 2, 3].map((i) => hit(stack, i));
  assert.deepEqual(s.map(admitted), [true, true, false, false]);
  assert.equal(s[2].response.started, false, "held, not answered");
  assert.deepEqual(slotRecord(stack), { inFlight: 2, waiting: 2 });
  const full = hit(stack, 0);
  assert.equal(full.response.status, 429);
  assert.equal(full.details, "ai_rate_limit.queue_full");
  assert.equal(stack.counter("ai_rate_limit.queue_full"), 1n);
  assert.equal(stack.counter("ai_rate_limit.queued"), 2n);

  s[0].respond(200, "ok");
  await flush();
  assert.equal(admitted(s[2]), true, "the first waiter (worker 2) takes the freed slot");
  assert.equal(admitted(s[3]), false, "the second waiter still waits");
  // A newcomer may not jump the queue.
  const late = hit(stack, 1);
  assert.equal(admitted(late), false);
  s[1].respond(200, "ok");
  await flush();
  assert.equal(admitted(s[3]), true);
  assert.equal(admitted(late), false);
  s[2].respond(200, "ok");
  await flush();
  assert.equal(admitted(late), true);
  s[3].respond(200, "ok");
  late.respond(200, "ok");
  assert.deepEqual(slotRecord(stack), { inFlight: 0, waiting: 0 });
  await stack.close();
});

test("a waiter gives up after max_queue_wait_ms with 503 and Retry-After", async () => {
  const stack = await rateLimitStack({ concurrency: 2, config: CONFIG });
  const a = hit(stack, 0);
  const b = hit(stack, 1);
  const w = hit(stack, 1);
  assert.equal(admitted(w), false);
  stack.advance(900);
  assert.equal(w.response.started, false);
  stack.advance(150);
  assert.equal(w.response.status, 503);
  assert.equal(w.details, "ai_rate_limit.queue_timeout");
  assert.ok(Number(w.response.header("retry-after")) >= 1);
  assert.equal(JSON.parse(w.response.bodyText).error.type, "service_unavailable_error");
  assert.equal(stack.counter("ai_rate_limit.queue_timeout"), 1n);
  assert.deepEqual(slotRecord(stack), { inFlight: 2, waiting: 0 });
  a.respond(200, "");
  b.respond(200, "");
  assert.deepEqual(slotRecord(stack), { inFlight: 0, waiting: 0 });
  await stack.close();
});

test("no slot leaks after client aborts, upstream resets and queue timeouts (counted)", async () => {
  const stack = await rateLimitStack({ concurrency: 4, config: { rules: [{ name: "c", max_concurrency: 3, max_queue: 5, max_queue_wait_ms: 200 }] } });
  let seed = 3;
  const rnd = (n: number) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const live: TestStream[] = [];
  let maxRunning = 0;
  let abortedRunning = 0;
  let abortedWaiting = 0;
  let upstreamResets = 0;
  for (let step = 0; step < 800; step++) {
    const action = rnd(6);
    if (action <= 1 || live.length === 0) {
      live.push(hit(stack, rnd(4)));
    } else {
      const s = live.splice(rnd(live.length), 1)[0];
      if (action === 2 || !admitted(s)) {
        if (s.ended) continue;
        if (admitted(s)) abortedRunning++;
        else abortedWaiting++;
        s.reset(); // client abort, admitted or queued
      } else if (action === 3) {
        upstreamResets++;
        s.respondFailure("reset");
      }
      else s.respond(200, "ok");
    }
    if (rnd(5) === 0) stack.advance(rnd(120));
    if (rnd(3) === 0) await flush();
    const running = live.filter((s) => admitted(s) && !s.ended).length;
    maxRunning = Math.max(maxRunning, running);
    assert.ok(slotRecord(stack).inFlight <= 3);
  }
  for (const s of live) if (admitted(s)) s.respond(200, "");
  await flush();
  stack.advance(300); // remaining waiters run or time out
  for (const s of live) if (admitted(s) && !s.ended) s.respond(200, "");
  assert.deepEqual(slotRecord(stack), { inFlight: 0, waiting: 0 }, "every slot came back");
  assert.equal(maxRunning <= 3, true);
  assert.ok(abortedRunning > 5 && abortedWaiting > 5 && upstreamResets > 5, `covered: ${abortedRunning} running and ${abortedWaiting} waiting aborts, ${upstreamResets} resets`);
  assert.ok((stack.counter("ai_rate_limit.queued") ?? 0n) > 10n);
  await stack.close();
});
