// The two failure shapes outer-filters.test.ts does not cover, with ai-statistics listed before
// ai-proxy (it sees responses after ai-proxy):
//  - a 200 stream whose first event is an error, headers held (headerHold): the fallback answer
//    replaces it in place (headers held with StopIteration, the failed body kept in Envoy's buffer
//    and swapped), so ai-statistics counts a 2xx with the answer's usage. A build that answers
//    with a local reply fails this: Envoy sends it straight to the codec, ai-statistics sees no
//    response (0 requests counted);
//  - a failure with no body at all (headers with end_of_stream): proxy-wasm cannot add a body to
//    it, so the answer is a local reply; the client still gets the fallback's answer.
import { test, before, after, beforeEach } from "node:test";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, eventually, ROOT, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";
import { statsWasm } from "../ai-statistics/helpers.ts";
import { parsePrometheus, type Sample } from "../../tools/stats.ts";

const M = "route_upstream_model_consumer_metric_";
let primary: MockServer;
let secondary: MockServer;
let empty: http.Server & { port: number; hits: number };
let gw: Gateway;

const STATS = `
          - name: ai-statistics
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ai-statistics
                root_id: ai-statistics
                vm_config:
                  vm_id: ai-gateway
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${JSON.stringify(statsWasm())} } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: "{}"`;

/** An upstream failing with 503 and no body (content-length: 0). */
function startEmpty503(): Promise<typeof empty> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      server.hits++;
      res.writeHead(503, { "content-length": "0", "x-request-id": "empty-1" });
      res.end();
    });
  }) as http.Server & { port: number; hits: number };
  server.hits = 0;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    server.port = (server.address() as AddressInfo).port;
    resolve(server);
  }));
}

/** An upstream whose 200 stream starts with OpenAI's in-stream error event and ends only
 *  `holdMs` later (with another event), so the fallback answer arrives before the failed body
 *  has ended. */
let slow: http.Server & { port: number };
function startSlowError(holdMs: number): Promise<typeof slow> {
  const error = JSON.stringify({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(`data: ${error}\n\n`);
      setTimeout(() => res.end(`data: ${error}\n\n`), holdMs);
    });
  }) as http.Server & { port: number };
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    server.port = (server.address() as AddressInfo).port;
    resolve(server);
  }));
}

before(async () => {
  primary = await startUpstream("openai", { now: FIXED_NOW });
  secondary = await startUpstream("openai", { now: FIXED_NOW });
  empty = await startEmpty503();
  slow = await startSlowError(400);
  gw = await startGateway({
    upstreams: { primary, secondary, empty: empty as unknown as MockServer, slow: slow as unknown as MockServer },
    outerFilters: STATS,
    extraYaml: readFileSync(`${ROOT}/deploy/observability/envoy-stats-config.yaml`, "utf8"),
    config: {
      providers: [
        { id: "main", type: "openai", apiTokens: ["p"], cluster: "primary" },
        { id: "bare", type: "openai", apiTokens: ["e"], cluster: "empty" },
        { id: "slow", type: "openai", apiTokens: ["e"], cluster: "slow" },
        { id: "mini", type: "openai", apiTokens: ["s"], cluster: "secondary", modelMapping: { "*": "gpt-4o-mini" } },
      ],
      activeProviderId: "main",
      routing: { tags: [{ header: "x-p", value: "bare", provider: "bare" }, { header: "x-p", value: "slow", provider: "slow" }], fallback: ["mini"], fallbackOnStatus: ["5.*"] },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([primary.close(), secondary.close(), new Promise((r) => empty.close(r)), new Promise((r) => slow.close(r))]);
});

beforeEach(() => {
  for (const m of [primary, secondary]) m.state.reset();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${gw.runner.adminPort}/stats/prometheus`);
  return parsePrometheus(await res.text());
}

function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  let n = 0;
  for (const s of samples) {
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) n += s.value;
  }
  return n;
}

test("a stream failing at its first event is replaced in place: the filter before ai-proxy sees the answer", async () => {
  primary.state.faults.add({ errorAfterEvents: 0, count: 1 });
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: { "x-mse-consumer": "held" } });
  const raw = await client.chat.completions
    .create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello gateway world" }] })
    .withResponse();
  let text = "";
  for await (const c of raw.data) text += c.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello gateway world");
  assert.equal(raw.response.headers.get("x-ai-provider"), "mini");
  assert.equal(secondary.state.requests.length, 1);
  await eventually(async () => {
    const m = await scrape();
    const mine = { ai_consumer: "held" };
    assert.equal(total(m, M + "ai_requests", { ...mine, ai_status: "2xx", ai_error: "none" }), 1);
    assert.equal(total(m, M + "output_token", mine), 4);
    assert.equal(total(m, M + "ai_anomaly_client_abort", {}), 0);
    // ai-statistics reads wasm.ai_proxy_provider, set to the answering provider before the
    // replacement's headers go on (it named the first provider before).
    assert.equal(total(m, M + "ai_requests", { ...mine, ai_provider: "mini" }), 1);
  });
});

test("a stream failing at its first event and still open when the answer comes: the answer replaces it at its end", async () => {
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: { "x-p": "slow", "x-mse-consumer": "slow" } });
  const started = Date.now();
  const s = await client.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello gateway world" }] });
  let text = "";
  for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello gateway world");
  assert.ok(Date.now() - started >= 350, "the answer went out with the failed stream's end");
  await eventually(async () => {
    const m = await scrape();
    assert.equal(total(m, M + "ai_requests", { ai_consumer: "slow", ai_status: "2xx", ai_error: "none", ai_provider: "mini" }), 1);
    assert.equal(total(m, M + "output_token", { ai_consumer: "slow" }), 4);
  });
});

test("after a fallback on a 503 the filter before ai-proxy labels the provider that answered", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: { "x-mse-consumer": "prov" } });
  const r = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello gateway world" }] });
  assert.equal(r.choices[0].message.content, "echo: Hello gateway world");
  await eventually(async () => {
    const m = await scrape();
    assert.equal(total(m, M + "ai_requests", { ai_consumer: "prov", ai_provider: "mini" }), 1);
    assert.equal(total(m, M + "ai_requests", { ai_consumer: "prov", ai_provider: "main" }), 0);
  });
});

test("a failure with no body is answered by a local reply: the client still gets the fallback's answer", async () => {
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "c", maxRetries: 0, defaultHeaders: { "x-p": "bare", "x-mse-consumer": "bare" } });
  const before = empty.hits;
  const raw = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "No body" }] }).withResponse();
  assert.equal(empty.hits, before + 1);
  assert.equal(raw.response.status, 200);
  assert.equal(raw.data.choices[0].message.content, "echo: No body");
  assert.equal(raw.response.headers.get("x-ai-provider"), "mini");
  assert.equal(raw.response.headers.get("x-request-id") === "empty-1", false, "the failed response's request id does not leak");
});
