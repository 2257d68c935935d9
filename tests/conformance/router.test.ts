// The router (Envoy router.cc) and route matching (config_impl.cc) on the contract's
// RouteConfiguration: virtual host order, path/prefix/regex/header matchers, rewrites, the route
// timeout (15 s default -> 504), direct responses, upstream failures before and after response
// headers. No wasm filter is needed for these.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteConfiguration } from "../../host/contract.ts";
import { createTestStack } from "../../host/testing.ts";

const ROUTES: RouteConfiguration = {
  name: "rc",
  virtualHosts: [
    { name: "exact", domains: ["api.example.com"], routes: [{ name: "exact-r", match: { prefix: "/" }, route: { cluster: "a" } }] },
    { name: "suffix", domains: ["*.example.com"], routes: [{ name: "suffix-r", match: { prefix: "/" }, route: { cluster: "b" } }] },
    { name: "prefix", domains: ["api.*"], routes: [{ name: "prefix-r", match: { prefix: "/" }, route: { cluster: "c" } }] },
    {
      name: "default",
      domains: ["*"],
      routes: [
        { name: "rewrite", match: { prefix: "/api/" }, route: { cluster: "a", prefixRewrite: "/v1/", hostRewriteLiteral: "up.internal" } },
        { name: "exact-path", match: { path: "/health" }, directResponse: { status: 200, body: "ok" } },
        { name: "regex", match: { safeRegex: "/models/[a-z0-9-]+" }, route: { cluster: "b", timeoutMs: 0 } },
        { name: "hdr", match: { prefix: "/h", headers: [{ name: "x-env", prefix: "can" }, { name: "x-block", present: true, invert: true }] }, route: { cluster: "c", timeoutMs: 2000 } },
        { name: "rest", match: { prefix: "/" }, route: { cluster: "upstream" } },
      ],
    },
  ],
};
const CLUSTERS = ["a", "b", "c", "upstream"];

async function stack() {
  return createTestStack({ filters: [], routes: ROUTES, clusters: CLUSTERS });
}
const req = (authority: string, path: string, extra: Record<string, string> = {}) => ({ ":method": "GET", ":path": path, ":authority": authority, ...extra });

test("virtual hosts: exact, then *.suffix, then prefix.*, then *; the port is part of the host", async () => {
  const st = await stack();
  const cluster = (authority: string) => {
    const s = st.stream();
    s.sendRequestHeaders(req(authority, "/x"), true);
    return s.upstream?.cluster;
  };
  assert.equal(cluster("api.example.com"), "a");
  assert.equal(cluster("API.Example.com"), "a", "case-insensitive");
  assert.equal(cluster("www.example.com"), "b");
  assert.equal(cluster("api.other"), "c");
  assert.equal(cluster("api.example.com:8080"), "c", "with a port the exact domain no longer matches");
  assert.equal(cluster("elsewhere"), "upstream");
  await st.close();
});

test("matchers, rewrites and added headers", async () => {
  const st = await stack();
  let s = st.stream();
  s.sendRequestHeaders(req("h", "/api/chat?x=1"), true);
  assert.equal(s.upstream?.header(":path"), "/v1/chat?x=1");
  assert.equal(s.upstream?.header(":authority"), "up.internal");
  assert.equal(s.upstream?.header("x-envoy-original-path"), "/api/chat?x=1");
  assert.equal(s.upstream?.header("x-envoy-expected-rq-timeout-ms"), "15000");
  s = st.stream();
  s.sendRequestHeaders(req("h", "/health?probe=1"), true);
  assert.equal(s.response.status, 200, "path match ignores the query");
  assert.equal(s.response.bodyText, "ok");
  assert.equal(s.details, "direct_response");
  assert.equal(s.upstream, null);
  s = st.stream();
  s.sendRequestHeaders(req("h", "/models/gpt-4o"), true);
  assert.equal(s.upstream?.cluster, "b");
  assert.equal(s.upstream?.header("x-envoy-expected-rq-timeout-ms"), undefined, "timeout 0: none");
  s = st.stream();
  s.sendRequestHeaders(req("h", "/models/GPT"), true);
  assert.equal(s.upstream?.cluster, "upstream", "regex is a full match");
  s = st.stream();
  s.sendRequestHeaders(req("h", "/h", { "x-env": "canary" }), true);
  assert.equal(s.upstream?.cluster, "c");
  s = st.stream();
  s.sendRequestHeaders(req("h", "/h", { "x-env": "canary", "x-block": "1" }), true);
  assert.equal(s.upstream?.cluster, "upstream", "inverted present matcher");
  await st.close();
});

test("route timeout: 504 when no response headers came, reset after them; clock starts at request end", async () => {
  const st = await stack();
  const s = st.stream();
  s.sendRequestHeaders({ ...req("h", "/h", { "x-env": "can" }), ":method": "POST" });
  st.advance(5000);
  assert.equal(s.response.started, false, "the request is not complete yet: no timer");
  s.sendRequestBody("x", true);
  st.advance(1999);
  assert.equal(s.response.started, false);
  st.advance(1);
  assert.equal(s.response.status, 504);
  assert.equal(s.response.bodyText, "upstream request timeout");
  assert.equal(s.details, "upstream_response_timeout");
  assert.deepEqual(s.flags, ["UT"]);
  assert.ok(s.upstream?.aborted);
  assert.equal(st.stat("cluster.c.upstream_rq_timeout"), 1);

  const s2 = st.stream();
  s2.sendRequestHeaders(req("h", "/h", { "x-env": "can" }), true);
  s2.respondHeaders({ ":status": "200" });
  st.advance(2000);
  assert.equal(s2.response.status, 200);
  assert.equal(s2.response.reset, true);
  await st.close();
});

test("upstream failures: before headers a 503 with the reset reason, after headers a reset", async () => {
  const st = await stack();
  for (const [reason, text, flag] of [
    ["connect", "connection failure", "UF"],
    ["reset", "connection termination", "UC"],
    ["overflow", "overflow", "UO"],
  ] as const) {
    const s = st.stream();
    s.sendRequestHeaders(req("h", "/x"), true);
    s.respondFailure(reason);
    assert.equal(s.response.status, 503);
    assert.equal(s.response.bodyText, `upstream connect error or disconnect/reset before headers. reset reason: ${text}`);
    assert.deepEqual(s.flags, [flag]);
  }
  const s = st.stream();
  s.sendRequestHeaders(req("h", "/x"), true);
  s.respondHeaders({ ":status": "200" });
  s.respondBody("partial");
  s.respondFailure("reset");
  assert.equal(s.response.reset, true);
  assert.equal(s.response.bodyText, "partial");
  await st.close();
});

test("response headers carry x-envoy-upstream-service-time; the access log gets the stream's facts", async () => {
  const st = await stack();
  const s = st.stream();
  s.sendRequestHeaders({ ...req("h", "/x"), ":method": "POST" });
  s.sendRequestBody("12345", true);
  s.respond(201, "abc", { "x-up": "1" });
  assert.ok(s.response.header("x-envoy-upstream-service-time") !== undefined);
  assert.equal(st.accessLog.length, 1);
  const e = st.accessLog[0];
  assert.deepEqual(
    [e.method, e.path, e.responseCode, e.responseCodeDetails, e.bytesReceived, e.bytesSent, e.routeName, e.upstreamCluster],
    ["POST", "/x", 201, "via_upstream", 5, 3, "rest", "upstream"],
  );
  assert.equal(st.stat("http.ingress.downstream_rq_2xx"), 1);
  await st.close();
});

test("client reset mid-stream: upstream aborted, stream finished with DC", async () => {
  const st = await stack();
  const s = st.stream();
  s.sendRequestHeaders(req("h", "/x"), true);
  s.reset();
  assert.ok(s.upstream?.aborted);
  assert.ok(s.ended);
  assert.deepEqual(st.accessLog[0].responseFlags, "DC");
  await st.close();
});

test("a filter disabled on the route is skipped (its context still logs, as Envoy's access log handler)", async () => {
  const { wat, TRACE, trace } = await import("./wat.ts");
  const m = await wat({
    body: `${TRACE}
  (func (export "proxy_on_context_create") (param $c i32) (param $p i32) (call $trace (i32.const 1) (local.get $c) (local.get $p)))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 4) (local.get $c) (i32.const 0)) (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32) (call $trace (i32.const 7) (local.get $c) (i32.const 0)) (i32.const 0))
  (func (export "proxy_on_log") (param $c i32) (call $trace (i32.const 10) (local.get $c) (i32.const 0)))`,
  });
  const routes: RouteConfiguration = {
    name: "r",
    virtualHosts: [
      {
        name: "v",
        domains: ["*"],
        routes: [
          { name: "off", match: { prefix: "/off" }, route: { cluster: "upstream" }, disabledFilters: ["guard"] },
          { name: "on", match: { prefix: "/" }, route: { cluster: "upstream" } },
        ],
      },
    ],
  };
  const st = await createTestStack({ filters: [{ wasm: m, filterName: "guard" }], routes });
  const vm = st.vm();
  const s = st.stream();
  s.sendRequestHeaders(req("h", "/off/x"), true);
  s.respond(200);
  assert.equal(s.response.status, 200);
  assert.deepEqual(trace(vm).slice(1), [
    [1, 2, 1],
    [10, 2, 0],
  ]);
  const s2 = st.stream();
  s2.sendRequestHeaders(req("h", "/x"), true);
  s2.respond(200);
  assert.deepEqual(trace(vm).slice(3).map((t) => t[0]), [1, 4, 7, 10]);
  await st.close();
});
