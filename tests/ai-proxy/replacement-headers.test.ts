// An answer that replaces a held upstream response carries the headers of the answer served, not
// the failed one's: after OpenAI's 429 (x-request-id, x-ratelimit-*, retry-after,
// openai-processing-ms) a fallback to Anthropic goes out with Anthropic's request-id and none of
// OpenAI's; a degrade-cache answer carries only ai-proxy's own headers. A build that only
// rewrites :status / content-type on the held response fails these tests: the 429's headers leak.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";

let openai: MockServer;
let claude: MockServer;
let gw: Gateway;

before(async () => {
  openai = await startUpstream("openai", { now: FIXED_NOW });
  claude = await startUpstream("anthropic", { now: FIXED_NOW });
  gw = await startGateway({
    upstreams: { openai, claude },
    config: {
      providers: [
        { id: "main", type: "openai", apiTokens: ["k"], cluster: "openai" },
        { id: "claude", type: "claude", apiTokens: ["a"], cluster: "claude", modelMapping: { "*": "claude-sonnet-4-5" } },
      ],
      activeProviderId: "main",
      routing: { fallback: ["claude"] },
      cache: { enabled: true, ttl: 60000, maxEntries: 64, maxEntryBytes: 65536 },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([openai.close(), claude.close()]);
});

beforeEach(() => {
  openai.state.reset();
  claude.state.reset();
});

const client = () => new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0 });

/** Headers of OpenAI's 429 that must not reach the client. */
function assertNoFailedHeaders(h: Headers): void {
  for (const k of ["x-request-id", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "retry-after"]) {
    assert.equal(h.get(k), null, `${k} of the failed response leaked`);
  }
}

test("a fallback answer after a 429 carries the served upstream's headers only", async () => {
  openai.state.faults.add({ status: 429, retryAfter: 7, count: 1 });
  const raw = await client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello there" }] }).withResponse();
  assert.equal(raw.response.status, 200);
  assert.equal(openai.state.requests.length, 1);
  assert.equal(claude.state.requests.length, 1);
  assert.equal(raw.data.choices[0].message.content, "echo: Hello there");
  const h = raw.response.headers;
  assertNoFailedHeaders(h);
  assert.match(h.get("request-id") ?? "", /^req_/, "the served answer's own request id");
  assert.equal(h.get("x-ai-provider"), "claude");
  assert.equal(h.get("content-type"), "application/json");
});

test("a streamed fallback answer after a 429 carries the served upstream's headers only", async () => {
  openai.state.faults.add({ status: 429, retryAfter: 7, count: 1 });
  const raw = await client().chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello there" }] }).withResponse();
  let text = "";
  for await (const c of raw.data) text += c.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello there");
  const h = raw.response.headers;
  assertNoFailedHeaders(h);
  assert.match(h.get("request-id") ?? "", /^req_/);
  assert.equal(h.get("content-type"), "text/event-stream");
});

test("a degrade-cache answer carries ai-proxy's headers, none of the failed response's", async () => {
  const ask = () => client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Cache this" }] }).withResponse();
  await ask();
  openai.state.faults.add({ status: 429, retryAfter: 7, count: 1 });
  claude.state.faults.add({ status: 529, count: 1 });
  const raw = await ask();
  assert.equal(raw.response.status, 200);
  assert.equal(raw.response.headers.get("x-ai-cache"), "degraded");
  assertNoFailedHeaders(raw.response.headers);
  assert.equal(raw.response.headers.get("request-id"), null, "nor the failed fallback's");
  assert.equal(raw.data.choices[0].message.content, "echo: Cache this");
});
