// Headers StopIteration and the route cache (envoy-routing-facts.md §1-2):
// - StopIteration becomes StopAllIterationAndWatermark (no body callbacks while held) unless
//   allow_on_headers_stop_iteration is set or the module is a Higress 0_2_100 build;
// - a request header change clears the route cache (0.2.1 always; 0_2_100 unless the plugin set
//   property clear_route_cache=off), and the router re-matches, re-reading cluster_header;
// - cluster_header missing or unknown: cluster_not_found_response_code (503 default), flag NC.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteConfiguration } from "../../host/contract.ts";
import { createTestStack } from "../../host/testing.ts";
import { call, slot, st, strings, TRACE, trace, wat } from "./wat.ts";

const ROUTES = (notFoundCode?: number): RouteConfiguration => ({
  name: "r",
  virtualHosts: [
    {
      name: "vh",
      domains: ["*"],
      routes: [
        { name: "model-a", match: { prefix: "/", headers: [{ name: "x-model", exact: "a" }] }, route: { cluster: "ca" } },
        { name: "by-header", match: { prefix: "/" }, route: { clusterHeader: "x-target", clusterNotFoundResponseCode: notFoundCode } },
      ],
    },
  ],
});
const CLUSTERS = ["c2", "ca", "upstream"];

const S = strings({ xt: "x-target", c2: "c2", nope: "nope", crc: "clear_route_cache", off: "off", xm: "x-model", a: "a" });

interface Opts {
  abi?: "0_2_1" | "0_2_100";
  headersStatus?: number;
  /** header set in on_request_headers: [name key, value key] */
  setInHeaders?: [string, string];
  /** set in on_request_body */
  setInBody?: [string, string];
  routeCacheOff?: boolean;
}

function module(o: Opts) {
  const set = (kv: [string, string] | undefined, i: number) =>
    kv ? st(i, call("proxy_replace_header_map_value", 0, ...S.at[kv[0]], ...S.at[kv[1]])) : "";
  return wat({
    abi: o.abi ?? "0_2_1",
    imports: ["proxy_replace_header_map_value", "proxy_set_property"],
    body: `${S.wat}${TRACE}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 4) (local.get $n) (local.get $e))
    ${o.routeCacheOff ? st(9, call("proxy_set_property", ...S.at.crc, ...S.at.off)) : ""}
    ${set(o.setInHeaders, 0)}
    (i32.const ${o.headersStatus ?? 0}))
  (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (call $trace (i32.const 5) (local.get $n) (local.get $e))
    ${set(o.setInBody, 1)}
    (i32.const 0))`,
  });
}

async function stackFor(o: Opts, extra: { allow?: boolean; notFoundCode?: number } = {}) {
  return createTestStack({
    filters: [{ wasm: await module(o), allowOnHeadersStopIteration: extra.allow ?? false }],
    routes: ROUTES(extra.notFoundCode),
    clusters: CLUSTERS,
  });
}

const POST = { ":method": "POST", ":path": "/v1", ":authority": "h" };

test("StopIteration without allow_on_headers_stop_iteration: held, no body callbacks", async () => {
  const stack = await stackFor({ headersStatus: 1, setInBody: ["xt", "c2"] });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("abc");
  s.sendRequestBody("def", true);
  assert.deepEqual(trace(stack.vm()), [[4, 3, 0]]);
  assert.equal(s.upstream, null);
  assert.equal(s.response.started, false);
  await stack.close();
});

test("StopIteration with allow_on_headers_stop_iteration: body runs with headers held; the change re-routes", async () => {
  const stack = await stackFor({ headersStatus: 1, setInBody: ["xt", "c2"] }, { allow: true });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("abc");
  assert.equal(slot(stack.vm(), 1), 0, "request headers writable in the body phase while held");
  s.sendRequestBody("def", true);
  assert.equal(s.upstream?.cluster, "c2", "cluster_header re-read after the route cache was cleared");
  assert.equal(s.upstream?.bodyText, "abcdef");
  // Envoy drops its request-header pointer only on a headers-phase Continue or continue_stream, so
  // a change made after the body continued the headers is accepted but reaches nobody.
  assert.equal(slot(stack.vm(), 1), 0);
  assert.equal(s.upstream?.header("x-target"), "c2");
  await stack.close();
});

test("a 0_2_100 (Higress) module keeps StopIteration without the flag", async () => {
  const stack = await stackFor({ abi: "0_2_100", headersStatus: 1, setInBody: ["xt", "c2"] });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("abc", true);
  assert.deepEqual(trace(stack.vm()), [[4, 3, 0], [5, 3, 1]]);
  assert.equal(s.upstream?.cluster, "c2");
  await stack.close();
});

test("0_2_100 with clear_route_cache=off: the header change does not re-route", async () => {
  const stack = await stackFor({ abi: "0_2_100", headersStatus: 1, setInBody: ["xt", "c2"], routeCacheOff: true });
  const s = stack.stream();
  s.sendRequestHeaders(POST);
  s.sendRequestBody("abc", true);
  assert.equal(slot(stack.vm(), 9), 0);
  assert.equal(s.upstream, null);
  assert.equal(s.response.status, 503);
  assert.equal(s.details, "cluster_not_found");
  assert.deepEqual(s.flags, ["NC"]);
  assert.equal(s.filterState("clear_route_cache"), undefined, "a Higress switch, not filter state");
  await stack.close();
});

test("0.2.1: a header set in on_request_headers picks the route and the cluster_header", async () => {
  {
    const stack = await stackFor({ setInHeaders: ["xt", "c2"] });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    assert.equal(s.upstream?.cluster, "c2");
    assert.equal(s.upstream?.header("x-target"), "c2");
    await stack.close();
  }
  {
    const stack = await stackFor({ setInHeaders: ["xm", "a"] });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    assert.equal(s.upstream?.cluster, "ca", "header matcher re-evaluated");
    await stack.close();
  }
});

test("cluster_header missing or unknown: 503 cluster_not_found, or the configured code", async () => {
  {
    const stack = await stackFor({});
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    assert.equal(s.response.status, 503);
    assert.equal(s.details, "cluster_not_found");
    await stack.close();
  }
  {
    const stack = await stackFor({ setInHeaders: ["xt", "nope"] });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    assert.equal(s.response.status, 503);
    await stack.close();
  }
  {
    const stack = await stackFor({}, { notFoundCode: 404 });
    const s = stack.stream();
    s.sendRequestHeaders(POST, true);
    assert.equal(s.response.status, 404);
    assert.deepEqual(s.flags, ["NC"]);
    await stack.close();
  }
});

test("no route at all: 404 route_not_found (NR)", async () => {
  const stack = await createTestStack({
    filters: [{ wasm: await module({}) }],
    routes: { name: "r", virtualHosts: [{ name: "only", domains: ["only.example"], routes: [{ name: "x", match: { prefix: "/" }, route: { cluster: "upstream" } }] }] },
  });
  const s = stack.stream();
  s.sendRequestHeaders(POST, true);
  assert.equal(s.response.status, 404);
  assert.equal(s.details, "route_not_found");
  assert.deepEqual(s.flags, ["NR"]);
  await stack.close();
});
