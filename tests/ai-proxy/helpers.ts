// Shared set-up for the ai-proxy node tests: the plugin built once per source change
// (build/test-ai-proxy.wasm) and a local runner (host/runner) serving it in front of mock
// upstreams (host/mock), one cluster per upstream, the route choosing the cluster from the
// x-ai-cluster header ai-proxy writes.
import { startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { startMockProvider, startUpstream, type MockServer } from "../../host/mock/index.ts";

import { ROOT, pluginBuild } from "../lib/cached-build.ts";

export { ROOT };

/** Path of the ai-proxy module, rebuilt when its sources, plugins/shared or the SDK changed. */
export const proxyWasm = (): string => pluginBuild("ai-proxy");

export interface GatewayOptions {
  /** cluster name -> mock upstream */
  upstreams: Record<string, MockServer>;
  /** the ai-proxy plugin configuration (object or JSON text) */
  config: unknown;
  concurrency?: number;
  allowOnHeadersStopIteration?: boolean;
  routeTimeout?: string;
  /** extra routes before the catch-all one, each choosing its cluster from x-ai-cluster */
  routes?: { name: string; prefix: string }[];
  /** runner log level (0 trace .. 5 critical); default 3 (warnings and up) */
  logLevel?: number;
  /** collects log lines instead of printing them */
  logLines?: string[];
  /** http_filters entries (YAML, indented as one) placed before ai-proxy: they see responses after it */
  outerFilters?: string;
  /** YAML appended at the top level (e.g. a stats_config) */
  extraYaml?: string;
}

export interface Gateway {
  runner: RunningRunner;
  url: string;
  close(): Promise<void>;
}

/** The envoy.yaml the tests run (also the shape documented in plugins/ai-proxy/README.md). */
export function envoyYaml(o: GatewayOptions): string {
  const config = typeof o.config === "string" ? o.config : JSON.stringify(o.config);
  const clusters = Object.entries(o.upstreams).map(([name, m]) => `
  - name: ${JSON.stringify(name)}
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: ${JSON.stringify(name)}
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${m.port} } } }`).join("");
  return `
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
              routes:${(o.routes ?? []).map((r) => `
              - name: ${r.name}
                match: { prefix: ${JSON.stringify(r.prefix)} }
                route: { cluster_header: x-ai-cluster, timeout: ${o.routeTimeout ?? "30s"} }`).join("")}
              - name: ai
                match: { prefix: "/" }
                route: { cluster_header: x-ai-cluster, timeout: ${o.routeTimeout ?? "30s"} }
          http_filters:${o.outerFilters ?? ""}
          - name: ai-proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ai-proxy
                root_id: ai-proxy
                allow_on_headers_stop_iteration: ${o.allowOnHeadersStopIteration ?? true}
                vm_config:
                  vm_id: ai-gateway
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${JSON.stringify(proxyWasm())} } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: ${JSON.stringify(config)}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:${clusters}
${o.extraYaml ?? ""}
`;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const lines = o.logLines;
  const logger = new RunnerLogger(o.logLevel ?? 3, lines ? (l) => lines.push(l) : undefined);
  const runner = await startRunner({ configText: envoyYaml(o), concurrency: o.concurrency ?? 2, logger });
  return {
    runner,
    url: `http://127.0.0.1:${runner.listenerPorts[0]}`,
    async close() {
      await runner.close();
    },
  };
}

export { startMockProvider, startUpstream, type MockServer };

/** Polls until `check` passes. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
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

export const FIXED_NOW = () => 1_700_000_000_000;
