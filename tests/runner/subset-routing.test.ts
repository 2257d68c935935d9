// Routing to endpoints by metadata, as Envoy does it: header_to_metadata writes request headers
// into "envoy.lb" dynamic metadata, the router merges it over the route's metadata_match, and the
// cluster's subset load balancer (lb_subset_config) picks among the matching endpoints.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { applyHeaderToMetadata } from "../../host/http/header-to-metadata.ts";
import { HeaderMap } from "../../host/http/header-map.ts";
import { StreamInfo, address } from "../../host/http/stream-info.ts";
import { SubsetLoadBalancer } from "../../host/runner/cluster/subset-load-balancer.ts";
import type { Host } from "../../host/runner/cluster/load-balancer.ts";
import type { SubsetSpec } from "../../host/runner/config/types.ts";
import { MetricKind } from "../../host/contract.ts";
import { BootstrapError, startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { get, startServer, tempDir, type TestServer, until } from "./helpers.ts";

const quiet = new RunnerLogger(4, () => {});
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function host(port: number, lb: Record<string, unknown>, weight = 1): Host {
  return { address: "127.0.0.1", port, weight, priority: 0, metadata: { "envoy.lb": lb }, hostname: "", active: 0 };
}

class Counters {
  values = new Map<string, number>();
  inc(name: string, d = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + d);
  }
  setGauge(name: string, v: number): void {
    this.values.set(name, v);
  }
  get(short: string): number {
    return this.values.get(`cluster.c.${short}`) ?? 0;
  }
}

function lb(spec: Partial<SubsetSpec>, hosts: Host[]): { lb: SubsetLoadBalancer; stats: Counters } {
  const stats = new Counters();
  const full: SubsetSpec = { fallback: "NO_FALLBACK", defaultSubset: {}, selectors: [], panicModeAny: false, ...spec };
  const b = new SubsetLoadBalancer(full, "ROUND_ROBIN", Math.random, stats, "c");
  b.setHosts(hosts);
  return { lb: b, stats };
}

function ports(b: SubsetLoadBalancer, criteria: Record<string, unknown> | null, n = 40): Set<number | null> {
  const seen = new Set<number | null>();
  for (let i = 0; i < n; i++) seen.add(b.pick(criteria)?.port ?? null);
  return seen;
}

describe("subset load balancer", () => {
  const hosts = [host(1, { gpu: "a100", version: "v1" }), host(2, { gpu: "a100", version: "v2" }), host(3, { gpu: "t4", version: "v1" }), host(4, {})];

  it("picks the subset whose keys are exactly the criteria's keys", () => {
    const { lb: b, stats } = lb({ selectors: [{ keys: ["gpu"], fallback: "NOT_DEFINED" }, { keys: ["gpu", "version"], fallback: "NOT_DEFINED" }] }, hosts);
    assert.deepEqual(ports(b, { gpu: "a100" }), new Set([1, 2]));
    assert.deepEqual(ports(b, { gpu: "a100", version: "v2" }), new Set([2]));
    assert.deepEqual(ports(b, { gpu: "t4" }), new Set([3]));
    assert.equal(stats.get("lb_subsets_selected"), 120);
    assert.equal(stats.get("lb_subsets_active"), 5); // gpu: a100, t4; gpu+version: 3
    // version alone is no selector; a100/v3 is no subset: NO_FALLBACK gives no host
    assert.deepEqual(ports(b, { version: "v1" }), new Set([null]));
    assert.deepEqual(ports(b, { gpu: "a100", version: "v3" }), new Set([null]));
    assert.deepEqual(ports(b, null), new Set([null]));
    assert.equal(stats.get("lb_subsets_fallback"), 0);
  });

  it("compares values as protobuf Values: the string '1' is not the number 1", () => {
    const { lb: b } = lb({ selectors: [{ keys: ["n"], fallback: "NOT_DEFINED" }] }, [host(1, { n: 1 }), host(2, { n: "1" })]);
    assert.deepEqual(ports(b, { n: 1 }), new Set([1]));
    assert.deepEqual(ports(b, { n: "1" }), new Set([2]));
  });

  it("falls back per the cluster policy: ANY_ENDPOINT, DEFAULT_SUBSET, panic_mode_any", () => {
    const sel = [{ keys: ["gpu"], fallback: "NOT_DEFINED" as const }];
    const any = lb({ selectors: sel, fallback: "ANY_ENDPOINT" }, hosts);
    assert.deepEqual(ports(any.lb, { gpu: "h100" }), new Set([1, 2, 3, 4]));
    assert.deepEqual(ports(any.lb, null), new Set([1, 2, 3, 4]));
    assert.equal(any.stats.get("lb_subsets_fallback"), 80);
    const def = lb({ selectors: sel, fallback: "DEFAULT_SUBSET", defaultSubset: { version: "v1" } }, hosts);
    assert.deepEqual(ports(def.lb, { gpu: "h100" }), new Set([1, 3]));
    const emptyDefault = lb({ selectors: sel, fallback: "DEFAULT_SUBSET", defaultSubset: { version: "v9" } }, hosts);
    assert.deepEqual(ports(emptyDefault.lb, null), new Set([null]));
    const panic = lb({ selectors: sel, fallback: "DEFAULT_SUBSET", defaultSubset: { version: "v9" }, panicModeAny: true }, hosts);
    assert.deepEqual(ports(panic.lb, null), new Set([1, 2, 3, 4]));
    assert.equal(panic.stats.get("lb_subsets_fallback_panic"), 40);
  });

  it("a selector's own fallback_policy overrides the cluster's for criteria with its keys", () => {
    const { lb: b } = lb({ fallback: "ANY_ENDPOINT", selectors: [{ keys: ["gpu"], fallback: "NO_FALLBACK" }] }, hosts);
    assert.deepEqual(ports(b, { gpu: "h100" }), new Set([null]), "gpu criteria: the selector says NO_FALLBACK");
    assert.deepEqual(ports(b, { zone: "x" }), new Set([1, 2, 3, 4]), "other keys: the cluster's ANY_ENDPOINT");
    assert.deepEqual(ports(b, null), new Set([1, 2, 3, 4]));
  });

  it("honours weights inside the subset and follows host updates", () => {
    const { lb: b } = lb({ selectors: [{ keys: ["gpu"], fallback: "NOT_DEFINED" }] }, [host(1, { gpu: "a100" }, 3), host(2, { gpu: "a100" }, 1), host(3, { gpu: "t4" }, 5)]);
    const count = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const p = b.pick({ gpu: "a100" })!.port;
      count.set(p, (count.get(p) ?? 0) + 1);
    }
    assert.deepEqual([count.get(1), count.get(2), count.get(3)], [300, 100, undefined]);
    b.setHosts([host(1, { gpu: "t4" }), host(2, { gpu: "a100" })]);
    assert.deepEqual(ports(b, { gpu: "a100" }), new Set([2]));
  });
});

describe("header_to_metadata", () => {
  const info = () => new StreamInfo(0n, address("127.0.0.1", 1), address("127.0.0.1", 2), 1);
  const cfg = {
    filterName: "h2m",
    requestRules: [
      { header: "x-gpu", onPresent: { namespace: "envoy.lb", key: "gpu", value: "", type: "STRING" as const }, remove: true },
      { header: "x-n", onPresent: { namespace: "", key: "n", value: "", type: "NUMBER" as const }, onMissing: { namespace: "", key: "n", value: "7", type: "NUMBER" as const }, remove: false },
      { header: "x-flag", onPresent: { namespace: "envoy.lb", key: "flag", value: "on", type: "STRING" as const }, remove: false },
    ],
  };

  it("writes present headers (values joined), removes them, uses on_header_missing and fixed values", () => {
    const i = info();
    const h = new HeaderMap([[":path", "/"], ["x-gpu", "a100"], ["x-gpu", "t4"], ["x-flag", "whatever"]]);
    applyHeaderToMetadata(cfg, h, i);
    assert.deepEqual(i.dynamicMetadata?.get("envoy.lb"), { gpu: "a100,t4", flag: "on" });
    assert.deepEqual(i.dynamicMetadata?.get("envoy.filters.http.header_to_metadata"), { n: 7 });
    assert.equal(h.get("x-gpu"), undefined);
    assert.equal(h.get("x-flag"), "whatever");
  });

  it("skips empty values and numbers that do not parse, still removing the header", () => {
    const i = info();
    const h = new HeaderMap([["x-gpu", ""], ["x-n", " 2.5x"]]);
    applyHeaderToMetadata(cfg, h, i);
    assert.equal(i.dynamicMetadata, null);
    assert.equal(h.get("x-gpu"), undefined);
    const j = info();
    applyHeaderToMetadata(cfg, new HeaderMap([["x-n", " +2.5e1 "]]), j);
    assert.deepEqual(j.dynamicMetadata?.get("envoy.filters.http.header_to_metadata"), { n: 25 });
    for (const bad of ["+-1", "0x10", "1 2", ""]) {
      const k = info();
      applyHeaderToMetadata({ filterName: "h", requestRules: [cfg.requestRules[1]] }, new HeaderMap([["x-n", bad]]), k);
      assert.equal(k.dynamicMetadata, null, `"${bad}" is not a number for absl::SimpleAtod`);
    }
  });
});

function bootstrap(ports: { a1: number; a2: number; t4: number }, opts: { fallback: string; selectorFallback?: string; logPath?: string; extraRoute?: string }): string {
  const sel = opts.selectorFallback ? `, fallback_policy: ${opts.selectorFallback}` : "";
  return `
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
              path: ${opts.logPath ?? "/dev/null"}
              log_format: {text_format_source: {inline_string: "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\\n"}}
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:${opts.extraRoute ?? ""}
              - match: {prefix: "/"}
                route: {cluster: models}
          http_filters:
          - name: endpoint-metadata
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
              request_rules:
              - header: x-ai-endpoint-gpu
                on_header_present: {metadata_namespace: envoy.lb, key: gpu, type: STRING}
                remove: true
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: models
    connect_timeout: 1s
    lb_subset_config:
      fallback_policy: ${opts.fallback}
      subset_selectors: [{keys: [gpu]${sel}}, {keys: [gpu, version]}]
    load_assignment:
      cluster_name: models
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${ports.a1}}}}
          load_balancing_weight: 3
          metadata: {filter_metadata: {envoy.lb: {gpu: a100, version: v1}}}
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${ports.a2}}}}
          load_balancing_weight: 1
          metadata: {filter_metadata: {envoy.lb: {gpu: a100, version: v2}}}
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${ports.t4}}}}
          metadata: {filter_metadata: {envoy.lb: {gpu: t4, version: v1}}}
`;
}

async function servers(): Promise<{ a1: TestServer; a2: TestServer; t4: TestServer; seen: string[] }> {
  const seen: string[] = [];
  const make = async (name: string) => {
    const s = await startServer((q: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(`${name}${q.headers["x-ai-endpoint-gpu"] !== undefined ? "+header" : ""}`);
      res.end(name);
    });
    cleanups.push(() => s.close());
    return s;
  };
  return { a1: await make("a1"), a2: await make("a2"), t4: await make("t4"), seen };
}

async function runner(text: string): Promise<RunningRunner> {
  const r = await startRunner({ configText: text, concurrency: 1, logger: quiet });
  cleanups.push(() => r.close());
  return r;
}

describe("runner: header_to_metadata + lb_subset_config", () => {
  it("routes by the header to the matching endpoints, weights honoured, the header not forwarded", async () => {
    const s = await servers();
    const r = await runner(bootstrap({ a1: s.a1.port, a2: s.a2.port, t4: s.t4.port }, { fallback: "ANY_ENDPOINT" }));
    const url = `http://127.0.0.1:${r.listenerPorts[0]}/v1/chat/completions`;
    for (let i = 0; i < 80; i++) assert.equal((await get(url, { "x-ai-endpoint-gpu": "a100" })).status, 200);
    assert.equal(s.seen.filter((x) => x === "a1").length, 60);
    assert.equal(s.seen.filter((x) => x === "a2").length, 20);
    assert.equal(s.seen.length, 80, "only a100 endpoints, and none saw the header");
    s.seen.length = 0;
    for (let i = 0; i < 10; i++) await get(url, { "x-ai-endpoint-gpu": "t4" });
    assert.deepEqual(new Set(s.seen), new Set(["t4"]));
    s.seen.length = 0;
    for (let i = 0; i < 30; i++) await get(url, { "x-ai-endpoint-gpu": "h100" });
    assert.deepEqual(new Set(s.seen), new Set(["a1", "a2", "t4"]), "ANY_ENDPOINT: no h100 subset, any endpoint");
    assert.equal(r.stats.valueOf(MetricKind.Counter, "cluster.models.lb_subsets_selected"), 90n);
    assert.equal(r.stats.valueOf(MetricKind.Counter, "cluster.models.lb_subsets_fallback"), 30n);
  });

  it("NO_FALLBACK with no matching subset answers Envoy's 503 'no healthy upstream' (UH)", async () => {
    const s = await servers();
    const logPath = path.join(tempDir(), "access.log");
    const r = await runner(bootstrap({ a1: s.a1.port, a2: s.a2.port, t4: s.t4.port }, { fallback: "ANY_ENDPOINT", selectorFallback: "NO_FALLBACK", logPath }));
    const url = `http://127.0.0.1:${r.listenerPorts[0]}/`;
    const res = await get(url, { "x-ai-endpoint-gpu": "h100" });
    assert.deepEqual([res.status, res.body, res.headers["content-type"]], [503, "no healthy upstream", "text/plain"]);
    assert.equal((await get(url)).status, 200, "no criteria: the cluster's ANY_ENDPOINT");
    assert.deepEqual(s.seen.length, 1);
    await until(() => fs.existsSync(logPath) && fs.readFileSync(logPath, "utf8").split("\n").length > 2, 3000, "access log");
    assert.deepEqual(fs.readFileSync(logPath, "utf8").split("\n").slice(0, 2), ["503 UH no_healthy_upstream", "200 - via_upstream"]);
    assert.equal(r.stats.valueOf(MetricKind.Counter, "cluster.models.upstream_cx_none_healthy"), 1n);
    assert.equal(r.stats.valueOf(MetricKind.Counter, "cluster.models.upstream_rq_503"), 1n);
  });

  it("merges the route's metadata_match under the request's metadata (the request wins)", async () => {
    const s = await servers();
    const route = `
              - match: {prefix: "/v2"}
                route: {cluster: models, metadata_match: {filter_metadata: {envoy.lb: {gpu: t4, version: v2}}}}`;
    const r = await runner(bootstrap({ a1: s.a1.port, a2: s.a2.port, t4: s.t4.port }, { fallback: "NO_FALLBACK", extraRoute: route }));
    const base = `http://127.0.0.1:${r.listenerPorts[0]}`;
    assert.equal((await get(`${base}/v2`)).status, 503, "t4/v2 is no endpoint");
    const res = await get(`${base}/v2`, { "x-ai-endpoint-gpu": "a100" });
    assert.deepEqual([res.status, res.body], [200, "a2"], "gpu from the request, version from the route");
    assert.equal((await get(`${base}/`)).status, 503, "no criteria under NO_FALLBACK");
  });

  it("a route can disable the filter (FilterConfig disabled): the header then stays and picks nothing", async () => {
    const s = await servers();
    const route = `
              - match: {prefix: "/plain"}
                route: {cluster: models}
                typed_per_filter_config:
                  endpoint-metadata: {"@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}`;
    const r = await runner(bootstrap({ a1: s.a1.port, a2: s.a2.port, t4: s.t4.port }, { fallback: "ANY_ENDPOINT", extraRoute: route }));
    for (let i = 0; i < 12; i++) assert.equal((await get(`http://127.0.0.1:${r.listenerPorts[0]}/plain`, { "x-ai-endpoint-gpu": "t4" })).status, 200);
    assert.deepEqual(new Set(s.seen), new Set(["a1+header", "a2+header", "t4+header"]));
  });

  it("rejects what it does not implement, naming the field", async () => {
    const text = bootstrap({ a1: 1, a2: 2, t4: 3 }, { fallback: "ANY_ENDPOINT" })
      .replace("remove: true", "remove: true\n                cookie: c\n              response_rules: [{header: x}]")
      .replace("subset_selectors:", "list_as_any: true\n      subset_selectors:");
    const err = await startRunner({ configText: text, logger: quiet }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof BootstrapError);
    const lines = err.errors.map((e) => e.replace(/^static_resources\.(listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.)?/, ""));
    assert.deepEqual(lines.sort(), [
      "clusters[0].lb_subset_config.list_as_any: true: not supported by the local runner",
      "http_filters[0].typed_config.request_rules[0].cookie: not supported by the local runner",
      "http_filters[0].typed_config.response_rules: not supported by the local runner",
    ]);
  });
});
