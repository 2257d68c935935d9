// startRunner end to end, through the host's connection manager (host/index.ts): free ports,
// requests through the listener to local upstreams, streaming, admin endpoints, and the shipped
// envoy.yaml with the built plugins and the mock provider.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { BootstrapError, startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { get, startServer, tempDir, type TestServer, until } from "./helpers.ts";

const ROOT = path.join(import.meta.dirname, "../..");
const quiet = new RunnerLogger(4, () => {});

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function upstream(handler: http.RequestListener): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

async function runner(configText: string, extra: Parameters<typeof startRunner>[0] = {}): Promise<RunningRunner> {
  const r = await startRunner({ configText, concurrency: 2, logger: quiet, ...extra });
  cleanups.push(() => r.close());
  return r;
}

function bootstrap(upstreamPort: number, accessLogPath = "/dev/null"): string {
  return `
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
static_resources:
  listeners:
  - name: main
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          access_log:
          - name: file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${accessLogPath}
              log_format: {text_format_source: {inline_string: "%REQ(:METHOD)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %RESPONSE_CODE_DETAILS%\\n"}}
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/", headers: [{name: x-ai-cluster, present_match: true}]}
                route: {cluster_header: x-ai-cluster}
              - match: {prefix: "/direct"}
                direct_response: {status: 418, body: {inline_string: teapot}}
              - match: {prefix: "/"}
                route: {cluster: up, timeout: 0s}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: up
    connect_timeout: 1s
    load_assignment:
      cluster_name: up
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${upstreamPort}}}}}]}]
stats_config:
  stats_tags: [{tag_name: env, fixed_value: test}]
`;
}

describe("startRunner", () => {
  it("rejects a bad file with every problem listed", async () => {
    await assert.rejects(
      startRunner({ configText: "static_resources: {clusters: [{name: a, health_checks: []}]}\nbogus: 1\n", logger: quiet }),
      (e: unknown) => {
        assert.ok(e instanceof BootstrapError);
        assert.deepEqual(e.errors.sort(), [
          "bogus: not supported by the local runner",
          "static_resources.clusters[0].health_checks: not supported by the local runner",
          "static_resources.clusters[0].load_assignment: required for a STATIC, STRICT_DNS or LOGICAL_DNS cluster",
        ]);
        return true;
      },
    );
  });
});

describe("runner end to end through the wasm host", () => {
  it("serves on free ports, proxies to the upstream, answers /ready and /stats/prometheus", async () => {
    const up = await upstream((q, res) => {
      const body: Buffer[] = [];
      q.on("data", (c: Buffer) => body.push(c));
      q.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ path: q.url, host: q.headers.host, body: Buffer.concat(body).toString() }));
      });
    });
    const logFile = path.join(tempDir(), "access.log");
    const r = await runner(bootstrap(up.port, logFile));
    assert.equal(r.listenerPorts.length, 1);
    assert.ok(r.listenerPorts[0] > 0 && r.adminPort! > 0);
    assert.deepEqual(r.listenersByName, { main: r.listenerPorts[0] });

    const ready = await get(`http://127.0.0.1:${r.adminPort}/ready`);
    assert.deepEqual([ready.status, ready.body], [200, "LIVE\n"]);

    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ port: r.listenerPorts[0], method: "POST", path: "/v1/chat?x=1", headers: { host: "gw.test", "content-type": "application/json" }, agent: false }, (rs) => {
        let b = "";
        rs.on("data", (c) => (b += c));
        rs.on("end", () => resolve({ status: rs.statusCode ?? 0, body: b }));
      });
      req.on("error", reject);
      req.end('{"hello":"world"}');
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { path: "/v1/chat?x=1", host: "gw.test", body: '{"hello":"world"}' });

    const direct = await get(`http://127.0.0.1:${r.listenerPorts[0]}/direct`);
    assert.deepEqual([direct.status, direct.body], [418, "teapot"]);

    const missing = await get(`http://127.0.0.1:${r.listenerPorts[0]}/x`, { "x-ai-cluster": "nope" });
    assert.equal(missing.status, 503);
    const byHeader = await get(`http://127.0.0.1:${r.listenerPorts[0]}/direct`, { "x-ai-cluster": "up" });
    assert.equal(byHeader.status, 200, "the cluster_header route wins over /direct");
    assert.equal(JSON.parse(byHeader.body).path, "/direct");

    const prom = await get(`http://127.0.0.1:${r.adminPort}/stats/prometheus`);
    assert.equal(prom.status, 200);
    assert.match(prom.body, /^envoy_cluster_upstream_rq_total\{env="test",envoy_cluster_name="up"\} 2$/m);
    assert.match(prom.body, /^envoy_cluster_upstream_rq\{envoy_response_code="200",env="test",envoy_cluster_name="up"\} 2$/m);
    assert.match(prom.body, /^envoy_http_downstream_rq_total\{env="test",envoy_http_conn_manager_prefix="ingress"\} 4$/m);
    assert.match(prom.body, /^# TYPE envoy_cluster_upstream_rq_time histogram$/m);
    assert.match(prom.body, /^envoy_server_live\{env="test"\} 1$/m);

    const text = await get(`http://127.0.0.1:${r.adminPort}/stats?filter=upstream_rq_total`);
    assert.equal(text.body, "cluster.up.upstream_rq_total: 2\n");
    const clusters = await get(`http://127.0.0.1:${r.adminPort}/clusters`);
    assert.match(clusters.body, new RegExp(`^up::127\\.0\\.0\\.1:${up.port}::weight::1$`, "m"));

    await until(() => fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").split("\n").length > 4, 3000, "access log lines");
    assert.deepEqual(fs.readFileSync(logFile, "utf8").split("\n").slice(0, 4), [
      "POST 200 - up via_upstream",
      "GET 418 - - direct_response",
      "GET 503 NC - cluster_not_found",
      "GET 200 - up via_upstream",
    ]);
  });

  it("streams SSE from the upstream to the client event by event", async () => {
    let release!: () => void;
    const firstSeen = new Promise<void>((r) => (release = r));
    const up = await upstream(async (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
      await firstSeen; // written only after the client has the first event
      res.write('data: {"n":2}\n\n');
      res.end("data: [DONE]\n\n");
    });
    const r = await runner(bootstrap(up.port));
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .get({ port: r.listenerPorts[0], path: "/stream", agent: false }, (res) => {
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            chunks.push(c);
            if (c.includes('"n":1')) release();
          });
          res.on("end", resolve);
        })
        .on("error", reject);
    });
    assert.equal(chunks.join(""), 'data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    assert.ok(chunks.length >= 2);
  });

  it("serves the shipped envoy.yaml with the built plugins and the mock provider", async () => {
    const { startMockProvider } = await import("../../host/mock/index.ts");
    const mock = await startMockProvider({ port: 0 });
    cleanups.push(() => mock.close());
    const doc = parse(fs.readFileSync(path.join(ROOT, "envoy/envoy.yaml"), "utf8").replace("port_value: 18080", `port_value: ${mock.port}`));
    const logFile = path.join(tempDir(), "ai.log");
    doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log = [
      {
        name: "ai",
        typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
          path: logFile,
          log_format: { text_format_source: { inline_string: '{"code":%RESPONSE_CODE%,"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%"}\n' } },
        },
      },
    ];
    const text = stringify(doc);
    const r = await runner(text, { baseDir: ROOT, portOverrides: { ai_gateway: 0, admin: 0 } });
    const ready = await get(`http://127.0.0.1:${r.adminPort}/ready`);
    assert.equal(ready.status, 200);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ port: r.listenerPorts[0], method: "POST", path: "/v1/chat/completions", headers: { "content-type": "application/json" }, agent: false }, (rs) => {
        let b = "";
        rs.on("data", (c) => (b += c));
        rs.on("end", () => resolve({ status: rs.statusCode ?? 0, body: b }));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] }));
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).object, "chat.completion");
    // ai-statistics' Higress-compatible counter, labelled by the file's stats_tags
    const prom = await get(`http://127.0.0.1:${r.adminPort}/stats/prometheus`);
    assert.match(
      prom.body,
      /^route_upstream_model_consumer_metric_input_token\{ai_route="default",ai_cluster="mock-llm",ai_model="gpt-4o-mini",ai_consumer="none"\} [1-9]\d*$/m,
    );
    // ai-statistics' log record reaches the access log through the filter state
    await until(() => fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").includes("\n"), 3000, "access log line");
    const line = JSON.parse(fs.readFileSync(logFile, "utf8").split("\n")[0]);
    assert.equal(line.code, 200);
    assert.equal(JSON.parse(line.ai_log).model, "gpt-4o-mini");
  });
});
