// Regressions for two bugs the fuzzer found (tests/fuzz), driven through the host's test stack:
//  - invalid UTF-8 in a request body hid a raw control byte from the JSON check (String.UTF8.decode
//    turned CE 01 into one character): now a 400 in the client's protocol, nothing forwarded;
//  - a same-protocol stream cut mid-event had its half event forwarded and then terminated by the
//    appended error event: now the half event is dropped and only whole events reach the client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack, type TestStack } from "../../host/testing.ts";
import { proxyWasm } from "./helpers.ts";

const ROUTES = {
  name: "r",
  virtualHosts: [{ name: "all", domains: ["*"], routes: [{ name: "ai", match: { prefix: "/" }, route: { clusterHeader: "x-ai-cluster" } }] }],
};

function stack(type: "openai" | "claude"): Promise<TestStack> {
  const config = { providers: [{ id: "p", type, apiTokens: ["k1"], cluster: "a" }] };
  return createTestStack({
    filters: [{ wasm: proxyWasm(), configuration: JSON.stringify(config), rootId: "ai-proxy", allowOnHeadersStopIteration: true }],
    routes: ROUTES,
    clusters: ["a"],
    logLevel: 0,
  });
}

const enc = new TextEncoder();
function bytes(...parts: (string | number[])[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)))));
}

const OPENAI_PATH = "/v1/chat/completions";
const ANTHROPIC_PATH = "/v1/messages";

for (const [type, path] of [["openai", OPENAI_PATH], ["claude", ANTHROPIC_PATH]] as const) {
  test(`invalid UTF-8 in a request body: 400 invalid_request_error naming the byte (${type})`, async () => {
    const st = await stack(type);
    try {
      const head = '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a';
      const cases = [[0xce, 0x01], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
      for (const bad of cases) {
        const s = st.stream();
        s.sendRequestHeaders({ ":method": "POST", ":path": path, ":authority": "gw", "content-type": "application/json" });
        s.sendRequestBody(bytes(head, bad, 'b"}],"stream":true}'), true);
        assert.equal(s.upstream, null, `nothing forwarded for ${bad}`);
        assert.equal(s.response.status, 400);
        const e = JSON.parse(s.response.bodyText);
        const err = type === "openai" ? e.error : (assert.equal(e.type, "error"), e.error);
        assert.equal(err.type, "invalid_request_error");
        assert.equal(err.message, `request body: invalid UTF-8 at byte ${enc.encode(head).length}`);
      }
      // Well-formed multi-byte text still passes byte for byte.
      const s = st.stream();
      const ok = bytes('{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"é€😀"}]}');
      s.sendRequestHeaders({ ":method": "POST", ":path": path, ":authority": "gw", "content-type": "application/json" });
      s.sendRequestBody(ok, true);
      assert.deepEqual(new Uint8Array(s.upstream!.body), ok);
    } finally {
      await st.close();
    }
  });
}

const OPENAI_CHUNK = 'data: {"id":"a","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}';
const ANTHROPIC_START = 'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":0}}}';

function streamed(st: TestStack, path: string) {
  const s = st.stream();
  s.sendRequestHeaders({ ":method": "POST", ":path": path, ":authority": "gw", "content-type": "application/json" });
  s.sendRequestBody('{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}', true);
  s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  return s;
}

for (const nl of ["\n", "\r\n", "\r"]) {
  const label = JSON.stringify(nl);
  test(`cut same-protocol stream: the half event is dropped before the error event (OpenAI, ${label})`, async () => {
    const st = await stack("openai");
    try {
      const whole = OPENAI_CHUNK.replaceAll("\n", nl) + nl + nl;
      const s = streamed(st, OPENAI_PATH);
      s.respondBody(whole.slice(0, 17));
      s.respondBody(whole.slice(17) + 'data: {"id":"a","object":"chat.completion.chunk","choi');
      s.respondBody("", true);
      const body = s.response.bodyText;
      assert.ok(body.startsWith(whole), body);
      const rest = body.slice(whole.length);
      assert.match(rest, /^data: \{"error":\{.*"stream_truncated".*\}\}\n\n$/s);
      assert.ok(!body.includes('"choi\n') && !body.includes('"choi\r'), body);
    } finally {
      await st.close();
    }
  });

  test(`cut same-protocol stream: the half event is dropped before the error event (Anthropic, ${label})`, async () => {
    const st = await stack("claude");
    try {
      const whole = ANTHROPIC_START.replaceAll("\n", nl) + nl + nl;
      const s = streamed(st, ANTHROPIC_PATH);
      s.respondBody(whole);
      // one line end short of a complete event: the merged-event variant
      s.respondBody("event: content_block_start" + nl + "data: false" + nl, true);
      const body = s.response.bodyText;
      assert.ok(body.startsWith(whole), body);
      const rest = body.slice(whole.length);
      assert.match(rest, /^event: error\ndata: \{"type":"error","error":\{.*\}\}\n\n$/s);
      assert.ok(!body.includes("data: false"), body);
    } finally {
      await st.close();
    }
  });
}

test("same-protocol stream: complete events pass byte for byte whatever the chunking", async () => {
  const st = await stack("openai");
  try {
    const all = bytes(OPENAI_CHUNK + "\r\n\r\n: ping\n\n" + OPENAI_CHUNK + "\r\rdata: [DONE]\n\n");
    for (const step of [1, 3, 7, 50, all.length]) {
      const s = streamed(st, OPENAI_PATH);
      for (let i = 0; i < all.length; i += step) s.respondBody(all.slice(i, i + step), i + step >= all.length);
      assert.deepEqual(new Uint8Array(s.response.body), all, `step ${step}`);
    }
  } finally {
    await st.close();
  }
});
