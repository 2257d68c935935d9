// SDK runtime pieces through the Node host: abort -> critical log + trap (503), Math.random seeded
// without env.seed, tick timer, log level honoured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sdkStack, GET } from "./host-helpers.ts";

test("a throw becomes a critical log with the message and a trap: the stream gets 503", async () => {
  const stack = await sdkStack('{"tag":"t"}');
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, "x-sdk-action": "trap" }, true);
  assert.equal(s.response.status, 503);
  assert.equal(s.details, "wasm_fail_stream");
  const critical = stack.logs.filter((l) => l.level === 5).map((l) => l.message);
  assert.ok(critical.some((m) => /^wasm abort: sdk-test trap at tests\/sdk\/plugin\/index\.ts:\d+:\d+$/.test(m)), JSON.stringify(stack.logs));
  await stack.close();
});

test("Math.random works (seeded from the host clock)", async () => {
  const stack = await sdkStack('{"tag":"t"}');
  const values: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = stack.stream();
    s.sendRequestHeaders({ ...GET, "x-sdk-action": "random" }, true);
    values.push(Number(s.upstream!.header("x-sdk-random")));
  }
  for (const v of values) assert.ok(v >= 0 && v < 1, String(v));
  assert.equal(new Set(values).size, 3);
  await stack.close();
});

test("the tick set in onConfigure fires once per period", async () => {
  const stack = await sdkStack('{"tag":"t"}');
  const ticks = () => {
    const v = stack.sharedData("vm", "sdk_test.ticks");
    return v ? new TextDecoder().decode(v.value) : "none";
  };
  stack.advance(999);
  assert.equal(ticks(), "none");
  stack.advance(1);
  assert.equal(ticks(), "1");
  stack.advance(2000);
  assert.equal(ticks(), "3");
  await stack.close();
});

test("log.enabled follows proxy_get_log_level: debug skipped at info, written at debug", async () => {
  for (const [level, expected] of [[2, false], [1, true]] as const) {
    const stack = await sdkStack('{"tag":"t"}', { logLevel: level });
    const s = stack.stream();
    s.sendRequestHeaders(GET, true);
    assert.equal(stack.logs.some((l) => l.message === "sdk-test: debug enabled"), expected, `level ${level}`);
    assert.ok(stack.logs.some((l) => l.message.startsWith("sdk-test: request ")));
    await stack.close();
  }
});

test("setEffectiveContext from onTick resumes a held stream; a stream gone meanwhile is skipped", async () => {
  const stack = await sdkStack('{"tag":"t"}');
  const held = stack.stream();
  held.sendRequestHeaders({ ...GET, "x-sdk-action": "hold" }, true);
  const gone = stack.stream();
  gone.sendRequestHeaders({ ...GET, "x-sdk-action": "hold" }, true);
  gone.reset();
  assert.equal(held.upstream, null);
  stack.advance(1000);
  assert.equal(held.upstream!.header("x-sdk-resumed-by"), "tick-1");
  assert.equal(new TextDecoder().decode(stack.sharedData("vm", "sdk_test.gone")!.value), "1");
  assert.equal(stack.vm().failed, false);
  await stack.close();
});
