// ai-statistics with ai-proxy in the same chain, in both orders, on converted requests (an OpenAI
// client answered by an Anthropic upstream) and same-protocol ones: exact tokens either way, the
// provider label from x-ai-provider (written by ai-proxy after ai-statistics' request phase when
// ai-statistics runs first), and the request model each position sees.
import { test, before, after } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { proxyWasm } from "../ai-proxy/helpers.ts";
import { statsWasm } from "./helpers.ts";
import { scrape, total, eventually, M, type Gateway } from "./gateway.ts";

let openaiUp: MockServer;
let anthropicUp: MockServer;

const PROXY = {
  providers: [
    { id: "oa", type: "openai", apiTokens: ["sk-oa"], cluster: "openai" },
    { id: "claude", type: "claude", apiTokens: ["sk-ant"], cluster: "anthropic", modelMapping: { "*": "claude-sonnet-4" } },
  ],
  activeProviderId: "oa",
  routing: { tags: [{ header: "x-target", value: "claude", provider: "claude" }] },
};

function wasmFilter(name: string, file: string, config: string, hold: boolean): string {
  return `
          - name: ${name}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ${name}
                root_id: ${name}
                allow_on_headers_stop_iteration: ${hold}
                vm_config:
                  vm_id: ai-gateway
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${JSON.stringify(file)} } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: ${JSON.stringify(config)}`;
}

async function chain(statsFirst: boolean): Promise<Gateway & { runner: RunningRunner }> {
  const stats = wasmFilter("ai-statistics", statsWasm(), "{}", false);
  const proxy = wasmFilter("ai-proxy", proxyWasm(), JSON.stringify(PROXY), true);
  const yaml = `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: gw
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: routes
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - name: ai
                match: { prefix: "/" }
                route: { cluster_header: x-ai-cluster, timeout: 30s }
          http_filters:${statsFirst ? stats + proxy : proxy + stats}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: openai
    type: STATIC
    load_assignment: { cluster_name: openai, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${openaiUp.port} } } } } ] } ] }
  - name: anthropic
    type: STATIC
    load_assignment: { cluster_name: anthropic, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${anthropicUp.port} } } } } ] } ] }
${readFileSync(new URL("../../deploy/observability/envoy-stats-config.yaml", import.meta.url), "utf8")}
`;
  const runner = await startRunner({ configText: yaml, concurrency: 2 });
  return {
    runner, mock: openaiUp, url: `http://127.0.0.1:${runner.listenerPorts[0]}`, admin: `http://127.0.0.1:${runner.adminPort}`,
    close: () => runner.close(),
  };
}

before(async () => {
  openaiUp = await startUpstream("openai", { keys: { openai: ["sk-oa"] } });
  anthropicUp = await startUpstream("anthropic", { keys: ["sk-ant"] });
});
after(async () => {
  await Promise.all([openaiUp.close(), anthropicUp.close()]);
});

// Mock tokens: "Hello gateway world" = 3; the answer "echo: Hello gateway world" = 4.
async function send(g: Gateway, target: string | null, consumer: string): Promise<void> {
  const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: "client", maxRetries: 0, defaultHeaders: { "x-mse-consumer": consumer, ...(target ? { "x-target": target } : {}) } });
  const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello gateway world" }] });
  assert.equal(r.choices[0].message.content, "echo: Hello gateway world");
  // The client does not ask for include_usage: ai-proxy asks the upstream itself on the same
  // protocol and ends converted streams with a usage chunk, so usage is counted in either position.
  const s = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Hello gateway world" }] });
  let text = "";
  for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
  assert.equal(text, "echo: Hello gateway world");
}

for (const statsFirst of [true, false]) {
  test(`ai-statistics ${statsFirst ? "before" : "after"} ai-proxy: exact tokens on converted and plain requests`, async () => {
    const g = await chain(statsFirst);
    try {
      await send(g, "claude", "conv");
      await send(g, null, "plain");
      await eventually(async () => {
        const s = await scrape(g);
        const conv = { ai_consumer: "conv", ai_cluster: "anthropic" };
        assert.equal(total(s, M + "input_token", conv), 6);
        assert.equal(total(s, M + "output_token", conv), 8);
        assert.equal(total(s, M + "ai_requests", { ...conv, ai_provider: "claude", ai_status: "2xx", ai_error: "none" }), 2);
        // Before ai-proxy: the client's model; after: the mapped upstream model.
        const requestModel = statsFirst ? "gpt-4o-mini" : "claude-sonnet-4";
        assert.equal(total(s, M + "ai_requests", { ...conv, ai_request_model: requestModel }), 2);
        const plain = { ai_consumer: "plain", ai_cluster: "openai" };
        assert.equal(total(s, M + "input_token", plain), 6);
        assert.equal(total(s, M + "output_token", plain), 8, "ai-proxy asks for the usage chunk on OpenAI streams");
        assert.equal(total(s, M + "ai_requests", { ...plain, ai_provider: "oa", ai_request_model: "gpt-4o-mini" }), 2);
        assert.equal(total(s, M + "ai_anomaly_missing_usage", {}), 0);
        assert.equal(total(s, M + "ai_anomaly_truncated_stream", {}), 0);
      });
    } finally {
      await g.close();
    }
  });
}
