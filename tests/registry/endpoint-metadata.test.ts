// Tag routing to registry instances by their metadata, end to end: a Nacos registry holds
// qwen-local instances with `gpu: a100` / `gpu: t4` metadata and different weights -> the bridge
// writes the EDS file (metadata under envoy.lb, weights as load_balancing_weight) -> the runner
// serves the same envoy.yaml shape as envoy/envoy-compose.yaml: ai-proxy, whose tag rule names
// endpointMetadata, sets x-ai-endpoint-gpu; header_to_metadata turns it into envoy.lb metadata;
// the EDS cluster's lb_subset_config picks the matching instances.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { MetricKind } from "../../host/contract.ts";
import { startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { Bridge } from "../../registry/bridge.ts";
import { parseConfigText } from "../../registry/config.ts";
import { proxyWasm } from "../ai-proxy/helpers.ts";
import { FakeNacos } from "./fakes/nacos.ts";
import { tempDir, until, validateEds } from "./helpers.ts";

const SERVICE = "qwen-local";
const CLUSTER = "qwen-local.DEFAULT-GROUP.public.nacos";
const POLL_MS = 150;

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const aiProxyConfig = {
  providers: [
    { id: "local", type: "vllm", vllmServerHost: "qwen-local:8080", cluster: CLUSTER },
    { id: "local-any", type: "vllm", vllmServerHost: "qwen-local:8080", cluster: "qwen-any" },
  ],
  activeProviderId: "local",
  routing: {
    tags: [
      { header: "x-ai-tag", value: "a100", provider: "local", endpointMetadata: { gpu: "a100" } },
      { header: "x-ai-tag", value: "h100", provider: "local", endpointMetadata: { gpu: "h100" } },
      { header: "x-ai-tag", value: "h100-any", provider: "local-any", endpointMetadata: { gpu: "h100" } },
    ],
  },
};

/** Two clusters on the same EDS file: the compose file's shape (a selector with NO_FALLBACK over a
 *  cluster ANY_ENDPOINT) and one whose gpu selector falls back to any endpoint. */
function envoyYaml(edsPath: string): string {
  const cluster = (name: string, selectorFallback: string) => `
  - name: ${name}
    type: EDS
    connect_timeout: 1s
    lb_policy: ROUND_ROBIN
    lb_subset_config:
      fallback_policy: ANY_ENDPOINT
      subset_selectors: [{keys: [gpu], fallback_policy: ${selectorFallback}}]
    eds_cluster_config:
      service_name: ${CLUSTER}
      eds_config: {resource_api_version: V3, path_config_source: {path: "${edsPath}"}}`;
  return `
static_resources:
  listeners:
  - name: gw
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/", headers: [{name: x-ai-cluster, present_match: true}]}
                route: {cluster_header: x-ai-cluster, timeout: 10s}
          http_filters:
          - name: ai-proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ai-proxy
                root_id: ai-proxy
                allow_on_headers_stop_iteration: true
                vm_config: {vm_id: ai-gateway, runtime: envoy.wasm.runtime.v8, code: {local: {filename: ${JSON.stringify(proxyWasm())}}}}
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: ${JSON.stringify(JSON.stringify(aiProxyConfig))}
          - name: endpoint-metadata
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
              request_rules:
              - header: x-ai-endpoint-gpu
                on_header_present: {metadata_namespace: envoy.lb, key: gpu, type: STRING}
                remove: true
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:${cluster(CLUSTER, "NO_FALLBACK")}${cluster("qwen-any", "ANY_ENDPOINT")}
`;
}

let nacos: FakeNacos;
let runner: RunningRunner;
let edsPath: string;
const m: Record<"a1" | "a2" | "t4", MockServer> = {} as never;

before(async () => {
  nacos = await new FakeNacos().start();
  cleanups.push(() => nacos.stop());
  for (const k of ["a1", "a2", "t4"] as const) {
    m[k] = await startUpstream("openai");
    cleanups.push(() => m[k].close());
  }
  nacos.register(SERVICE, { ip: "127.0.0.1", port: m.a1.port, weight: 3, metadata: { gpu: "a100" } });
  nacos.register(SERVICE, { ip: "127.0.0.1", port: m.a2.port, weight: 1, metadata: { gpu: "a100" } });
  nacos.register(SERVICE, { ip: "127.0.0.1", port: m.t4.port, weight: 2, metadata: { gpu: "t4" } });
  const dir = tempDir();
  const { config, errors } = parseConfigText(`outDir: ${dir}\nnacos:\n  server: ${nacos.url}\n  intervalMs: ${POLL_MS}\n  services: [${SERVICE}]\n`, () => {});
  assert.deepEqual(errors, []);
  const bridge = new Bridge({ outDir: dir, sources: config!.sources, log: () => {} });
  cleanups.push(() => bridge.stop());
  await bridge.start();
  edsPath = path.join(dir, `${CLUSTER}.yaml`);
  runner = await startRunner({ configText: envoyYaml(edsPath), concurrency: 2, logger: new RunnerLogger(4, () => {}) });
  cleanups.push(() => runner.close());
});

async function chat(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${runner.listenersByName.gw}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...headers },
    body: JSON.stringify({ model: "qwen2.5-7b", messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: res.status, body: await res.text() };
}

function reset(): void {
  for (const k of ["a1", "a2", "t4"] as const) m[k].state.reset();
}

const count = (k: "a1" | "a2" | "t4") => m[k].state.requests.length;

describe("tag routing to registry instances by metadata", () => {
  it("the EDS file carries the registry's metadata and weights", () => {
    const eps = validateEds(edsPath, CLUSTER).map((e) => [e.port, e.weight, e.lb.gpu]);
    assert.deepEqual(new Set(eps.map(String)), new Set([[m.a1.port, 3, "a100"], [m.a2.port, 1, "a100"], [m.t4.port, 2, "t4"]].map(String)));
  });

  it("tagged requests land only on a100 instances, 3:1 by their registry weights, without the header", async () => {
    reset();
    for (let i = 0; i < 80; i++) assert.equal((await chat({ "x-ai-tag": "a100" })).status, 200);
    assert.equal(count("t4"), 0, "no t4 instance");
    assert.equal(count("a1") + count("a2"), 80);
    const ratio = count("a1") / count("a2");
    assert.ok(ratio > 2.4 && ratio < 3.6, `a1:a2 = ${count("a1")}:${count("a2")}`);
    const sent = [...m.a1.state.requests, ...m.a2.state.requests];
    assert.ok(sent.every((r) => r.headers["x-ai-endpoint-gpu"] === undefined), "header_to_metadata removed the header");
    assert.equal(runner.stats.valueOf(MetricKind.Counter, `cluster.${CLUSTER}.lb_subsets_selected`), 80n);
  });

  it("a client cannot pick endpoints: its x-ai-endpoint-* headers are removed", async () => {
    reset();
    for (let i = 0; i < 30; i++) assert.equal((await chat({ "x-ai-endpoint-gpu": "t4", "x-ai-endpoint-zone": "z1" })).status, 200);
    assert.ok(count("a1") + count("a2") > 0, `untagged requests go anywhere (a1 ${count("a1")}, a2 ${count("a2")}, t4 ${count("t4")})`);
    const all = [...m.a1.state.requests, ...m.a2.state.requests, ...m.t4.state.requests];
    assert.ok(all.every((r) => r.headers["x-ai-endpoint-zone"] === undefined), "no client endpoint header reaches an upstream");
  });

  it("no instance with the metadata: the selector's NO_FALLBACK gives Envoy's 503; ANY_ENDPOINT falls back", async () => {
    reset();
    const strict = await chat({ "x-ai-tag": "h100" });
    assert.equal(strict.status, 503);
    assert.match(strict.body, /no healthy upstream/);
    assert.equal(count("a1") + count("a2") + count("t4"), 0);
    assert.equal(runner.stats.valueOf(MetricKind.Counter, `cluster.${CLUSTER}.upstream_cx_none_healthy`), 1n);
    for (let i = 0; i < 12; i++) assert.equal((await chat({ "x-ai-tag": "h100-any" })).status, 200);
    assert.equal(count("a1") + count("a2") + count("t4"), 12);
    assert.ok(count("t4") > 0 && count("a1") > 0, "any endpoint, weighted");
  });

  it("an instance's metadata changing in the registry moves traffic within one poll interval", async () => {
    nacos.update(SERVICE, "127.0.0.1", m.t4.port, { metadata: { gpu: "a100" } });
    nacos.update(SERVICE, "127.0.0.1", m.a2.port, { metadata: { gpu: "t4" } });
    const changed = performance.now();
    await until(() => gpuInFile(m.t4.port) === "a100" && gpuInFile(m.a2.port) === "t4", 3000, "EDS file updated");
    const fileMs = performance.now() - changed;
    assert.ok(fileMs < POLL_MS + 400, `file updated after ${Math.round(fileMs)} ms`);
    await new Promise((r) => setTimeout(r, 150)); // the runner's rename watch
    reset();
    for (let i = 0; i < 40; i++) assert.equal((await chat({ "x-ai-tag": "a100" })).status, 200);
    assert.equal(count("a2"), 0, "a2 is t4 now");
    assert.ok(count("t4") > 0 && count("a1") > 0, `a1 ${count("a1")}, former t4 ${count("t4")}`);
    const ratio = count("a1") / count("t4");
    assert.ok(ratio > 1.1 && ratio < 2.0, `a1:t4 = ${count("a1")}:${count("t4")} (weights 3:2)`);
  });
});

function gpuInFile(port: number): string | undefined {
  return validateEds(edsPath, CLUSTER).find((e) => e.port === port)?.lb.gpu;
}
