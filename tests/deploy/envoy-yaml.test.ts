// envoy/envoy.yaml under the local runner, started exactly as `make run` does
// (`npx tsx host/runner/main.ts -c envoy/envoy.yaml --mock`): chat answered 200 (plain and
// streamed), the Anthropic conversion by model, the fallback, and the stats_tags labels on
// /stats/prometheus. Uses the file's own ports (10000, 9901, 18080).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { parse } from "yaml";
import fs from "node:fs";
import path from "node:path";
import { ROOT, builtModules } from "./helpers.ts";

const GW = "http://127.0.0.1:10000";
const ADMIN = "http://127.0.0.1:9901";
let proc: ChildProcess;
let output = "";

before(async () => {
  assert.ok(builtModules, "dist/*.wasm missing: run make build");
  proc = spawn(process.execPath, ["--import", "tsx", "host/runner/main.ts", "-c", "envoy/envoy.yaml", "--mock", "--concurrency", "2"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (c) => (output += c));
  proc.stderr!.on("data", (c) => (output += c));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`runner exited ${proc.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${ADMIN}/ready`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`runner not ready in 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
  }
});

function chat(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${GW}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

test("the file keeps the shape the deployment relies on", () => {
  const doc = parse(fs.readFileSync(path.join(ROOT, "envoy/envoy.yaml"), "utf8"));
  assert.equal(doc.admin.address.socket_address.port_value, 9901);
  const l = doc.static_resources.listeners[0];
  assert.equal(l.address.socket_address.port_value, 10000);
  const hcm = l.filter_chains[0].filters[0].typed_config;
  const filters = hcm.http_filters.map((f: any) => f.name);
  assert.deepEqual(filters, ["ai-statistics", "ai-rate-limit", "ai-proxy", "endpoint-metadata", "envoy.filters.http.router"]);
  // header_to_metadata after the wasm filters: x-ai-endpoint-gpu (set by ai-proxy) -> envoy.lb
  const h2m = hcm.http_filters[3].typed_config;
  assert.equal(h2m["@type"], "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config");
  assert.deepEqual(h2m.request_rules, [{ header: "x-ai-endpoint-gpu", on_header_present: { metadata_namespace: "envoy.lb", key: "gpu", type: "STRING" }, remove: true }]);
  const allow = Object.fromEntries(hcm.http_filters.slice(0, 3).map((f: any) => [f.name, f.typed_config.config.allow_on_headers_stop_iteration === true]));
  assert.deepEqual(allow, { "ai-statistics": false, "ai-rate-limit": true, "ai-proxy": true });
  const routes = hcm.route_config.virtual_hosts[0].routes;
  assert.equal(routes[0].route.cluster_header, "x-ai-cluster");
  assert.equal(routes.at(-1).route.cluster, "mock-llm");
  // stats_config is deploy/observability/envoy-stats-config.yaml's, unchanged
  const stats = parse(fs.readFileSync(path.join(ROOT, "deploy/observability/envoy-stats-config.yaml"), "utf8"));
  assert.deepEqual(doc.stats_config, stats.stats_config);
});

test("chat completion: 200 through ai-proxy to the mock, with quota headers", async () => {
  const r = await chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
  const body = await r.text();
  assert.equal(r.status, 200, body);
  const j = JSON.parse(body);
  assert.equal(j.object, "chat.completion");
  assert.equal(j.choices[0].message.content, "echo: Hello");
  assert.ok(r.headers.get("x-ratelimit-remaining"), "ai-rate-limit show_limit_quota_header");
});

test("streamed chat: 200, events relayed, [DONE] at the end, usage included", async () => {
  const r = await chat({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Hello stream" }] });
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /text\/event-stream/);
  const text = await r.text();
  const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "echo: Hello stream");
  // ai-proxy adds stream_options.include_usage for OpenAI upstreams
  assert.ok(chunks.some((c) => c.usage && c.usage.completion_tokens === 3));
});

test("claude-* models go to the Anthropic provider: converted there and back, also streamed", async () => {
  const r = await chat({ model: "claude-3-5-haiku", messages: [{ role: "user", content: "Hi Claude" }] });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  assert.equal(j.object, "chat.completion");
  assert.match(j.id, /^msg_mock/, "the mock answered on its Anthropic API");
  assert.equal(j.choices[0].message.content, "echo: Hi Claude");
  const s = await chat({ model: "claude-3-5-haiku", stream: true, messages: [{ role: "user", content: "Hi" }] });
  const text = await s.text();
  assert.equal(s.status, 200);
  assert.match(text, /"object":"chat\.completion\.chunk"/);
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), text);
});

test("a 503 from the provider moves on to the fallback provider", async () => {
  const r = await chat({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }, { "x-mock-fault": "status=503;count=1;key=deploy-fallback" });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  assert.equal(j.model, "gpt-4o-mini", "mock-mini maps every model to gpt-4o-mini");
});

test("/stats/prometheus has ai-statistics' metrics with the file's labels", async () => {
  const prom = await (await fetch(`${ADMIN}/stats/prometheus`)).text();
  assert.match(prom, /^route_upstream_model_consumer_metric_input_token\{ai_route="default",ai_cluster="mock-llm",ai_model="gpt-4o-mini",ai_consumer="none"\} [1-9]\d*$/m);
  assert.match(prom, /^route_upstream_model_consumer_metric_ai_requests\{[^}]*ai_cluster="mock-anthropic"[^}]*ai_provider="mock-claude"[^}]*\} [1-9]/m);
  assert.match(prom, /^route_upstream_model_consumer_metric_ai_ttft_ms_bucket\{[^}]*le="5000"\} [1-9]/m);
  // one access-log line per request, carrying ai_log
  assert.match(output, /"code":200,.*"provider":"mock-claude".*"ai_log":"\{/);
});
