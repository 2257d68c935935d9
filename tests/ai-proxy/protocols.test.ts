// ai-proxy through the local runner with the official clients: same-protocol forwarding (byte
// identical except model mapping and include_usage), conversions (OpenAI <-> Anthropic, OpenAI ->
// Gemini), Azure paths and auth, key handling, bad input and unknown paths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let openai: MockServer;
let anthropic: MockServer;
let gemini: MockServer;
let gw: Gateway;

const CONFIG = {
  providers: [
    { id: "oa", type: "openai", apiTokens: ["sk-oa"], cluster: "openai", modelMapping: { "alias-*": "gpt-4o-mini" } },
    { id: "az", type: "azure", apiTokens: ["az-key"], cluster: "openai", azureServiceUrl: "https://res.openai.azure.com/openai/deployments/dep1?api-version=2024-06-01" },
    { id: "claude", type: "claude", apiTokens: ["sk-ant"], cluster: "anthropic", modelMapping: { "*": "claude-sonnet-4" } },
    { id: "gem", type: "gemini", apiTokens: ["g-key"], cluster: "gemini", modelMapping: { "*": "gemini-2.0-flash" }, geminiSafetySetting: { HARM_CATEGORY_HARASSMENT: "BLOCK_NONE" } },
    { id: "open", type: "openai", cluster: "openai" },
  ],
  activeProviderId: "oa",
  routing: {
    tags: [
      { header: "x-target", value: "azure", provider: "az" },
      { header: "x-target", value: "claude", provider: "claude" },
      { header: "x-target", value: "gemini", provider: "gem" },
      { header: "x-target", value: "open", provider: "open" },
    ],
  },
  unknownPaths: "reject",
};

before(async () => {
  openai = await startUpstream("openai", { keys: { openai: ["sk-oa", "client-own-key"], azure: ["az-key"] }, now: FIXED_NOW });
  anthropic = await startUpstream("anthropic", { keys: ["sk-ant"], now: FIXED_NOW });
  gemini = await startUpstream("gemini", { keys: ["g-key"], now: FIXED_NOW });
  gw = await startGateway({ upstreams: { openai, anthropic, gemini }, config: CONFIG });
});

after(async () => {
  await gw.close();
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

function oa(target?: string, apiKey = "client-key"): OpenAI {
  return new OpenAI({ baseURL: gw.url + "/v1", apiKey, maxRetries: 0, defaultHeaders: target ? { "x-target": target } : {} });
}

function ant(target?: string): Anthropic {
  return new Anthropic({ baseURL: gw.url, apiKey: "client-key", maxRetries: 0, defaultHeaders: target ? { "x-target": target } : {} });
}

test("OpenAI -> OpenAI: unchanged body forwarded byte for byte, key replaced", async () => {
  const raw = '{"model":"gpt-4o",  "messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"Hello"}]}';
  const res = await fetch(gw.url + "/v1/chat/completions", {
    method: "POST", body: raw, headers: { "content-type": "application/json", authorization: "Bearer client-key" },
  });
  assert.equal(res.status, 200);
  const got = openai.state.lastRequest()!;
  assert.equal(got.rawBody.toString(), raw);
  assert.equal(got.headers.authorization, "Bearer sk-oa");
  assert.equal(got.headers["x-ai-provider"], "oa");
  assert.equal(got.path, "/v1/chat/completions");
  assert.equal((await res.json()).choices[0].message.content, "echo: Hello");
});

test("OpenAI streaming: include_usage injected, usage reaches the client, model mapped", async () => {
  const stream = await oa().chat.completions.create({ model: "alias-small", stream: true, messages: [{ role: "user", content: "Hello there" }] });
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const ch of stream) {
    text += ch.choices[0]?.delta?.content ?? "";
    if (ch.usage) usage = ch.usage;
  }
  assert.equal(text, "echo: Hello there");
  assert.equal(usage?.completion_tokens, 3);
  const body = openai.state.lastRequest()!.rawBody.toString();
  assert.equal(body, '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hello there"}],"stream_options":{"include_usage":true}}');
});

test("Azure: deployment path, api-version, api-key header, developer role kept", async () => {
  const r = await oa("azure").chat.completions.create({ model: "gpt-4o", messages: [{ role: "developer", content: "x" }, { role: "user", content: "Hi" }] });
  assert.equal(r.choices[0].message.content, "echo: Hi");
  const got = openai.state.lastRequest()!;
  assert.equal(got.path, "/openai/deployments/dep1/chat/completions");
  assert.equal(got.query["api-version"], "2024-06-01");
  assert.equal(got.headers["api-key"], "az-key");
  assert.equal(got.headers.authorization, undefined);
  assert.match(got.rawBody.toString(), /"role":"developer"/);
});

test("Anthropic SDK -> Claude: same protocol, only the model changes", async () => {
  const msg = await ant("claude").messages.create({ model: "claude-x", max_tokens: 50, messages: [{ role: "user", content: "Hi there" }] });
  assert.equal((msg.content[0] as Anthropic.TextBlock).text, "echo: Hi there");
  const got = anthropic.state.lastRequest()!;
  assert.equal(got.headers["x-api-key"], "sk-ant");
  assert.equal(got.headers["anthropic-version"], "2023-06-01");
  assert.equal(got.rawBody.toString(), '{"model":"claude-sonnet-4","max_tokens":50,"messages":[{"role":"user","content":"Hi there"}]}');
});

test("OpenAI client -> Claude: converted, streaming and not", async () => {
  const r = await oa("claude").chat.completions.create({ model: "gpt-4o", messages: [{ role: "system", content: "sys" }, { role: "user", content: "Hello" }] });
  assert.equal(r.choices[0].message.content, "echo: Hello");
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.ok(r.usage && r.usage.prompt_tokens > 0);
  const sent = anthropic.state.lastRequest()!.body as Record<string, unknown>;
  assert.equal(sent.model, "claude-sonnet-4");
  assert.equal(sent.system, "sys");

  const stream = await oa("claude").chat.completions.create({ model: "gpt-4o", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Stream me" }] });
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const ch of stream) {
    text += ch.choices[0]?.delta?.content ?? "";
    if (ch.usage) usage = ch.usage;
  }
  assert.equal(text, "echo: Stream me");
  assert.equal(usage?.completion_tokens, 3);
});

test("Anthropic client -> OpenAI upstream: converted both ways, streaming", async () => {
  const msg = await ant().messages.create({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "Convert me" }] });
  assert.equal((msg.content[0] as Anthropic.TextBlock).text, "echo: Convert me");
  assert.equal(openai.state.lastRequest()!.path, "/v1/chat/completions");
  const stream = ant().messages.stream({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "Stream it" }] });
  const final = await stream.finalMessage();
  assert.equal((final.content[0] as Anthropic.TextBlock).text, "echo: Stream it");
  assert.equal(final.usage.output_tokens, 3);
});

test("OpenAI client -> Gemini: model and stream in the path, x-goog-api-key, safety settings", async () => {
  const stream = await oa("gemini").chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello Gemini" }] });
  let text = "";
  for await (const ch of stream) text += ch.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello Gemini");
  const got = gemini.state.lastRequest()!;
  assert.equal(got.path, "/v1beta/models/gemini-2.0-flash:streamGenerateContent");
  assert.equal(got.query.alt, "sse");
  assert.equal(got.headers["x-goog-api-key"], "g-key");
  assert.deepEqual((got.body as { safetySettings: unknown }).safetySettings, [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }]);
  const r = await oa("gemini").chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Once" }] });
  assert.equal(r.choices[0].message.content, "echo: Once");
  assert.equal(gemini.state.lastRequest()!.path, "/v1beta/models/gemini-2.0-flash:generateContent");
});

test("embeddings and models pass to the OpenAI upstream", async () => {
  const e = await oa().embeddings.create({ model: "text-embedding-3-small", input: "hi" });
  assert.equal(e.data[0].embedding.length, 8);
  const models = await oa().models.list();
  assert.ok(models.data.some((m) => m.id === "gpt-4o"));
  assert.equal(openai.state.lastRequest()!.headers.authorization, "Bearer sk-oa");
});

test("no apiTokens: the client's own key passes through", async () => {
  const r = await oa("open", "client-own-key").chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Mine" }] });
  assert.equal(r.choices[0].message.content, "echo: Mine");
  assert.equal(openai.state.lastRequest()!.headers.authorization, "Bearer client-own-key");
});

test("bad input gets an error in the client's protocol", async () => {
  await assert.rejects(
    oa().chat.completions.create({ model: 5 as unknown as string, messages: [] }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && /model: expected string/.test(e.message),
  );
  const res = await fetch(gw.url + "/v1/chat/completions", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.type, "invalid_request_error");
  await assert.rejects(
    ant("claude").messages.create({ model: "m", max_tokens: 5, messages: "nope" as unknown as [] }),
    (e: unknown) => e instanceof Anthropic.APIError,
  );
  // Converted route: the converter names the field.
  await assert.rejects(
    oa("claude").chat.completions.create({ model: "m", messages: [{ role: "wizard", content: "x" }] as unknown as [] }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && /messages\[0\]\.role/.test(e.message),
  );
  const viaAnthropic = await fetch(gw.url + "/v1/messages", { method: "POST", body: "[1]", headers: { "content-type": "application/json" } });
  assert.equal(viaAnthropic.status, 400);
  assert.equal((await viaAnthropic.json()).type, "error");
});

test("unknown paths are rejected when configured", async () => {
  const res = await fetch(gw.url + "/v1/images/generations", { method: "POST", body: "{}" });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "unknown_path");
});

test("upstream errors keep their status and reach the client in its protocol", async () => {
  anthropic.state.faults.add({ status: 429 });
  await assert.rejects(
    oa("claude").chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof OpenAI.RateLimitError,
  );
  openai.state.faults.add({ status: 529 as number });
  await assert.rejects(
    ant().messages.create({ model: "gpt-4o", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof Anthropic.APIError && (e as { status?: number }).status !== 200,
  );
});
