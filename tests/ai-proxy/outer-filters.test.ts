// A filter listed before ai-proxy (here ai-statistics) sees responses after it. An answer that
// replaces a failed upstream response (fallback by http_call, or the degrade cache) must reach
// that filter as the response, not as a local reply Envoy would send straight to the codec: the
// outer filter counts a 2xx with its usage, never a client abort.
// Run alone this fails on a build that answers with send_local_response (0 requests counted).
import { test, before, after, beforeEach } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, startUpstream, eventually, ROOT, type Gateway, type MockServer, FIXED_NOW } from "./helpers.ts";
import { statsWasm } from "../ai-statistics/helpers.ts";
import { parsePrometheus, type Sample } from "../../tools/stats.ts";

const M = "route_upstream_model_consumer_metric_";
let primary: MockServer;
let secondary: MockServer;
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

before(async () => {
  primary = await startUpstream("openai", { now: FIXED_NOW });
  secondary = await startUpstream("openai", { now: FIXED_NOW });
  gw = await startGateway({
    upstreams: { primary, secondary },
    outerFilters: STATS,
    extraYaml: readFileSync(`${ROOT}/deploy/observability/envoy-stats-config.yaml`, "utf8"),
    config: {
      providers: [
        { id: "main", type: "openai", apiTokens: ["p"], cluster: "primary" },
        { id: "mini", type: "openai", apiTokens: ["s"], cluster: "secondary", modelMapping: { "*": "gpt-4o-mini" } },
      ],
      activeProviderId: "main",
      routing: { fallback: ["mini"], fallbackOnStatus: ["5.*"] },
      cache: { enabled: true, ttl: 60000, maxEntries: 64, maxEntryBytes: 65536 },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([primary.close(), secondary.close()]);
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

test("a fallback answer after a 503 reaches the filter before ai-proxy, usage and all", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "client", maxRetries: 0, defaultHeaders: { "x-mse-consumer": "fb" } });
  const raw = await client.chat.completions
    .create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello gateway world" }] })
    .withResponse();
  assert.equal(raw.response.status, 200);
  assert.equal(raw.response.headers.get("x-ai-provider"), "mini");
  assert.equal(raw.data.choices[0].message.content, "echo: Hello gateway world");
  assert.equal(secondary.state.requests.length, 1);
  // Mock tokens: "Hello gateway world" = 3; "echo: Hello gateway world" = 4.
  await eventually(async () => {
    const s = await scrape();
    const mine = { ai_consumer: "fb" };
    assert.equal(total(s, M + "ai_requests", { ...mine, ai_status: "2xx", ai_error: "none" }), 1);
    assert.equal(total(s, M + "ai_requests", mine), 1);
    assert.equal(total(s, M + "input_token", mine), 3);
    assert.equal(total(s, M + "output_token", mine), 4);
    assert.equal(total(s, M + "ai_anomaly_client_abort", {}), 0);
  });
});

test("a streamed fallback answer after a 503 reaches the filter before ai-proxy", async () => {
  primary.state.faults.add({ status: 503, count: 1 });
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "client", maxRetries: 0, defaultHeaders: { "x-mse-consumer": "fbs" } });
  const s = await client.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello gateway world" }] });
  let text = "";
  for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello gateway world");
  await eventually(async () => {
    const m = await scrape();
    const mine = { ai_consumer: "fbs" };
    assert.equal(total(m, M + "ai_requests", { ...mine, ai_status: "2xx", ai_error: "none" }), 1);
    assert.equal(total(m, M + "output_token", mine), 4);
    assert.equal(total(m, M + "ai_anomaly_client_abort", {}), 0);
  });
});

test("a degrade-cache answer after every provider failed reaches the filter before ai-proxy", async () => {
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "client", maxRetries: 0, defaultHeaders: { "x-mse-consumer": "dc" } });
  const ask = () => client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Cache me please" }] }).withResponse();
  const first = await ask();
  assert.equal(first.response.headers.get("x-ai-cache"), null);
  primary.state.faults.add({ status: 503, count: 1 });
  secondary.state.faults.add({ status: 503, count: 1 });
  const second = await ask();
  assert.equal(second.response.status, 200);
  assert.equal(second.response.headers.get("x-ai-cache"), "degraded");
  assert.equal(second.data.choices[0].message.content, "echo: Cache me please");
  await eventually(async () => {
    const m = await scrape();
    const mine = { ai_consumer: "dc" };
    assert.equal(total(m, M + "ai_requests", { ...mine, ai_status: "2xx", ai_error: "none" }), 2);
    assert.equal(total(m, M + "output_token", mine), 8);
    assert.equal(total(m, M + "ai_anomaly_client_abort", {}), 0);
  });
});
