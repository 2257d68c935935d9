// What a label combination and a request cost the VM: linear memory with many consumers, every
// metric name defined once per VM (Envoy hands out a new id per define), states reused across
// interleaved streams without mixing them up, headers read in one call per map (session id,
// configured header names in any case, UTF-8 values).
import { test } from "node:test";
import assert from "node:assert/strict";
import { statsStack, counter, aiLog, POST_CHAT, PREFIX } from "./helpers.ts";
import type { TestStack, TestStream } from "../../host/testing.ts";

const RESPONSE = JSON.stringify({ id: "chatcmpl-1", model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });

function request(stack: TestStack, headers: Record<string, string>): TestStream {
  const s = stack.stream();
  s.sendRequestHeaders({ ...POST_CHAT, ...headers });
  s.sendRequestBody('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}', true);
  return s;
}

function pages(stack: TestStack): number {
  return (stack.vm(0, 0).instanceExports.memory as WebAssembly.Memory).buffer.byteLength / 65536;
}

/** Define calls the VM made (the host keeps one handle per call). */
function defines(stack: TestStack): number {
  return (stack.vm(0, 0).metrics as unknown as { handles: Map<number, number> }).handles.size;
}

test("200 consumers: memory stays small and every metric name is defined once", async () => {
  const stack = await statsStack();
  for (let i = 0; i < 2000; i++) {
    const s = request(stack, { "x-mse-consumer": `consumer-${i % 200}` });
    s.respond(i % 10 === 0 ? 503 : 200, RESPONSE, { "content-type": "application/json" });
    if (i % 100 === 0) stack.accessLog.length = 0;
  }
  // Before label combinations held only ids this VM grew to 128 pages (8 MiB).
  assert.ok(pages(stack) <= 16, `linear memory ${pages(stack)} pages`);
  const names = stack.stats.names.length;
  assert.ok(names > 200 * 10, `${names} metric names`);
  assert.equal(defines(stack), names, "one define per metric name");
  const p = PREFIX + "gpt-4o.consumer.consumer-7.metric.";
  assert.equal(counter(stack, p + "input_token"), 30);
  assert.equal(counter(stack, p + "ai_requests.provider.none.request_model.gpt-4o.variant.none.status.2xx.error.none"), 10);
});

test("interleaved streams keep their own state; states are reused after an abort", async () => {
  const stack = await statsStack();
  for (let round = 0; round < 3; round++) {
    const a = request(stack, { "x-mse-consumer": "alice", "x-openclaw-session-key": "sess-a" });
    const b = request(stack, { "x-mse-consumer": "bob" });
    const c = request(stack, { "x-mse-consumer": "carol" });
    c.reset(); // client abort before any response
    b.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
    a.respondHeaders({ ":status": "200", "content-type": "application/json" });
    b.respondBody('data: {"id":"b","model":"m-b","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":null}\n\n');
    a.respondBody(RESPONSE.slice(0, 20));
    b.respondBody('data: {"id":"b","model":"m-b","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}\n\ndata: [DONE]\n\n', true);
    a.respondBody(RESPONSE.slice(20), true);
    const la = aiLog(a);
    const lb = aiLog(b);
    const lc = aiLog(c);
    assert.equal(la.consumer, "alice");
    assert.equal(la.session_id, "sess-a");
    assert.equal(la.input_token, 3);
    assert.equal(la.response_type, "normal");
    assert.equal(lb.consumer, "bob");
    assert.equal(lb.session_id, undefined);
    assert.equal(lb.output_token, 7);
    assert.equal(lb.response_type, "stream");
    assert.equal(lc.consumer, "carol");
    assert.deepEqual(lc.anomalies, ["client_abort"]);
  }
});

test("configured header names in any case, UTF-8 header values, one session header", async () => {
  const stack = await statsStack(JSON.stringify({
    consumer_header: "X-Tenant", session_id_header: "X-Conv",
    attributes: [{ key: "team", value_source: "request_header", value: "X-Team", apply_to_log: true }, { key: "srv", value_source: "response_header", value: "Server", apply_to_log: true }],
  }));
  // Header values are bytes (the host's strings carry one byte per character): send UTF-8.
  const bytes = (t: string) => Buffer.from(t, "utf8").toString("latin1");
  const s = request(stack, { "x-tenant": bytes("tënant"), "x-conv": "c-1", "x-team": bytes("日本"), "x-openclaw-session-key": "ignored" });
  s.respond(200, RESPONSE, { "content-type": "application/json", server: "up/1" });
  const log = aiLog(s);
  assert.equal(log.consumer, "tënant");
  assert.equal(log.session_id, "c-1");
  assert.equal(log.team, "日本");
  assert.equal(log.srv, "up/1");
  assert.equal(counter(stack, PREFIX + "gpt-4o.consumer.tënant.metric.total_token"), 5);
});

test("request model: the first top-level member (as gjson), found after large members at any chunking", async () => {
  const big = "x".repeat(3000);
  const bodies: [string, string][] = [
    [JSON.stringify({ messages: [{ role: "user", content: big }], nested: { model: "inner" }, model: "late-model" }), "late-model"],
    ['{"model":"first","messages":[{"role":"user","content":"' + big + '"}],"model":"second"}', "first"],
  ];
  for (const [body, want] of bodies) {
    for (const size of [1, 7, 511, 513, 100_000]) {
      const stack = await statsStack();
      const s = stack.stream();
      s.sendRequestHeaders(POST_CHAT);
      const b = Buffer.from(body);
      for (let i = 0; i < b.length; i += size) s.sendRequestBody(b.subarray(i, i + size), i + size >= b.length);
      s.respond(200, RESPONSE, { "content-type": "application/json" });
      assert.equal(aiLog(s).request_model, want, `chunk size ${size}`);
    }
  }
});
