// End to end through the local runner: two runner instances (two gateways, each with its own
// worker VMs and shared data) load the Higress build from an envoy.yaml, count in one real
// redis-server, and answer real HTTP clients.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startRunner, RunnerLogger, type RunningRunner } from "../../host/runner/index.ts";
import { RedisServer, redisAvailable } from "./redis-server.ts";
import { pluginWasm } from "./helpers.ts";

// redis-server is a Debian package `make test` installs: missing is a failure, never a skip.
if (!redisAvailable()) throw new Error("redis-server not found: apt-get install redis-server (make test installs it)");
let redis: RedisServer;
let upstream: http.Server;
let upstreamPort = 0;

before(async () => {
  redis = await RedisServer.start();
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  upstreamPort = (upstream.address() as AddressInfo).port;
});
after(async () => {
  upstream?.close();
  await redis?.stop();
});

function bootstrap(wasm: string, limit: number): string {
  const config = JSON.stringify({
    rule_name: "e2e",
    global_threshold: { query_per_minute: limit },
    redis: { service_name: "redis.static", service_port: redis.port },
    show_limit_quota_header: true,
  });
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
          stat_prefix: ingress
          route_config:
            name: r
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - name: default
                match: { prefix: "/" }
                route: { cluster: upstream }
          http_filters:
          - name: ai-rate-limit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ai-rate-limit
                root_id: ai-rate-limit
                allow_on_headers_stop_iteration: true
                vm_config:
                  vm_id: ai-gateway
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${wasm} } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '${config}'
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} } } } }] }]
  - name: "outbound|${redis.port}||redis.static"
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: "outbound|${redis.port}||redis.static"
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${redis.port} } } } }] }]
`;
}

async function get(port: number): Promise<{ status: number; limit: string | null }> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/models`);
  await r.text();
  return { status: r.status, limit: r.headers.get("x-ratelimit-limit") };
}

test("two runners share one Redis-backed limit over real HTTP", async () => {
  const wasm = pluginWasm("higress");
  const runners: RunningRunner[] = [];
  for (let i = 0; i < 2; i++) {
    runners.push(await startRunner({ configText: bootstrap(wasm, 12), concurrency: 2, logger: new RunnerLogger(5) }));
  }
  try {
    const ports = runners.map((r) => r.listenersByName.gw);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => get(ports[i % 2])));
    assert.equal(results.filter((r) => r.status === 200).length, 12);
    assert.equal(results.filter((r) => r.status === 429).length, 28);
    assert.ok(results.every((r) => r.limit === "12"));
    const prom = await (await fetch(`http://127.0.0.1:${runners[0].adminPort}/stats/prometheus`)).text();
    assert.match(prom, /ai_rate_limit_allowed\S* \d+/);
  } finally {
    for (const r of runners) await r.close();
  }
});
