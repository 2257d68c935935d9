// proxy_get_property / proxy_set_property (Envoy Context::getProperty over the CEL wrappers):
// NUL-separated paths, strings raw, ints 8-byte little-endian; request.* header values only while
// the filter holds the request headers (and again in on_log); xds.* names; route_name and
// cluster_name at top level are NotFound (Envoy >= 1.33); set_property writes filter state
// "wasm.<path>", readable back and by other filters; nothing about a stream from a root context.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returned, slot, st, strings, wat } from "./wat.ts";

const PATHS = [
  "request\0path",
  "request\0url_path",
  "request\0query",
  "request\0method",
  "request\0host",
  "request\0scheme",
  "request\0headers\0x-a",
  "request\0id",
  "request\0protocol",
  "request\0time",
  "request\0size",
  "xds\0route_name",
  "xds\0cluster_name",
  "xds\0virtual_host_name",
  "route_name",
  "cluster_name",
  "plugin_name",
  "plugin_root_id",
  "plugin_vm_id",
  "source\0address",
  "source\0port",
  "destination\0port",
  "response\0code",
  "request.path",
  "request\0nope",
  "my_key",
  "filter_state\0wasm.my_key",
] as const;
const IDX = Object.fromEntries(PATHS.map((p, i) => [p, i])) as Record<(typeof PATHS)[number], number>;

const S = strings({
  ...Object.fromEntries(PATHS.map((p, i) => [`p${i}`, p])),
  mk: "my_key",
  mv: "my value",
});

/** get each path into slot i, value pair at P + 8 i; slots from `base` */
const getAll = (base: number) =>
  PATHS.map((_, i) => st(base + i, call("proxy_get_property", ...S.at[`p${i}`], P + 8 * (base + i), P + 8 * (base + i) + 4))).join("\n    ");

const module = () =>
  wat({
    imports: ["proxy_get_property", "proxy_set_property"],
    body: `${S.wat}
  (func (export "proxy_on_configure") (param $r i32) (param $n i32) (result i32)
    ${st(200, call("proxy_get_property", ...S.at.p0, P + 1600, P + 1604))}
    ${st(201, call("proxy_get_property", ...S.at[`p${IDX.plugin_root_id}`], P + 1608, P + 1612))}
    ${st(202, call("proxy_set_property", ...S.at.mk, ...S.at.mv))}
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(190, call("proxy_set_property", ...S.at.mk, ...S.at.mv))}
    ${getAll(0)}
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${getAll(50)}
    (i32.const 0))
  (func (export "proxy_on_log") (param $c i32)
    ${getAll(100)})`,
  });

const i64le = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
};

test("values and NotFound cases across phases", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module(), name: "pn", rootId: "rid", vmId: "vid" }] });
  const vm = stack.vm();
  assert.equal(slot(vm, 200), 1, "request.path from a root context: NotFound");
  assert.equal(slot(vm, 201), 0);
  assert.equal(Buffer.from(returned(vm, P + 1608)).toString(), "rid");
  assert.equal(slot(vm, 202), 1, "set_property without a stream: NotFound");

  const s = stack.stream();
  s.sendRequestHeaders(
    [[":authority", "api.example"], [":path", "/p/q?x=1&y=2#f"], [":method", "POST"], [":scheme", "http"], ["x-a", "1"], ["x-a", "2"], ["x-request-id", "rid-1"], ["content-length", "5"]],
    false,
  );
  const get = (base: number, p: (typeof PATHS)[number]) => ({ code: slot(vm, base + IDX[p]), value: Buffer.from(returned(vm, P + 8 * (base + IDX[p]))) });
  const text = (base: number, p: (typeof PATHS)[number]) => {
    const r = get(base, p);
    return r.code === 0 ? r.value.toString("latin1") : `code ${r.code}`;
  };
  assert.equal(slot(vm, 190), 0);
  assert.equal(text(0, "request\0path"), "/p/q?x=1&y=2#f");
  assert.equal(text(0, "request\0url_path"), "/p/q");
  assert.equal(text(0, "request\0query"), "x=1&y=2");
  assert.equal(text(0, "request\0method"), "POST");
  assert.equal(text(0, "request\0host"), "api.example");
  assert.equal(text(0, "request\0scheme"), "http");
  assert.equal(text(0, "request\0headers\0x-a"), "1,2");
  assert.equal(text(0, "request\0id"), "rid-1");
  assert.equal(text(0, "request\0protocol"), "HTTP/1.1");
  assert.deepEqual(get(0, "request\0time").value, i64le(stack.clock.nowNanos()));
  assert.deepEqual(get(0, "request\0size").value, i64le(5), "content-length when present");
  assert.equal(text(0, "xds\0route_name"), "default");
  assert.equal(text(0, "xds\0cluster_name"), "upstream");
  assert.equal(text(0, "xds\0virtual_host_name"), "all");
  assert.equal(get(0, "route_name").code, 1, "top-level route_name: NotFound");
  assert.equal(get(0, "cluster_name").code, 1);
  assert.equal(text(0, "plugin_name"), "pn");
  assert.equal(text(0, "plugin_root_id"), "rid");
  assert.equal(text(0, "plugin_vm_id"), "vid");
  assert.equal(text(0, "source\0address"), "10.0.0.1:50000");
  assert.deepEqual(get(0, "source\0port").value, i64le(50000));
  assert.deepEqual(get(0, "destination\0port").value, i64le(10000));
  assert.equal(get(0, "response\0code").code, 1, "no response yet");
  assert.equal(get(0, "request.path").code, 1, "a dotted single segment does not work");
  assert.equal(get(0, "request\0nope").code, 1);
  assert.equal(text(0, "my_key"), "my value", "set_property readable back");
  assert.equal(text(0, "filter_state\0wasm.my_key"), "my value");
  assert.equal(s.filterState("my_key"), "my value");

  s.sendRequestBody("hello", true);
  s.respond(200, "ok");
  assert.equal(get(50, "request\0path").code, 1, "request headers gone after the headers phase");
  assert.deepEqual(get(50, "response\0code").value, i64le(200));
  assert.equal(text(50, "xds\0route_name"), "default");
  assert.equal(text(100, "request\0path"), "/p/q?x=1&y=2#f", "back in on_log");
  assert.equal(text(100, "request\0headers\0x-a"), "1,2");
  assert.equal(Buffer.from(stack.accessLog[0].filterState.get("wasm.my_key")!).toString(), "my value");
  await stack.close();
});

test("request.headers as a map, response.code_details, request.size without content-length", async () => {
  const S2 = strings({ h: "request\0headers", d: "response\0code_details", sz: "request\0size", dur: "request\0duration" });
  const m = await wat({
    imports: ["proxy_get_property"],
    body: `${S2.wat}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(0, call("proxy_get_property", ...S2.at.h, P, P + 4))}
    ${st(3, call("proxy_get_property", ...S2.at.dur, P + 24, P + 28))}
    (i32.const 0))
  (func (export "proxy_on_log") (param $c i32)
    ${st(1, call("proxy_get_property", ...S2.at.d, P + 8, P + 12))}
    ${st(2, call("proxy_get_property", ...S2.at.sz, P + 16, P + 20))}
    ${st(4, call("proxy_get_property", ...S2.at.dur, P + 24, P + 28))})`,
  });
  const stack = await createTestStack({ filters: [{ wasm: m }] });
  const vm = stack.vm();
  const s = stack.stream();
  s.sendRequestHeaders([[":authority", "h"], [":path", "/"], [":method", "POST"], ["a", "1"], ["a", "2"], ["b", "3"]]);
  const map = Buffer.from(returned(vm, P));
  const { decodePairs } = await import("../../host/memory.ts");
  assert.deepEqual(decodePairs(map), [[":authority", "h"], [":path", "/"], [":method", "POST"], ["a", "1,2"], ["b", "3"]]);
  assert.equal(slot(vm, 3), 1, "request.duration before the request is complete: NotFound");
  s.sendRequestBody("abcdef", true);
  s.respond(204);
  assert.equal(Buffer.from(returned(vm, P + 8)).toString(), "via_upstream");
  assert.deepEqual(Buffer.from(returned(vm, P + 16)), i64le(6), "bytes received");
  assert.equal(slot(vm, 4), 0);
  await stack.close();
});
