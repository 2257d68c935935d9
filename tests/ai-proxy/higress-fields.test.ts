// Higress provider fields that change what goes up or comes back: customSettings (request body
// parameters per provider, auto-mapped per protocol), geminiThinkingBudget, reasoningContentMode
// (reasoning_content of DeepSeek-style answers, whole and streamed), and `context` accepted with a
// warning. Each test fails on a build that accepts the field and ignores it.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let oa: MockServer;
let gem: MockServer;
let ant: MockServer;
let deepseek: http.Server & { port: number; bodies: unknown[] };
let gw: Gateway;
const logLines: string[] = [];

/** A DeepSeek-style upstream: reasoning_content beside content, whole and streamed. */
function startDeepSeek(): Promise<typeof deepseek> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw);
      bodies.push(body);
      const base = { id: "ds-1", created: 1_700_000_000, model: "deepseek-reasoner", system_fingerprint: "fp_1" };
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          ...base, object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: "Paris", reasoning_content: "The capital is Paris." }, logprobs: null, finish_reason: "stop" }],
          usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 5 } },
        }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
      const chunk = (delta: unknown, finish: string | null = null) =>
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: "assistant", content: null, reasoning_content: "" }));
      res.write(chunk({ content: null, reasoning_content: "The capital" }) + chunk({ content: null, reasoning_content: " is Paris." }));
      res.write(chunk({ content: "Par", reasoning_content: null }));
      res.write(chunk({ content: "is", reasoning_content: null }, "stop"));
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    resolve(Object.assign(server, { port: (server.address() as AddressInfo).port, bodies }));
  }));
}

before(async () => {
  oa = await startUpstream("openai", { now: FIXED_NOW });
  gem = await startUpstream("gemini", { now: FIXED_NOW });
  ant = await startUpstream("anthropic", { now: FIXED_NOW });
  deepseek = await startDeepSeek();
  gw = await startGateway({
    upstreams: { oa, gem, ant, ds: deepseek as unknown as MockServer },
    logLines,
    config: {
      providers: [
        {
          id: "oa", type: "openai", apiTokens: ["k"], cluster: "oa",
          context: { fileUrl: "http://files/ctx.txt", serviceName: "files.dns", servicePort: 80 },
          customSettings: [
            { name: "max_tokens", value: 64, overwrite: false },
            { name: "temperature", value: 0.2 },
            { name: "top_k", value: 5 }, // no openai entry: skipped
            { name: "metadata.team", value: "ml", mode: "raw" },
          ],
        },
        {
          id: "gem", type: "gemini", apiTokens: ["g"], cluster: "gem", geminiThinkingBudget: 512,
          customSettings: [{ name: "max_tokens", value: 99 }, { name: "top_p", value: 0.5 }],
        },
        {
          id: "claude", type: "claude", apiTokens: ["a"], cluster: "ant",
          customSettings: [{ name: "top_k", value: 5 }, { name: "seed", value: 1 }, { name: "max_tokens", value: 50, overwrite: false }],
        },
        { id: "ds-concat", type: "deepseek", apiTokens: ["d"], cluster: "ds", reasoningContentMode: "concat" },
        { id: "ds-ignore", type: "deepseek", apiTokens: ["d"], cluster: "ds", reasoningContentMode: "ignore" },
        { id: "ds-pass", type: "deepseek", apiTokens: ["d"], cluster: "ds" },
      ],
      activeProviderId: "oa",
      routing: {
        tags: [
          { header: "x-p", value: "gem", provider: "gem" },
          { header: "x-p", value: "claude", provider: "claude" },
          { header: "x-p", value: "concat", provider: "ds-concat" },
          { header: "x-p", value: "ignore", provider: "ds-ignore" },
          { header: "x-p", value: "pass", provider: "ds-pass" },
        ],
      },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([oa.close(), gem.close(), ant.close(), new Promise((r) => deepseek.close(r))]);
});

beforeEach(() => {
  oa.state.reset();
  gem.state.reset();
  ant.state.reset();
  deepseek.bodies.length = 0;
});

const client = (p?: string) =>
  new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: p ? { "x-p": p } : {} });

test("context is accepted with a warning naming the field", () => {
  assert.ok(logLines.some((l) => l.includes("providers[0].context: not supported, ignored")), logLines.join("\n"));
});

test("customSettings fill and override OpenAI body parameters", async () => {
  const r = await client().chat.completions.create({ model: "gpt-4o", max_tokens: 10, temperature: 1, messages: [{ role: "user", content: "hi" }] });
  assert.equal(r.choices[0].message.content, "echo: hi");
  const body = oa.state.requests[0].body as Record<string, unknown>;
  assert.equal(body.max_tokens, 10, "overwrite:false keeps the client's value");
  assert.equal(body.temperature, 0.2, "overwrite (default) replaces it");
  assert.deepEqual(body.metadata, { team: "ml" }, "raw mode writes the dotted path");
  assert.equal("top_k" in body, false, "top_k has no openai entry");
  await client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  assert.equal((oa.state.requests[1].body as Record<string, unknown>).max_tokens, 64, "filled when missing");
});

test("customSettings and geminiThinkingBudget reach Gemini's generationConfig", async () => {
  const r = await client("gem").chat.completions.create({ model: "gemini-2.5-flash", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
  assert.equal(r.object, "chat.completion");
  const gc = (gem.state.requests[0].body as { generationConfig: Record<string, unknown> }).generationConfig;
  assert.equal(gc.maxOutputTokens, 99, "max_tokens -> maxOutputTokens");
  assert.equal(gc.topP, 0.5, "top_p -> topP");
  assert.deepEqual(gc.thinkingConfig, { thinkingBudget: 512 });
});

test("customSettings on an Anthropic client's body use the Anthropic column", async () => {
  const a = new Anthropic({ baseURL: gw.url, apiKey: "c", maxRetries: 0, defaultHeaders: { "x-p": "claude" } });
  const msg = await a.messages.create({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
  assert.equal((msg.content[0] as Anthropic.TextBlock).text, "echo: hi");
  const body = ant.state.requests[0].body as Record<string, unknown>;
  assert.equal(body.top_k, 5, "top_k exists in the Anthropic column");
  assert.equal("seed" in body, false, "seed does not");
  assert.equal(body.max_tokens, 20, "overwrite:false keeps the client's value");
});

test("reasoningContentMode concat: whole answer", async () => {
  const r = await client("concat").chat.completions.create({ model: "deepseek-reasoner", messages: [{ role: "user", content: "capital?" }] });
  const m = r.choices[0].message as unknown as Record<string, unknown>;
  assert.equal(m.content, "<think>The capital is Paris.</think>\nParis");
  assert.equal("reasoning_content" in m, false);
  assert.equal(r.usage?.total_tokens, 12);
});

test("reasoningContentMode concat: streamed", async () => {
  const s = await client("concat").chat.completions.create({ model: "deepseek-reasoner", stream: true, messages: [{ role: "user", content: "capital?" }] });
  let text = "";
  let reasoning = 0;
  for await (const c of s) {
    const d = c.choices[0]?.delta as Record<string, unknown> | undefined;
    if (d && "reasoning_content" in d) reasoning++;
    text += (d?.content as string | undefined) ?? "";
  }
  assert.equal(text, "<think>The capital is Paris.</think>\nParis");
  assert.equal(reasoning, 0);
});

test("reasoningContentMode ignore drops reasoning, whole and streamed", async () => {
  const r = await client("ignore").chat.completions.create({ model: "deepseek-reasoner", messages: [{ role: "user", content: "capital?" }] });
  const m = r.choices[0].message as unknown as Record<string, unknown>;
  assert.equal(m.content, "Paris");
  assert.equal("reasoning_content" in m, false);
  const s = await client("ignore").chat.completions.create({ model: "deepseek-reasoner", stream: true, messages: [{ role: "user", content: "capital?" }] });
  let text = "";
  for await (const c of s) {
    const d = c.choices[0]?.delta as Record<string, unknown> | undefined;
    assert.equal(d !== undefined && "reasoning_content" in d, false);
    text += (d?.content as string | undefined) ?? "";
  }
  assert.equal(text, "Paris");
});

test("reasoningContentMode passthrough (default) keeps reasoning_content", async () => {
  const r = await client("pass").chat.completions.create({ model: "deepseek-reasoner", messages: [{ role: "user", content: "capital?" }] });
  const m = r.choices[0].message as unknown as Record<string, unknown>;
  assert.equal(m.content, "Paris");
  assert.equal(m.reasoning_content, "The capital is Paris.");
});
