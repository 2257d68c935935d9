// The OpenAI upstream beyond chat: completions, embeddings, models, Azure, and errors, all through
// the official `openai` client (errors must come out as the SDK's classes with the right status).

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { AzureOpenAI } from "openai";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { OPENAI_KEY, parseSse, rawRequest } from "./helpers.ts";

let mock: MockServer;
let client: OpenAI;

before(async () => {
  mock = await startUpstream("openai", { keys: { openai: [OPENAI_KEY], azure: ["azure-key"] }, models: ["gpt-4o-mini", "text-embedding-3-small", "dep1"] });
  client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

describe("openai completions, embeddings, models", () => {
  it("legacy completions: echo, default max_tokens 16, streaming deltas", async () => {
    const res = await client.completions.create({ model: "gpt-4o-mini", prompt: "Say this" });
    assert.equal(res.object, "text_completion");
    assert.deepEqual(res.choices, [{ text: "echo: Say this", index: 0, logprobs: null, finish_reason: "stop" }]);
    assert.deepEqual(res.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    const long = await client.completions.create({ model: "gpt-4o-mini", prompt: "a ".repeat(30) });
    assert.equal(long.choices[0].finish_reason, "length");
    assert.equal(long.usage?.completion_tokens, 16);
    const stream = await client.completions.create({ model: "gpt-4o-mini", prompt: "Say this", stream: true, stream_options: { include_usage: true } });
    const texts: string[] = [];
    let usage;
    for await (const c of stream) {
      if (c.choices.length > 0) texts.push(c.choices[0].text);
      else usage = c.usage;
    }
    assert.deepEqual(texts, ["echo:", " Say", " this", ""]);
    assert.equal(usage?.total_tokens, 5);
  });

  it("embeddings: the SDK's default base64 encoding decodes to the same numbers as encoding_format float", async () => {
    const b64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"] });
    assert.equal((mock.state.lastRequest()!.body as any).encoding_format, "base64");
    const flt = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"], encoding_format: "float" });
    assert.equal(b64.object, "list");
    assert.equal(b64.data.length, 2);
    assert.deepEqual(b64.data.map((d) => [d.object, d.index, d.embedding.length]), [["embedding", 0, 8], ["embedding", 1, 8]]);
    assert.deepEqual(Array.from(b64.data[1].embedding), flt.data[1].embedding);
    assert.notDeepEqual(flt.data[0].embedding, flt.data[1].embedding);
    assert.deepEqual(flt.usage, { prompt_tokens: 2, total_tokens: 2 });
    const dims = await client.embeddings.create({ model: "text-embedding-3-small", input: "x", dimensions: 3, encoding_format: "float" });
    assert.equal(dims.data[0].embedding.length, 3);
  });

  it("models: list and retrieve; unknown id is a NotFoundError", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ["gpt-4o-mini", "text-embedding-3-small", "dep1"]);
    const m = await client.models.retrieve("dep1");
    assert.deepEqual(m, { id: "dep1", object: "model", created: 1700000000, owned_by: "system" });
    await assert.rejects(client.models.retrieve("nope"), (e: any) => e instanceof OpenAI.NotFoundError && e.code === "model_not_found");
  });
});

describe("azure openai", () => {
  const azure = () => new AzureOpenAI({ apiKey: "azure-key", endpoint: mock.url, apiVersion: "2024-10-21", deployment: "dep1", maxRetries: 0 });

  it("serves /openai/deployments/<d>/chat/completions with api-key, content filter results included", async () => {
    const res = await azure().chat.completions.create({ model: "ignored", messages: [{ role: "user", content: "hi azure" }] });
    assert.equal(res.choices[0].message.content, "echo: hi azure");
    assert.equal(res.model, "dep1");
    assert.ok((res as any).prompt_filter_results);
    const rec = mock.state.lastRequest()!;
    assert.equal(rec.path, "/openai/deployments/dep1/chat/completions");
    assert.equal(rec.query["api-version"], "2024-10-21");
    assert.equal(rec.headers["api-key"], "azure-key");
  });

  it("streams with Azure's leading chunk that has empty choices and prompt_filter_results", async () => {
    const stream = await azure().chat.completions.create({ model: "x", stream: true, messages: [{ role: "user", content: "hi" }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.deepEqual(chunks[0].choices, []);
    assert.equal(chunks[0].id, "");
    assert.ok((chunks[0] as any).prompt_filter_results);
    assert.equal(chunks.slice(1).map((c) => c.choices[0].delta.content ?? "").join(""), "echo: hi");
  });

  it("Azure errors: wrong key 401, no api-version 404, unknown deployment 404", async () => {
    const bad = new AzureOpenAI({ apiKey: "wrong", endpoint: mock.url, apiVersion: "2024-10-21", deployment: "dep1", maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: "x", messages: [{ role: "user", content: "hi" }] }),
      (e: any) => e instanceof OpenAI.AuthenticationError && e.code === "401" && /Access denied/.test(e.message));
    const noVersion = await rawRequest(mock.url, "/openai/deployments/dep1/chat/completions", { headers: { "api-key": "azure-key" }, body: { messages: [] } });
    assert.equal(noVersion.status, 404);
    assert.deepEqual(JSON.parse(noVersion.body), { error: { code: "404", message: "Resource not found" } });
    const other = new AzureOpenAI({ apiKey: "azure-key", endpoint: mock.url, apiVersion: "2024-10-21", deployment: "nope", maxRetries: 0 });
    await assert.rejects(other.chat.completions.create({ model: "x", messages: [{ role: "user", content: "hi" }] }),
      (e: any) => e instanceof OpenAI.NotFoundError && e.code === "DeploymentNotFound");
  });
});

describe("openai errors", () => {
  const msg = [{ role: "user" as const, content: "hi" }];

  it("missing or wrong key: 401 AuthenticationError (invalid_api_key for a wrong key, masked in the message)", async () => {
    const wrong = new OpenAI({ apiKey: "sk-wrong-key-123456", baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await assert.rejects(wrong.chat.completions.create({ model: "gpt-4o-mini", messages: msg }), (e: any) => {
      assert.ok(e instanceof OpenAI.AuthenticationError);
      assert.equal(e.status, 401);
      assert.equal(e.code, "invalid_api_key");
      assert.equal(e.type, "invalid_request_error");
      assert.ok(!e.message.includes("sk-wrong-key-123456"));
      assert.match(e.message, /sk-\*+3456/);
      return true;
    });
    const none = await rawRequest(mock.url, "/v1/chat/completions", { body: { model: "gpt-4o-mini", messages: msg } });
    assert.equal(none.status, 401);
    assert.match(JSON.parse(none.body).error.message, /^You didn't provide an API key/);
  });

  it("bad requests: 400 BadRequestError naming the param", async () => {
    await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini" } as any),
      (e: any) => e instanceof OpenAI.BadRequestError && e.param === "messages" && e.code === "missing_required_parameter");
    await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini", messages: msg, stream_options: { include_usage: true } } as any),
      (e: any) => e instanceof OpenAI.BadRequestError && e.param === "stream_options");
    await assert.rejects(
      client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "c1", content: "r" }] }),
      (e: any) => e instanceof OpenAI.BadRequestError && /must be a response to a preceeding message with 'tool_calls'/.test(e.message),
    );
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "assistant", tool_calls: [{ id: "c9", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "user", content: "x" }],
      }),
      (e: any) => e instanceof OpenAI.BadRequestError && /did not have response messages: c9/.test(e.message),
    );
    const bad = await rawRequest(mock.url, "/v1/chat/completions", { headers: { authorization: `Bearer ${OPENAI_KEY}` }, body: "{not json" });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /^We could not parse the JSON body/);
  });

  it("unknown model 404 NotFoundError; unknown path 404 'Invalid URL'; wrong method 405", async () => {
    await assert.rejects(client.chat.completions.create({ model: "gpt-9", messages: msg }),
      (e: any) => e instanceof OpenAI.NotFoundError && e.code === "model_not_found");
    const path = await rawRequest(mock.url, "/v1/nothing", { headers: { authorization: `Bearer ${OPENAI_KEY}` }, body: {} });
    assert.equal(path.status, 404);
    assert.equal(JSON.parse(path.body).error.message, "Invalid URL (POST /v1/nothing)");
    const get = await rawRequest(mock.url, "/v1/chat/completions", { headers: { authorization: `Bearer ${OPENAI_KEY}` } });
    assert.equal(get.status, 405);
  });

  it("injected statuses come out as the SDK's classes: 429 RateLimitError, 500/503 InternalServerError", async () => {
    mock.state.faults.add({ status: 429, retryAfter: 7 });
    await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini", messages: msg }), (e: any) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.code, "rate_limit_exceeded");
      assert.equal(e.type, "requests");
      assert.equal(e.headers.get("retry-after"), "7");
      return true;
    });
    mock.state.faults.add({ status: 500 });
    await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini", messages: msg }), (e: any) => e instanceof OpenAI.InternalServerError && e.status === 500);
    const res = await client.chat.completions.create({ model: "gpt-4o-mini", messages: msg });
    assert.equal(res.choices[0].message.content, "echo: hi");
  });

  it("an error in the middle of a stream reaches the SDK as an APIError", async () => {
    mock.state.faults.add({ errorAfterEvents: 2 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: msg });
    const got: string[] = [];
    await assert.rejects(
      (async () => { for await (const c of stream) got.push(c.choices[0].delta.content ?? ""); })(),
      (e: any) => e instanceof OpenAI.APIError && /server had an error/.test(e.message),
    );
    assert.deepEqual(got, ["", "echo:"]);
    const raw = await rawRequest(mock.url, "/v1/chat/completions", {
      headers: { authorization: `Bearer ${OPENAI_KEY}`, "x-mock-fault": "error-after=1" },
      body: { model: "gpt-4o-mini", stream: true, messages: msg },
    });
    const events = parseSse(raw.body);
    assert.equal(events.length, 2);
    assert.equal(JSON.parse(events[1].data).error.type, "server_error");
  });
});
