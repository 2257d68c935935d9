// The Anthropic upstream driven by the official `@anthropic-ai/sdk` client: messages, streaming
// (raw events and the SDK's accumulator), tools, thinking, prompt caching, errors.

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import Anthropic, { APIError, AuthenticationError, BadRequestError, NotFoundError, OverloadedError, RateLimitError } from "@anthropic-ai/sdk";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { ANTHROPIC_KEY, parseSse, rawRequest } from "./helpers.ts";

let mock: MockServer;
let client: Anthropic;

before(async () => {
  mock = await startUpstream("anthropic", { keys: [ANTHROPIC_KEY], models: ["claude-test", "claude-other"] });
  client = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: mock.url, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

const weather = { name: "get_weather", description: "Weather", input_schema: { type: "object" as const, properties: { city: { type: "string" }, days: { type: "integer" } } } };
const time = { name: "get_time", input_schema: { type: "object" as const, properties: { zone: { type: "string", enum: ["UTC"] } } } };

describe("anthropic messages (non-streaming)", () => {
  it("answers a message with text content, stop_reason and usage; records the headers", async () => {
    const msg = await client.messages.create({ model: "claude-test", max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Hello world" }] });
    assert.deepEqual(msg, {
      id: "msg_mock000001", type: "message", role: "assistant", model: "claude-test",
      content: [{ type: "text", text: "echo: Hello world" }],
      stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3, service_tier: "standard" },
    });
    const rec = mock.state.lastRequest()!;
    assert.equal(rec.path, "/v1/messages");
    // The official SDK 1.12 sends the key as a Bearer token (the mock takes it there or in x-api-key).
    assert.equal(rec.headers["x-api-key"] ?? rec.headers.authorization, `Bearer ${ANTHROPIC_KEY}`.slice(rec.headers["x-api-key"] ? 7 : 0));
    assert.match(rec.headers["anthropic-version"], /^\d{4}-\d{2}-\d{2}$/);
    assert.equal((rec.body as any).max_tokens, 100);
  });

  it("max_tokens and stop_sequences give stop_reason max_tokens / stop_sequence", async () => {
    const cut = await client.messages.create({ model: "claude-test", max_tokens: 2, messages: [{ role: "user", content: "one two three" }] });
    assert.equal(cut.stop_reason, "max_tokens");
    assert.deepEqual(cut.content, [{ type: "text", text: "echo: one" }]);
    const stop = await client.messages.create({ model: "claude-test", max_tokens: 50, stop_sequences: ["two"], messages: [{ role: "user", content: "one two three" }] });
    assert.equal(stop.stop_reason, "stop_sequence");
    assert.equal(stop.stop_sequence, "two");
    assert.deepEqual(stop.content, [{ type: "text", text: "echo: one " }]);
  });

  it("tool_use blocks with object input; tool_result answers are echoed", async () => {
    const msg = await client.messages.create({ model: "claude-test", max_tokens: 100, tools: [weather, time], messages: [{ role: "user", content: "Oslo get_weather get_time" }] });
    assert.equal(msg.stop_reason, "tool_use");
    assert.deepEqual(msg.content.map((b: any) => [b.type, b.id, b.name, b.input]), [
      ["tool_use", "toolu_mock000001_0", "get_weather", { city: "Oslo get_weather get_time", days: 1 }],
      ["tool_use", "toolu_mock000001_1", "get_time", { zone: "UTC" }],
    ]);
    const next = await client.messages.create({
      model: "claude-test", max_tokens: 100, tools: [weather, time],
      messages: [
        { role: "user", content: "Oslo get_weather get_time" },
        { role: "assistant", content: msg.content as any },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "toolu_mock000001_0", content: "rain" },
          { type: "tool_result", tool_use_id: "toolu_mock000001_1", content: [{ type: "text", text: "12:00" }] },
        ] },
      ],
    });
    assert.deepEqual(next.content, [{ type: "text", text: "echo: rain\n12:00" }]);
  });

  it("tool_choice: tool forces a named tool, any the first, none answers text; disable_parallel_tool_use keeps one", async () => {
    const base = { model: "claude-test", max_tokens: 100, tools: [weather, time] };
    const named = await client.messages.create({ ...base, tool_choice: { type: "tool", name: "get_time" }, messages: [{ role: "user", content: "x" }] });
    assert.deepEqual(named.content.map((b: any) => b.name), ["get_time"]);
    const any = await client.messages.create({ ...base, tool_choice: { type: "any" }, messages: [{ role: "user", content: "x" }] });
    assert.deepEqual(any.content.map((b: any) => b.name), ["get_weather"]);
    const none = await client.messages.create({ ...base, tool_choice: { type: "none" }, messages: [{ role: "user", content: "get_time" }] });
    assert.equal(none.stop_reason, "end_turn");
    const one = await client.messages.create({ ...base, tool_choice: { type: "auto", disable_parallel_tool_use: true }, messages: [{ role: "user", content: "get_time get_weather" }] });
    assert.equal(one.content.length, 1);
  });

  it("thinking adds a signed thinking block counted in output_tokens", async () => {
    const msg = await client.messages.create({ model: "claude-test", max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "why" }] });
    assert.equal(msg.content[0].type, "thinking");
    assert.equal((msg.content[0] as any).thinking, "thinking: why");
    assert.ok((msg.content[0] as any).signature.length > 0);
    assert.deepEqual(msg.content[1], { type: "text", text: "echo: why" });
    assert.equal(msg.usage.output_tokens, 5); // "thinking" ":" " why" + "echo:" " why"
  });

  it("prompt caching: the prefix up to the last cache_control is written once, then read", async () => {
    const req = {
      model: "claude-test", max_tokens: 10,
      system: [{ type: "text" as const, text: "A long shared system prompt here", cache_control: { type: "ephemeral" as const } }],
      messages: [{ role: "user" as const, content: "q1" }],
    };
    const first = await client.messages.create(req);
    const second = await client.messages.create({ ...req, messages: [{ role: "user", content: "q2 now" }] });
    assert.deepEqual([first.usage.input_tokens, first.usage.cache_creation_input_tokens, first.usage.cache_read_input_tokens], [1, 6, 0]);
    assert.deepEqual([second.usage.input_tokens, second.usage.cache_creation_input_tokens, second.usage.cache_read_input_tokens], [2, 0, 6]);
  });

  it("count_tokens counts the prompt", async () => {
    const res = await client.messages.countTokens({ model: "claude-test", system: "Be brief.", messages: [{ role: "user", content: "Hello world" }] });
    assert.deepEqual(res, { input_tokens: 4 });
  });
});

describe("anthropic messages (streaming)", () => {
  it("sends the named events in order with cumulative usage in message_delta", async () => {
    const raw = await rawRequest(mock.url, "/v1/messages", {
      headers: { "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01" },
      body: { model: "claude-test", max_tokens: 100, stream: true, messages: [{ role: "user", content: "Hello world" }] },
    });
    assert.equal(raw.headers["content-type"], "text/event-stream; charset=utf-8");
    const events = parseSse(raw.body);
    assert.deepEqual(events.map((e) => e.event), [
      "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_stop", "message_delta", "message_stop",
    ]);
    for (const e of events) assert.equal(JSON.parse(e.data).type, e.event);
    const start = JSON.parse(events[0].data).message;
    assert.deepEqual([start.content, start.stop_reason, start.usage.input_tokens, start.usage.output_tokens], [[], null, 2, 1]);
    assert.deepEqual(JSON.parse(events[3].data), { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "echo:" } });
    const delta = JSON.parse(events[7].data);
    assert.deepEqual(delta.delta, { stop_reason: "end_turn", stop_sequence: null });
    assert.equal(delta.usage.output_tokens, 3);
    assert.ok(raw.body.includes('event: ping\ndata: {"type": "ping"}\n\n'));
  });

  it("the SDK's MessageStream accumulates the same message as the non-streaming answer", async () => {
    const params = { model: "claude-test", max_tokens: 100, thinking: { type: "enabled" as const, budget_tokens: 50 }, messages: [{ role: "user" as const, content: "Hi there" }] };
    const texts: string[] = [];
    const stream = client.messages.stream(params).on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    const plain = await client.messages.create(params);
    assert.deepEqual(texts, ["echo:", " Hi", " there"]);
    const pick = (m: any) => ({ type: m.type, role: m.role, model: m.model, content: m.content, stop_reason: m.stop_reason, stop_sequence: m.stop_sequence, usage: m.usage });
    assert.deepEqual(pick(final), pick(plain));
  });

  it("streams tool_use input as input_json_delta pieces that the SDK parses back into the object", async () => {
    const stream = client.messages.stream({ model: "claude-test", max_tokens: 100, tools: [weather], messages: [{ role: "user", content: "get_weather in Rome" }] });
    const jsonPieces: string[] = [];
    stream.on("inputJson", (piece) => jsonPieces.push(piece));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, "tool_use");
    assert.deepEqual((final.content[0] as any).input, { city: "get_weather in Rome", days: 1 });
    assert.ok(jsonPieces.length > 2);
    assert.equal(jsonPieces.join(""), '{"city":"get_weather in Rome","days":1}');
  });

  it("a mid-stream error event reaches the SDK as an APIError of type overloaded_error", async () => {
    mock.state.faults.add({ errorAfterEvents: 4 });
    const stream = await client.messages.create({ model: "claude-test", max_tokens: 100, stream: true, messages: [{ role: "user", content: "hi" }] });
    const types: string[] = [];
    await assert.rejects((async () => { for await (const e of stream) types.push(e.type); })(), (e: any) => e instanceof APIError && e.type === "overloaded_error");
    assert.deepEqual(types, ["message_start", "content_block_start", "content_block_delta"]); // ping is skipped by the SDK
  });
});

describe("anthropic errors", () => {
  const msgs = [{ role: "user" as const, content: "hi" }];

  it("auth: missing key and wrong key are 401 authentication_error; missing anthropic-version is 400", async () => {
    const wrong = new Anthropic({ apiKey: "wrong", baseURL: mock.url, maxRetries: 0 });
    await assert.rejects(wrong.messages.create({ model: "claude-test", max_tokens: 5, messages: msgs }),
      (e: any) => e instanceof AuthenticationError && e.status === 401 && e.type === "authentication_error");
    const none = await rawRequest(mock.url, "/v1/messages", { headers: { "anthropic-version": "2023-06-01" }, body: { model: "claude-test", max_tokens: 5, messages: msgs } });
    assert.equal(none.status, 401);
    assert.deepEqual(JSON.parse(none.body).error, { type: "authentication_error", message: "x-api-key header is required" });
    const noVersion = await rawRequest(mock.url, "/v1/messages", { headers: { "x-api-key": ANTHROPIC_KEY }, body: { model: "claude-test", max_tokens: 5, messages: msgs } });
    assert.equal(noVersion.status, 400);
    const body = JSON.parse(noVersion.body);
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(body.request_id, noVersion.headers["request-id"]);
  });

  it("invalid requests are 400 BadRequestError: missing max_tokens, system role, unanswered tool_use, non-object input", async () => {
    const cases: [unknown, RegExp][] = [
      [{ model: "claude-test", messages: msgs }, /^max_tokens: Field required$/],
      [{ model: "claude-test", max_tokens: 5, messages: [{ role: "system", content: "x" }] }, /Unexpected role "system"/],
      [{ model: "claude-test", max_tokens: 5, messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
        { role: "user", content: "no result" },
      ] }, /`tool_use` ids were found without `tool_result` blocks immediately after: t1/],
      [{ model: "claude-test", max_tokens: 5, messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: "{}" }] }] }, /tool_use\.input: Input should be a valid dictionary/],
      [{ model: "claude-test", max_tokens: 5, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "zz", content: "r" }] }] }, /unexpected `tool_use_id`/],
    ];
    for (const [body, re] of cases) {
      await assert.rejects(client.messages.create(body as any), (e: any) => e instanceof BadRequestError && e.type === "invalid_request_error" && re.test((e.error as any).error.message));
    }
  });

  it("unknown model 404, injected 429 RateLimitError and 529 OverloadedError", async () => {
    await assert.rejects(client.messages.create({ model: "claude-nope", max_tokens: 5, messages: msgs }), (e: any) => e instanceof NotFoundError && e.type === "not_found_error");
    mock.state.faults.add({ status: 429, retryAfter: 3 });
    await assert.rejects(client.messages.create({ model: "claude-test", max_tokens: 5, messages: msgs }),
      (e: any) => e instanceof RateLimitError && e.type === "rate_limit_error" && e.headers.get("retry-after") === "3");
    mock.state.faults.add({ status: 529 });
    await assert.rejects(client.messages.create({ model: "claude-test", max_tokens: 5, messages: msgs }),
      (e: any) => e instanceof OverloadedError && e.status === 529 && e.type === "overloaded_error");
  });
});
