// A local runner serving ai-statistics in front of the mock provider (host/mock), with the
// stats_config of deploy/observability, for tests that go through real sockets.
import { readFileSync } from "node:fs";
import { startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { startMockProvider, type MockServer } from "../../host/mock/index.ts";
import { parsePrometheus, type Sample } from "../../tools/stats.ts";
import { ROOT, statsWasm } from "./helpers.ts";

export interface Gateway {
  runner: RunningRunner;
  mock: MockServer;
  url: string; // http://127.0.0.1:<listener>
  admin: string; // http://127.0.0.1:<admin>
  close(): Promise<void>;
}

function indent(text: string, n: number): string {
  return text.split("\n").map((l) => (l.length ? " ".repeat(n) + l : l)).join("\n");
}

export async function startGateway(pluginConfig = "{}", concurrency = 2): Promise<Gateway> {
  const mock = await startMockProvider({ port: 0, now: () => 1_700_000_000_000 });
  const statsConfig = readFileSync(`${ROOT}/deploy/observability/envoy-stats-config.yaml`, "utf8");
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
              - name: chat
                match: { prefix: "/" }
                route: { cluster: mock-llm, timeout: 60s }
          http_filters:
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
                  value: ${JSON.stringify(pluginConfig)}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: mock-llm
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: mock-llm
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${mock.port} } } }
${statsConfig.replace(/^#.*$/gm, "")}
`;
  const runner = await startRunner({ configText: yaml, concurrency });
  const url = `http://127.0.0.1:${runner.listenerPorts[0]}`;
  const admin = `http://127.0.0.1:${runner.adminPort}`;
  return {
    runner, mock, url, admin,
    async close() {
      await runner.close();
      await mock.close();
    },
  };
}

/** The admin's /stats/prometheus, parsed. */
export async function scrape(g: Gateway): Promise<Sample[]> {
  const res = await fetch(`${g.admin}/stats/prometheus`);
  return parsePrometheus(await res.text());
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  let n = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) n += s.value;
  }
  return n;
}

/** Polls until `check` passes (the log phase runs after the client saw the end). */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const M = "route_upstream_model_consumer_metric_";
