// envoy.yaml parsing: the shipped file, the supported subset, and unsupported fields failing with
// their full path.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { parseBootstrap } from "../../host/runner/bootstrap.ts";
import type { BootstrapSpec } from "../../host/runner/config/types.ts";
import { dirWithWasm, tempDir } from "./helpers.ts";

const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };
const HCM_PATH = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

const wasmDir = dirWithWasm(["ai-statistics", "ai-rate-limit", "ai-proxy", "a"]);

function wasmFilter(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    typed_config: {
      "@type": WASM,
      config: {
        name,
        root_id: name,
        vm_config: { vm_id: "vm", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: "dist/a.wasm" } } },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: '{"k":1}' },
        ...extra,
      },
    },
  };
}

function staticCluster(name: string, port = 8080, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    connect_timeout: "1s",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }] },
    ...extra,
  };
}

/** A minimal valid bootstrap; `edit` changes it before it is written out as YAML. */
function config(edit: (c: any) => void = () => {}): string {
  const c: any = {
    static_resources: {
      listeners: [
        {
          name: "l1",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type": HCM,
                    stat_prefix: "ingress",
                    route_config: { name: "r", virtual_hosts: [{ name: "vh", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "c0" } }] }] },
                    http_filters: [wasmFilter("f1"), ROUTER],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [staticCluster("c0"), staticCluster("c1"), staticCluster("c2")],
    },
  };
  edit(c);
  return stringify(c);
}

function hcm(c: any): any {
  return c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
}

function ok(text: string, baseDir = wasmDir): BootstrapSpec {
  const r = parseBootstrap(text, baseDir);
  if (!r.ok) assert.fail(`expected the config to load, got:\n${r.errors.join("\n")}`);
  return r.spec;
}

function errors(text: string, baseDir = wasmDir): string[] {
  const r = parseBootstrap(text, baseDir);
  assert.equal(r.ok, false, "expected the config to be rejected");
  return r.ok ? [] : r.errors;
}

describe("the shipped envoy/envoy.yaml", () => {
  const text = fs.readFileSync(path.join(import.meta.dirname, "../../envoy/envoy.yaml"), "utf8");

  it("loads, with the three plugins in order before the router", () => {
    const spec = ok(text);
    assert.equal(spec.listeners.length, 1);
    const l = spec.listeners[0];
    assert.deepEqual(l.address, { address: "0.0.0.0", port: 10000, ipv4Compat: false });
    assert.equal(l.hcm.bufferLimitBytes, 33554432);
    assert.deepEqual(
      l.hcm.filters.map((f) => f.name),
      ["ai-statistics", "ai-rate-limit", "ai-proxy"],
    );
    const proxy = l.hcm.filters[2];
    assert.equal(proxy.allowOnHeadersStopIteration, true);
    assert.equal(l.hcm.filters[0].allowOnHeadersStopIteration, false);
    assert.equal(proxy.wasmPath, path.join(wasmDir, "dist/ai-proxy.wasm"));
    assert.equal(proxy.vmId, "ai-gateway");
    assert.equal(proxy.failOpen, false);
    assert.equal(JSON.parse(proxy.configuration).activeProviderId, "mock");
    assert.deepEqual(spec.admin, { address: "127.0.0.1", port: 9901, ipv4Compat: false });
  });

  it("routes by x-ai-cluster when present, else to mock-llm, with a 300 s timeout", () => {
    const vh = ok(text).listeners[0].hcm.routeConfig.virtualHosts[0];
    assert.deepEqual(vh.routes[0].match, { prefix: "/", headers: [{ name: "x-ai-cluster", present: true }] });
    assert.equal(vh.routes[0].route?.clusterHeader, "x-ai-cluster");
    assert.equal(vh.routes[0].route?.timeoutMs, 300000);
    assert.equal(vh.routes[1].route?.cluster, "mock-llm");
    assert.equal(vh.routes[1].route?.clusterNotFoundResponseCode, 503);
  });

  it("has the mock-llm cluster, the Higress tags first and sorted OTel buckets", () => {
    const spec = ok(text);
    const mock = spec.clusters.find((c) => c.name === "mock-llm");
    assert.equal(mock?.endpoints[0].port, 18080);
    assert.deepEqual(
      spec.stats.tags.slice(0, 4).map((t) => t.name),
      ["ai_route", "ai_cluster", "ai_model", "ai_consumer"],
    );
    assert.ok(spec.stats.histogramBuckets.length >= 4);
    for (const h of spec.stats.histogramBuckets) assert.deepEqual(h.buckets, [...h.buckets].sort((a, b) => a - b));
  });

  it("names each missing .wasm file", () => {
    const errs = errors(text, tempDir());
    assert.equal(errs.length, 3);
    assert.match(errs[2], /^static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[2\]\.typed_config\.config\.vm_config\.code\.local\.filename: dist\/ai-proxy\.wasm: file not found/);
  });
});

describe("unsupported fields", () => {
  it("names the field path of each", () => {
    const errs = errors(
      config((c) => {
        c.static_resources.clusters[2].health_checks = [{ timeout: "1s" }];
        c.static_resources.clusters[2].circuit_breakers = {};
        hcm(c).server_name = "gw";
        c.layered_runtime = {};
      }),
    );
    assert.deepEqual(errs.sort(), [
      "layered_runtime: not supported by the local runner",
      "static_resources.clusters[2].circuit_breakers: not supported by the local runner",
      "static_resources.clusters[2].health_checks: not supported by the local runner",
      `${HCM_PATH}.server_name: not supported by the local runner`,
    ]);
  });

  it("rejects nested unknown fields inside supported messages", () => {
    const errs = errors(
      config((c) => {
        hcm(c).route_config.virtual_hosts[0].routes[0].route.retry_policy = { num_retries: 2 };
        hcm(c).http_filters[0].typed_config.config.vm_config.environment_variables = { host_env_keys: ["HOME"] };
        c.static_resources.listeners[0].address.socket_address.resolver_name = "x";
      }),
    );
    assert.deepEqual(errs.sort(), [
      "static_resources.listeners[0].address.socket_address.resolver_name: not supported by the local runner",
      `${HCM_PATH}.http_filters[0].typed_config.config.vm_config.environment_variables: not supported by the local runner`,
      `${HCM_PATH}.route_config.virtual_hosts[0].routes[0].route.retry_policy: not supported by the local runner`,
    ]);
  });

  it("rejects other http filters, a router that is not last, and a missing router", () => {
    let errs = errors(config((c) => hcm(c).http_filters.unshift({ name: "lua", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua" } })));
    assert.deepEqual(errs, [
      `${HCM_PATH}.http_filters[0].typed_config.@type: type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua: not supported by the local runner (only wasm filters, header_to_metadata and the router)`,
    ]);
    errs = errors(config((c) => hcm(c).http_filters.reverse()));
    assert.deepEqual(errs, [`${HCM_PATH}.http_filters[0]: the router must be the last http filter`]);
    errs = errors(config((c) => hcm(c).http_filters.pop()));
    assert.deepEqual(errs, [`${HCM_PATH}.http_filters: envoy.filters.http.router must be the last filter`]);
  });

  it("rejects lb policies, cluster types and protocol options it cannot honour", () => {
    const errs = errors(
      config((c) => {
        c.static_resources.clusters[0].lb_policy = "RING_HASH";
        c.static_resources.clusters[1].type = "ORIGINAL_DST";
        c.static_resources.clusters[2].typed_extension_protocol_options = {
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http2_protocol_options: {} },
          },
        };
      }),
    );
    const at = "static_resources.clusters[2].typed_extension_protocol_options.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.explicit_http_config";
    assert.deepEqual(errs.sort(), [
      "static_resources.clusters[0].lb_policy: RING_HASH: not supported by the local runner (ROUND_ROBIN, LEAST_REQUEST, RANDOM)",
      "static_resources.clusters[1].type: ORIGINAL_DST: not supported by the local runner",
      `${at}.http2_protocol_options: not supported by the local runner`,
      `${at}.http_protocol_options: required: the runner speaks HTTP/1.1 upstream only`,
    ]);
  });

  it("accepts HTTP/1.1 protocol options as harmless", () => {
    const spec = ok(
      config((c) => {
        c.static_resources.clusters[0].typed_extension_protocol_options = {
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http_protocol_options: {} },
          },
        };
      }),
    );
    assert.equal(spec.clusters[0].name, "c0");
  });

  it("rejects a wasm configuration that is not a StringValue, and RE2-incompatible regexes", () => {
    const errs = errors(
      config((c) => {
        hcm(c).http_filters[0].typed_config.config.configuration = { "@type": "type.googleapis.com/google.protobuf.Struct", value: {} };
        hcm(c).route_config.virtual_hosts[0].routes[0].match = { safe_regex: { regex: "/(?=v1)" } };
      }),
    );
    assert.deepEqual(errs.sort(), [
      `${HCM_PATH}.http_filters[0].typed_config.config.configuration.@type: type.googleapis.com/google.protobuf.Struct not supported by the local runner (expected type.googleapis.com/google.protobuf.StringValue)`,
      `${HCM_PATH}.http_filters[0].typed_config.config.configuration.value: not supported by the local runner`,
      `${HCM_PATH}.route_config.virtual_hosts[0].routes[0].match.safe_regex.regex: look-around is not supported by RE2`,
    ]);
  });
});

describe("what the subset reads", () => {
  it("accepts lowerCamelCase keys and numbers given as strings, as proto3 JSON does", () => {
    const spec = ok(
      config((c) => {
        const sa = c.static_resources.listeners[0].address.socket_address;
        delete sa.port_value;
        sa.portValue = "12345";
        const h = hcm(c);
        h.statPrefix = h.stat_prefix;
        delete h.stat_prefix;
      }),
    );
    assert.equal(spec.listeners[0].address.port, 12345);
    assert.equal(spec.listeners[0].hcm.statPrefix, "ingress");
  });

  it("reads durations, defaults and route actions", () => {
    const spec = ok(
      config((c) => {
        c.static_resources.clusters[0].connect_timeout = "0.25s";
        delete c.static_resources.clusters[1].connect_timeout;
        hcm(c).route_config.virtual_hosts[0].routes = [
          { name: "a", match: { path: "/exact" }, route: { cluster: "c1", timeout: "0s", prefix_rewrite: "/v2/", host_rewrite_literal: "api.example.com", cluster_not_found_response_code: "NOT_FOUND" } },
          { match: { prefix: "/h", headers: [{ name: "X-Model", string_match: { exact: "gpt-4.1" } }, { name: "x-beta", invert_match: true }] }, route: { cluster_header: "X-AI-Cluster" } },
          { match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "nope" } } },
        ];
      }),
    );
    assert.equal(spec.clusters[0].connectTimeoutMs, 250);
    assert.equal(spec.clusters[1].connectTimeoutMs, 5000);
    const [a, b, d] = spec.listeners[0].hcm.routeConfig.virtualHosts[0].routes;
    assert.deepEqual(a, {
      name: "a",
      match: { path: "/exact" },
      route: { cluster: "c1", timeoutMs: 0, prefixRewrite: "/v2/", hostRewriteLiteral: "api.example.com", clusterNotFoundResponseCode: 404 },
    });
    assert.equal(b.name, "");
    assert.deepEqual(b.match.headers, [
      { name: "x-model", exact: "gpt-4.1" },
      { name: "x-beta", present: true, invert: true },
    ]);
    assert.deepEqual(b.route, { clusterHeader: "x-ai-cluster", timeoutMs: 15000, clusterNotFoundResponseCode: 503 });
    assert.deepEqual(d.directResponse, { status: 404, body: "nope" });
  });

  it("rejects bad durations and a route to an unknown cluster", () => {
    const errs = errors(
      config((c) => {
        c.static_resources.clusters[0].connect_timeout = "250ms";
        hcm(c).route_config.virtual_hosts[0].routes[0].route.cluster = "nope";
      }),
    );
    assert.deepEqual(errs.sort(), [
      "static_resources.clusters[0].connect_timeout: expected a duration such as \"5s\" or \"0.25s\"",
      `${HCM_PATH}.route_config.virtual_hosts[0].routes[0].route.cluster: unknown cluster nope`,
    ]);
  });

  it("lists filters disabled by typed_per_filter_config under their http filter name", () => {
    const disabled = { "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", disabled: true };
    const spec = ok(
      config((c) => {
        const f = wasmFilter("stats-filter");
        (f.typed_config as any).config.name = "ai-statistics";
        hcm(c).http_filters.unshift(f);
        hcm(c).route_config.virtual_hosts[0].routes[0].typed_per_filter_config = { "stats-filter": disabled };
      }),
    );
    assert.deepEqual(spec.listeners[0].hcm.routeConfig.virtualHosts[0].routes[0].disabledFilters, ["stats-filter"]);
    assert.deepEqual(
      spec.listeners[0].hcm.filters.map((f) => [f.filterName, f.name]),
      [
        ["stats-filter", "ai-statistics"],
        ["f1", "f1"],
      ],
    );

    const errs = errors(
      config((c) => {
        hcm(c).route_config.virtual_hosts[0].routes[0].typed_per_filter_config = {
          nope: disabled,
          f1: { "@type": WASM, config: {} },
        };
      }),
    );
    const at = `${HCM_PATH}.route_config.virtual_hosts[0].routes[0].typed_per_filter_config`;
    assert.deepEqual(errs.sort(), [
      `${at}.f1.@type: ${WASM} not supported by the local runner (expected type.googleapis.com/envoy.config.route.v3.FilterConfig)`,
      `${at}.f1.config: not supported by the local runner`,
      `${at}.nope: no http filter in this chain has that name`,
    ]);
  });

  it("reads the wasm plugin config and failure policy", () => {
    const spec = ok(
      config((c) => {
        hcm(c).http_filters[0] = wasmFilter("f1", {
          failure_policy: "FAIL_OPEN",
          allow_on_headers_stop_iteration: true,
          vm_config: {
            vm_id: "shared",
            runtime: "envoy.wasm.runtime.v8",
            code: { local: { filename: "dist/a.wasm" } },
            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: "vm-conf" },
          },
        });
      }),
    );
    assert.deepEqual(spec.listeners[0].hcm.filters[0], {
      name: "f1",
      rootId: "f1",
      vmId: "shared",
      configuration: '{"k":1}',
      vmConfiguration: "vm-conf",
      failOpen: true,
      allowOnHeadersStopIteration: true,
      wasmPath: path.join(wasmDir, "dist/a.wasm"),
      filterName: "f1",
    });
  });

  it("reads endpoints with weights, priorities, health and metadata", () => {
    const spec = ok(
      config((c) => {
        c.static_resources.clusters[0].lb_policy = "LEAST_REQUEST";
        c.static_resources.clusters[0].load_assignment.endpoints = [
          {
            locality: { region: "r1" },
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 1 } } }, load_balancing_weight: 3, metadata: { filter_metadata: { "envoy.lb": { canary: "1" } } } },
              { endpoint: { address: { socket_address: { address: "10.0.0.2", port_value: 2 } } }, health_status: "UNHEALTHY" },
            ],
          },
          { priority: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.0.0.3", port_value: 3 } } } }] },
        ];
      }),
    );
    const c0 = spec.clusters[0];
    assert.equal(c0.lbPolicy, "LEAST_REQUEST");
    assert.deepEqual(
      c0.endpoints.map((e) => [e.address, e.port, e.weight, e.priority]),
      [
        ["10.0.0.1", 1, 3, 0],
        ["10.0.0.3", 3, 1, 1],
      ],
    );
    assert.deepEqual(c0.endpoints[0].metadata, { "envoy.lb": { canary: "1" } });
  });

  it("reads DNS and EDS clusters, and checks the EDS file exists", () => {
    const dir = dirWithWasm(["a"]);
    fs.writeFileSync(path.join(dir, "eds.yaml"), "resources: []\n");
    const spec = ok(
      config((c) => {
        c.static_resources.clusters[1] = { ...staticCluster("c1"), type: "STRICT_DNS", dns_lookup_family: "V4_ONLY", dns_refresh_rate: "2s" };
        c.static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = "localhost";
        c.static_resources.clusters[2] = {
          name: "c2",
          type: "EDS",
          eds_cluster_config: { service_name: "svc", eds_config: { resource_api_version: "V3", path_config_source: { path: "eds.yaml" } } },
        };
      }),
      dir,
    );
    assert.equal(spec.clusters[1].type, "STRICT_DNS");
    assert.equal(spec.clusters[1].dnsRefreshMs, 2000);
    assert.equal(spec.clusters[1].dnsLookupFamily, "V4_ONLY");
    assert.deepEqual(spec.clusters[2].eds, { path: path.join(dir, "eds.yaml"), serviceName: "svc" });

    const errs = errors(
      config((c) => {
        c.static_resources.clusters[2] = { name: "c2", type: "EDS", eds_cluster_config: { eds_config: { path_config_source: { path: "missing.yaml", watched_directory: { path: "." } } } } };
        c.static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = "localhost";
      }),
      dir,
    );
    const eds = "static_resources.clusters[2].eds_cluster_config.eds_config.path_config_source";
    assert.deepEqual(errs.sort(), [
      "static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: malformed IP address: localhost. Consider setting resolver_name or setting cluster type to 'STRICT_DNS' or 'LOGICAL_DNS'",
      `${eds}.path: missing.yaml: file not found (resolved to ${path.join(dir, "missing.yaml")})`,
      `${eds}.watched_directory: not supported by the local runner (the file is watched for atomic renames)`,
    ]);
  });

  it("reads stats_config", () => {
    const spec = ok(
      config((c) => {
        c.stats_config = {
          use_all_default_tags: false,
          stats_tags: [{ tag_name: "a", regex: "^x\\.((.*?)\\.)" }, { tag_name: "env", fixed_value: "dev" }],
          histogram_bucket_settings: [{ match: { prefix: "wasmcustom." }, buckets: [5, 1, 2.5] }],
        };
      }),
    );
    assert.deepEqual(spec.stats, {
      useAllDefaultTags: false,
      tags: [
        { name: "a", regex: "^x\\.((.*?)\\.)" },
        { name: "env", fixedValue: "dev" },
      ],
      histogramBuckets: [{ match: { prefix: "wasmcustom.", ignoreCase: false }, buckets: [1, 2.5, 5] }],
    });
  });

  it("reports YAML syntax errors, duplicates and wrong types", () => {
    assert.match(errors("static_resources: [\n")[0], /^\(yaml\): /);
    const errs = errors(
      config((c) => {
        c.static_resources.clusters[1].name = "c0";
        c.static_resources.listeners[0].per_connection_buffer_limit_bytes = "lots";
      }),
    );
    assert.deepEqual(errs.sort(), [
      "static_resources.clusters[1].name: duplicate cluster name c0",
      "static_resources.listeners[0].per_connection_buffer_limit_bytes: expected an integer from 0 to 4294967295",
    ]);
  });
});
