// The OpenAI upstream driven by the official `openai` client: chat completions, streaming, tools.

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { OPENAI_KEY, rawRequest, parseSse, timeTool, weatherTool } from "./helpers.ts";

let mock: MockServer;
let client: OpenAI;

before(async () => {
  mock = await startUpstream("openai", { keys: [OPENAI_KEY], now: () => 1_700_000_123_456 });
  client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

describe("openai chat completions (non-streaming)", () => {
  it("echoes the last user message with consistent usage, and records the request", async () => {
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello world" }],
    });
    assert.equal(res.id, "chatcmpl-mock000001");
    assert.equal(res.object, "chat.completion");
    assert.equal(res.created, 1_700_000_123);
    assert.equal(res.model, "gpt-4o-mini");
    assert.deepEqual(res.choices, [
      { index: 0, message: { role: "assistant", content: "echo: Hello world", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" },
    ]);
    assert.equal(res.usage?.prompt_tokens, 4); // "Be", " brief." + "Hello", " world"
    assert.equal(res.usage?.completion_tokens, 3); // "echo:", " Hello", " world"
    assert.equal(res.usage?.total_tokens, 7);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 0);
    const rec = mock.state.lastRequest()!;
    assert.equal(rec.method, "POST");
    assert.equal(rec.path, "/v1/chat/completions");
    assert.equal(rec.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.deepEqual((rec.body as any).messages[1], { role: "user", content: "Hello world" });
    assert.equal(rec.status, 200);
  });

  it("answers pretty-printed JSON with an x-request-id header", async () => {
    const raw = await rawRequest(mock.url, "/v1/chat/completions", {
      headers: { authorization: `Bearer ${OPENAI_KEY}` },
      body: { model: "m", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(raw.status, 200);
    assert.match(raw.headers["content-type"]!, /^application\/json/);
    assert.equal(raw.headers["x-request-id"], "req_mock000001");
    assert.ok(raw.body.startsWith('{\n  "id": "chatcmpl-mock000001",\n'));
  });

  it("cuts at max_tokens with finish_reason length, and before a stop sequence", async () => {
    const long = await client.chat.completions.create({ model: "m", max_tokens: 2, messages: [{ role: "user", content: "one two three" }] });
    assert.equal(long.choices[0].message.content, "echo: one");
    assert.equal(long.choices[0].finish_reason, "length");
    assert.equal(long.usage?.completion_tokens, 2);
    const stopped = await client.chat.completions.create({ model: "m", stop: ["three"], messages: [{ role: "user", content: "one two three" }] });
    assert.equal(stopped.choices[0].message.content, "echo: one two ");
    assert.equal(stopped.choices[0].finish_reason, "stop");
  });

  it("returns n choices and counts their tokens", async () => {
    const res = await client.chat.completions.create({ model: "m", n: 2, messages: [{ role: "user", content: "hi" }] });
    assert.deepEqual(res.choices.map((c) => [c.index, c.message.content]), [[0, "echo: hi"], [1, "echo: hi"]]);
    assert.equal(res.usage?.completion_tokens, 4);
  });

  it("reports cached prompt tokens when the same conversation prefix comes again", async () => {
    const messages = [
      { role: "system" as const, content: "You are a cache test." },
      { role: "user" as const, content: "first question" },
    ];
    const first = await client.chat.completions.create({ model: "m", messages });
    const second = await client.chat.completions.create({ model: "m", messages });
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, 5); // the system message
    assert.equal(second.usage?.prompt_tokens, 7);
  });

  it("answers structured output from the json_schema", async () => {
    const res = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Ada" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "person", schema: { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } } } },
      },
    });
    assert.deepEqual(JSON.parse(res.choices[0].message.content!), { name: "Ada", age: 1 });
  });
});

describe("openai chat completions (streaming)", () => {
  it("streams a role delta, one content delta per token, then finish_reason; no usage without include_usage", async () => {
    const stream = await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "Hello world" }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.equal(chunks.length, 5);
    assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "", refusal: null });
    assert.deepEqual(chunks.slice(1, 4).map((c) => c.choices[0].delta.content), ["echo:", " Hello", " world"]);
    assert.deepEqual(chunks[4].choices[0], { index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    for (const c of chunks) {
      assert.equal(c.object, "chat.completion.chunk");
      assert.equal(c.id, "chatcmpl-mock000001");
      assert.ok(!("usage" in c), "no usage field without include_usage");
    }
  });

  it("with include_usage: usage null on every chunk, then a chunk with choices [] and usage, then [DONE]", async () => {
    const raw = await rawRequest(mock.url, "/v1/chat/completions", {
      headers: { authorization: `Bearer ${OPENAI_KEY}` },
      body: { model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hello world" }] },
    });
    assert.equal(raw.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.ok(raw.body.endsWith("data: [DONE]\n\n"));
    const events = parseSse(raw.body);
    assert.equal(events.at(-1)!.data, "[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(
      { p: last.usage.prompt_tokens, c: last.usage.completion_tokens, t: last.usage.total_tokens },
      { p: 2, c: 3, t: 5 },
    );
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
  });

  it("streams parallel tool calls with their arguments in pieces; the SDK accumulates them", async () => {
    const runner = client.chat.completions.stream({
      model: "m",
      messages: [{ role: "user", content: "Paris: get_weather and get_time please" }],
      tools: [weatherTool, timeTool],
    });
    const final = await runner.finalChatCompletion();
    const msg = final.choices[0].message;
    assert.equal(final.choices[0].finish_reason, "tool_calls");
    assert.equal(msg.content, null);
    assert.deepEqual(
      msg.tool_calls!.map((t) => [t.id, t.type, (t as any).function.name, JSON.parse((t as any).function.arguments)]),
      [
        ["call_mock000001_0_0", "function", "get_weather", { city: "Paris: get_weather and get_time please", days: 1 }],
        ["call_mock000001_0_1", "function", "get_time", { zone: "UTC", exact: true }],
      ],
    );
  });

  it("sends tool_calls deltas in the documented order: id/name first, then argument pieces", async () => {
    const stream = await client.chat.completions.create({
      model: "m", stream: true, messages: [{ role: "user", content: "get_weather" }], tools: [weatherTool],
    });
    const deltas = [];
    for await (const c of stream) deltas.push(c.choices[0]?.delta);
    assert.deepEqual(deltas[0], {
      role: "assistant", content: null, refusal: null,
      tool_calls: [{ index: 0, id: "call_mock000001_0_0", type: "function", function: { name: "get_weather", arguments: "" } }],
    });
    const pieces = deltas.slice(1, -1).map((d) => d!.tool_calls![0].function!.arguments);
    assert.ok(pieces.length > 1);
    assert.equal(pieces.join(""), '{"city":"get_weather","days":1}');
  });
});

describe("openai tools", () => {
  it("a named tool_choice forces the tool and reports finish_reason stop (as OpenAI does)", async () => {
    const res = await client.chat.completions.create({
      model: "m", messages: [{ role: "user", content: "anything" }], tools: [weatherTool, timeTool],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    assert.equal(res.choices[0].finish_reason, "stop");
    assert.equal((res.choices[0].message.tool_calls![0] as any).function.name, "get_time");
  });

  it("required calls the first tool; none and auto-without-mention answer text; parallel_tool_calls=false keeps one", async () => {
    const base = { model: "m", tools: [weatherTool, timeTool] };
    const req = await client.chat.completions.create({ ...base, tool_choice: "required", messages: [{ role: "user", content: "x" }] });
    assert.equal((req.choices[0].message.tool_calls![0] as any).function.name, "get_weather");
    const none = await client.chat.completions.create({ ...base, tool_choice: "none", messages: [{ role: "user", content: "get_weather" }] });
    assert.equal(none.choices[0].message.content, "echo: get_weather");
    const auto = await client.chat.completions.create({ ...base, messages: [{ role: "user", content: "weather?" }] });
    assert.equal(auto.choices[0].message.tool_calls, undefined);
    const one = await client.chat.completions.create({ ...base, parallel_tool_calls: false, messages: [{ role: "user", content: "get_time get_weather" }] });
    assert.equal(one.choices[0].message.tool_calls!.length, 1);
  });

  it("answers tool results with their text (a complete tool loop)", async () => {
    const res = await client.chat.completions.create({
      model: "m",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "get_weather" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "rain, 4C" },
      ],
    });
    assert.equal(res.choices[0].message.content, "echo: rain, 4C");
    assert.equal(res.choices[0].finish_reason, "stop");
  });
});
