// Chunking control: the same stream bytes cut at given sizes, several events per write, and CRLF
// or LF line endings - and the official clients still parse them, so gateway SSE re-chunking can
// be tested against every framing.

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startMockProvider, type MockServer } from "../../host/mock/index.ts";
import { ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY, parseSse, rawRequest } from "./helpers.ts";

let mock: MockServer;

before(async () => {
  mock = await startMockProvider({ now: () => 1_700_000_000_000 });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

const auth = { authorization: `Bearer ${OPENAI_KEY}` };
const body = { model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "héllo wörld, 日本語のテキスト" }] };

async function reference(): Promise<string> {
  mock.state.reset();
  const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: auth, body });
  mock.state.reset();
  return r.body;
}

describe("chunk sizes", () => {
  it("chunks=7 with a delay: every write is 7 bytes (the last may be shorter), same bytes overall", async () => {
    const whole = await reference();
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "chunks=7;chunk-delay=3" }, body });
    assert.equal(r.body, whole);
    const sizes = r.chunks.map((c) => c.length);
    assert.ok(sizes.slice(0, -1).every((n) => n === 7), `sizes ${sizes.join(",")}`);
    assert.ok(sizes.at(-1)! <= 7);
  });

  it("chunks=1,3,64 uses the sizes in order and repeats the last", async () => {
    const whole = await reference();
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "chunks=1,3,64;chunk-delay=3" }, body });
    assert.equal(r.body, whole);
    assert.deepEqual(r.chunks.slice(0, 3).map((c) => c.length), [1, 3, 64]);
  });

  it("byte-by-byte delivery splits multi-byte characters, and the OpenAI SDK still reassembles the text", async () => {
    mock.state.faults.add({ chunkSizes: [1] });
    const client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create(body as any);
    let text = "";
    let usage;
    for await (const c of stream as any) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, "echo: héllo wörld, 日本語のテキスト");
    assert.equal(usage.completion_tokens, 4);
  });

  it("events-per-chunk=3 puts three whole events in each write", async () => {
    const whole = await reference();
    const events = parseSse(whole).length;
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "events-per-chunk=3;chunk-delay=5" }, body });
    assert.equal(r.body, whole);
    assert.equal(r.chunks.length, Math.ceil(events / 3));
    for (const c of r.chunks.slice(0, -1)) assert.equal(parseSse(c.toString()).length, 3);
  });
});

describe("line endings", () => {
  it("crlf on OpenAI: every line ends in CRLF and the SDK parses it", async () => {
    const r = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "crlf" }, body });
    assert.ok(r.body.endsWith("data: [DONE]\r\n\r\n"));
    assert.ok(!/[^\r]\n/.test(r.body));
    mock.state.faults.add({ lineEnding: "crlf", chunkSizes: [5] });
    const client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    let text = "";
    for await (const c of await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "crlf ok" }] })) {
      text += c.choices[0]?.delta?.content ?? "";
    }
    assert.equal(text, "echo: crlf ok");
  });

  it("crlf on Anthropic, cut so that CR and LF land in different writes: the SDK parses it", async () => {
    mock.state.faults.add({ lineEnding: "crlf", chunkSizes: [2, 3, 5, 7], chunkDelayMs: 1 });
    const client = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: mock.url, maxRetries: 0 });
    const final = await client.messages.stream({ model: "c", max_tokens: 50, messages: [{ role: "user", content: "split me" }] }).finalMessage();
    assert.deepEqual(final.content, [{ type: "text", text: "echo: split me" }]);
    assert.equal(final.usage.output_tokens, 3);
  });

  it("Gemini defaults to CRLF; lf switches it to LF", async () => {
    const req = { headers: { "x-goog-api-key": GEMINI_KEY, "x-mock-fault": "lf" }, body: { contents: [{ role: "user", parts: [{ text: "x" }] }] } };
    const r = await rawRequest(mock.url, "/v1beta/models/g:streamGenerateContent?alt=sse", req);
    assert.ok(!r.body.includes("\r"));
    assert.ok(r.body.endsWith("}\n\n"));
  });
});

describe("gzip", () => {
  it("compresses JSON and streams (flushed per event) only when the request accepts gzip; clients decode them", async () => {
    const plain = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "x-mock-fault": "gzip" }, body: { model: "m", messages: [{ role: "user", content: "z" }] } });
    assert.equal(plain.headers["content-encoding"], undefined, "no accept-encoding: no gzip");
    const json = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "accept-encoding": "gzip", "x-mock-fault": "gzip" }, body: { model: "m", messages: [{ role: "user", content: "z" }] } });
    assert.equal(json.headers["content-encoding"], "gzip");
    const raw = Buffer.concat(json.chunks);
    assert.equal(Number(json.headers["content-length"]), raw.length);
    assert.equal(JSON.parse(zlib.gunzipSync(raw).toString()).choices[0].message.content, "echo: z");
    const whole = await reference();
    const stream = await rawRequest(mock.url, "/v1/chat/completions", { headers: { ...auth, "accept-encoding": "gzip, deflate", "x-mock-fault": "gzip;chunk-delay=2;events-per-chunk=1" }, body });
    assert.equal(zlib.gunzipSync(Buffer.concat(stream.chunks)).toString(), whole);
    // The SDK (fetch) decodes gzip itself and still parses the stream.
    mock.state.faults.add({ gzip: true });
    const client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    let text = "";
    for await (const c of await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "gz ok" }] })) text += c.choices[0]?.delta?.content ?? "";
    assert.equal(text, "echo: gz ok");
    assert.match(mock.state.lastRequest()!.headers["accept-encoding"], /gzip/);
  });
});
