// The Gemini upstream, checked with fetch against the exact JSON and SSE shapes of the
// Generative Language API (no official Gemini client is installed).

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { GEMINI_KEY, parseSse, rawRequest } from "./helpers.ts";

let mock: MockServer;

before(async () => {
  mock = await startUpstream("gemini", { keys: [GEMINI_KEY], models: ["gemini-2.0-flash"] });
});
after(() => mock.close());
beforeEach(() => mock.state.reset());

const url = (method: string, query = "") => `${mock.url}/v1beta/models/gemini-2.0-flash:${method}${query}`;
const post = (u: string, body: unknown, headers: Record<string, string> = { "x-goog-api-key": GEMINI_KEY }) =>
  fetch(u, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const userText = (text: string) => ({ contents: [{ role: "user", parts: [{ text }] }] });

const weatherDecl = { name: "get_weather", description: "Weather", parameters: { type: "OBJECT", properties: { city: { type: "STRING" }, days: { type: "INTEGER" } } } };

describe("gemini generateContent", () => {
  it("answers candidates/parts/finishReason/usageMetadata/modelVersion/responseId, pretty-printed", async () => {
    const res = await post(url("generateContent"), { systemInstruction: { parts: [{ text: "Be brief." }] }, ...userText("Hello world") });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    const text = await res.text();
    assert.ok(text.startsWith('{\n  "candidates": [\n'));
    assert.deepEqual(JSON.parse(text), {
      candidates: [{ content: { parts: [{ text: "echo: Hello world" }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7, promptTokensDetails: [{ modality: "TEXT", tokenCount: 4 }] },
      modelVersion: "gemini-2.0-flash",
      responseId: "mock000001",
    });
    const rec = mock.state.lastRequest()!;
    assert.equal(rec.path, "/v1beta/models/gemini-2.0-flash:generateContent");
    assert.equal(rec.headers["x-goog-api-key"], GEMINI_KEY);
  });

  it("accepts the key as ?key= and snake_case fields; prettyPrint=false gives compact JSON", async () => {
    const res = await post(url("generateContent", `?key=${GEMINI_KEY}&prettyPrint=false`), {
      contents: [{ role: "user", parts: [{ text: "one two three" }] }],
      generation_config: { max_output_tokens: 2 },
    }, {});
    const text = await res.text();
    assert.ok(text.startsWith('{"candidates":[{'));
    const body = JSON.parse(text);
    assert.equal(body.candidates[0].finishReason, "MAX_TOKENS");
    assert.equal(body.candidates[0].content.parts[0].text, "echo: one");
  });

  it("calls functions as functionCall parts and echoes functionResponse parts", async () => {
    const res = await post(url("generateContent"), { tools: [{ functionDeclarations: [weatherDecl] }], ...userText("get_weather for Lima") });
    const body = await res.json();
    assert.deepEqual(body.candidates[0].content.parts, [{ functionCall: { name: "get_weather", args: { city: "get_weather for Lima", days: 1 } } }]);
    assert.equal(body.candidates[0].finishReason, "STOP");
    const next = await post(url("generateContent"), {
      tools: [{ functionDeclarations: [weatherDecl] }],
      contents: [
        { role: "user", parts: [{ text: "get_weather for Lima" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Lima" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 20 } } }] },
      ],
    });
    assert.deepEqual((await next.json()).candidates[0].content.parts, [{ text: 'echo: {"temp":20}' }]);
  });

  it("honours toolConfig ANY with allowedFunctionNames and NONE", async () => {
    const tools = [{ functionDeclarations: [weatherDecl, { name: "get_time", parameters: { type: "OBJECT", properties: {} } }] }];
    const any = await (await post(url("generateContent"), { tools, toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_time"] } }, ...userText("x") })).json();
    assert.deepEqual(any.candidates[0].content.parts, [{ functionCall: { name: "get_time", args: {} } }]);
    const none = await (await post(url("generateContent"), { tools, toolConfig: { functionCallingConfig: { mode: "NONE" } }, ...userText("get_weather") })).json();
    assert.deepEqual(none.candidates[0].content.parts, [{ text: "echo: get_weather" }]);
  });

  it("reports cachedContentTokenCount when the same prefix comes again", async () => {
    const body = { contents: [{ role: "user", parts: [{ text: "a b c" }] }, { role: "model", parts: [{ text: "d" }] }, { role: "user", parts: [{ text: "e" }] }] };
    const first = await (await post(url("generateContent"), body)).json();
    const second = await (await post(url("generateContent"), body)).json();
    assert.equal(first.usageMetadata.cachedContentTokenCount, undefined);
    assert.equal(second.usageMetadata.cachedContentTokenCount, 4);
    assert.equal(second.usageMetadata.promptTokenCount, 5);
  });

  it("countTokens counts the prompt", async () => {
    assert.deepEqual(await (await post(url("countTokens"), userText("Hello world"))).json(), { totalTokens: 2 });
  });
});

describe("gemini streamGenerateContent", () => {
  it("alt=sse: one whole response per data line, CRLF framing, cumulative usage, finishReason on the last", async () => {
    const raw = await rawRequest(mock.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {
      headers: { "x-goog-api-key": GEMINI_KEY },
      body: userText("Hello world"),
    });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers["content-type"], "text/event-stream");
    assert.ok(raw.body.startsWith('data: {"candidates": [{"content": {"parts": [{"text": "echo:"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 2,"candidatesTokenCount": 1,"totalTokenCount": 3,'));
    assert.ok(raw.body.endsWith("}\r\n\r\n"));
    assert.ok(!/[^\r]\n/.test(raw.body), "every line ends with CRLF");
    const events = parseSse(raw.body).map((e) => JSON.parse(e.data));
    assert.deepEqual(events.map((e) => e.candidates[0].content.parts[0].text), ["echo:", " Hello", " world"]);
    assert.deepEqual(events.map((e) => e.usageMetadata.candidatesTokenCount), [1, 2, 3]);
    assert.deepEqual(events.map((e) => e.usageMetadata.totalTokenCount), [3, 4, 5]);
    assert.deepEqual(events.map((e) => e.candidates[0].finishReason), [undefined, undefined, "STOP"]);
    for (const e of events) {
      assert.equal(e.modelVersion, "gemini-2.0-flash");
      assert.equal(e.responseId, "mock000001");
    }
  });

  it("alt=sse with tools: the functionCall comes whole in one event", async () => {
    const raw = await rawRequest(mock.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {
      headers: { "x-goog-api-key": GEMINI_KEY },
      body: { tools: [{ functionDeclarations: [weatherDecl] }], ...userText("get_weather") },
    });
    const events = parseSse(raw.body).map((e) => JSON.parse(e.data));
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].candidates[0].content.parts, [{ functionCall: { name: "get_weather", args: { city: "get_weather", days: 1 } } }]);
    assert.equal(events[0].candidates[0].finishReason, "STOP");
  });

  it("without alt=sse the stream is one JSON array", async () => {
    const res = await post(url("streamGenerateContent"), userText("Hi"));
    const arr = JSON.parse(await res.text());
    assert.ok(Array.isArray(arr));
    assert.deepEqual(arr.map((r: any) => r.candidates[0].content.parts[0].text), ["echo:", " Hi"]);
  });
});

describe("gemini errors", () => {
  it("no key is 403 PERMISSION_DENIED; a wrong key is 400 API_KEY_INVALID with details", async () => {
    const none = await post(url("generateContent"), userText("x"), {});
    assert.equal(none.status, 403);
    assert.deepEqual(await none.json(), {
      error: {
        code: 403,
        message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        status: "PERMISSION_DENIED",
      },
    });
    const wrong = await post(url("generateContent"), userText("x"), { "x-goog-api-key": "nope" });
    assert.equal(wrong.status, 400);
    const err = (await wrong.json()).error;
    assert.deepEqual([err.code, err.message, err.status, err.details[0].reason], [400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", "API_KEY_INVALID"]);
  });

  it("rejects unknown fields, empty contents, bad roles, unknown models", async () => {
    const unknown = await (await post(url("generateContent"), { messages: [] })).json();
    assert.deepEqual([unknown.error.code, unknown.error.status], [400, "INVALID_ARGUMENT"]);
    assert.match(unknown.error.message, /Unknown name "messages": Cannot find field/);
    const empty = await (await post(url("generateContent"), { contents: [] })).json();
    assert.match(empty.error.message, /contents is not specified/);
    const role = await (await post(url("generateContent"), { contents: [{ role: "assistant", parts: [{ text: "x" }] }] })).json();
    assert.equal(role.error.message, "Please use a valid role: user, model.");
    const model = await post(`${mock.url}/v1beta/models/gemini-9:generateContent`, userText("x"));
    assert.equal(model.status, 404);
    assert.equal((await model.json()).error.status, "NOT_FOUND");
  });

  it("injected 429 is RESOURCE_EXHAUSTED; a mid-stream error is a data line with an error object", async () => {
    mock.state.faults.add({ status: 429 });
    const limited = await post(url("generateContent"), userText("x"));
    assert.equal(limited.status, 429);
    assert.deepEqual(await limited.json(), { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } });
    const raw = await rawRequest(mock.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {
      headers: { "x-goog-api-key": GEMINI_KEY, "x-mock-fault": "error-after=1" },
      body: userText("a b c"),
    });
    const events = parseSse(raw.body).map((e) => JSON.parse(e.data));
    assert.equal(events.length, 2);
    assert.deepEqual(events[1].error.status, "INTERNAL");
  });
});
