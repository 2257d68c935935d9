// Header map calls (cpp-host exports.cc, Envoy Context::*HeaderMap*): return codes per phase,
// lower-casing, replace = remove all + add, pseudo-headers first, byte size, the exact pairs
// bytes, and read-only request/response headers in on_log.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestStack } from "../../host/testing.ts";
import { call, P, returnedText, returned, slot, st, strings, u32, wat } from "./wat.ts";

const S = strings({
  xa: "x-a",
  one: "1",
  missing: "x-missing",
  XB: "X-B",
  two: "2",
  three: "3",
  status: ":status",
  xresp: "x-resp",
  y: "y",
});
const [xa, one, missing, XB, two, three, status, xresp, y] = ["xa", "one", "missing", "XB", "two", "three", "status", "xresp", "y"].map((k) => S.at[k]);

const IMPORTS = [
  "proxy_get_header_map_value",
  "proxy_add_header_map_value",
  "proxy_replace_header_map_value",
  "proxy_remove_header_map_value",
  "proxy_get_header_map_pairs",
  "proxy_set_header_map_pairs",
  "proxy_get_header_map_size",
];

const module = () =>
  wat({
    imports: IMPORTS,
    body: `${S.wat}
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(0, call("proxy_get_header_map_value", 0, ...xa, P, P + 4))}
    ${st(1, call("proxy_get_header_map_value", 0, ...missing, P + 8, P + 12))}
    ${st(2, call("proxy_add_header_map_value", 0, ...XB, ...two))}
    ${st(3, call("proxy_replace_header_map_value", 0, ...xa, ...three))}
    ${st(4, call("proxy_remove_header_map_value", 0, ...missing))}
    ${st(5, call("proxy_get_header_map_value", 8, ...xa, P, P + 4))}
    ${st(6, call("proxy_get_header_map_value", 2, ...xa, P + 8, P + 12))}
    ${st(7, call("proxy_get_header_map_size", 0, P + 16))}
    ${st(8, call("proxy_get_header_map_pairs", 0, P + 24, P + 28))}
    ${st(9, call("proxy_get_header_map_value", 0, ...xa, 0xfffffff0, P + 4))}
    ${st(10, call("proxy_add_header_map_value", 6, ...xa, ...one))}
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    ${st(11, call("proxy_get_header_map_value", 0, ...xa, P + 32, P + 36))}
    ${st(12, call("proxy_add_header_map_value", 0, ...xa, ...one))}
    ${st(13, call("proxy_get_header_map_pairs", 0, P + 40, P + 44))}
    ${st(14, call("proxy_get_header_map_value", 2, ...status, P + 48, P + 52))}
    ${st(15, call("proxy_replace_header_map_value", 2, ...xresp, ...y))}
    (i32.const 0))
  (func (export "proxy_on_log") (param $c i32)
    ${st(16, call("proxy_get_header_map_value", 0, ...xa, P + 56, P + 60))}
    ${st(17, call("proxy_add_header_map_value", 0, ...xa, ...one))}
    ${st(18, call("proxy_get_header_map_value", 0, ...missing, P + 64, P + 68))}
    ${st(19, call("proxy_get_header_map_value", 1, ...xa, P + 64, P + 68))}
    ${st(20, call("proxy_get_header_map_size", 0, P + 72))})`,
  });

/** Pairs bytes written out by hand: u32 count, (u32 klen, u32 vlen)*, (key 0 value 0)*. */
function pairsBytes(list: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32LE(list.length);
  parts.push(n);
  for (const [k, v] of list) {
    const l = Buffer.alloc(8);
    l.writeUInt32LE(k.length, 0);
    l.writeUInt32LE(v.length, 4);
    parts.push(l);
  }
  for (const [k, v] of list) parts.push(Buffer.from(k), Buffer.from([0]), Buffer.from(v), Buffer.from([0]));
  return Buffer.concat(parts);
}

test("request headers phase: get/add/replace/remove codes and effects", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const s = stack.stream();
  s.sendRequestHeaders([[":authority", "h"], [":path", "/p"], [":method", "GET"], ["x-a", "1"], ["x-c", "c"]], true);
  const vm = stack.vm();
  assert.equal(slot(vm, 0), 0);
  assert.equal(returnedText(vm, P), "1");
  assert.equal(slot(vm, 1), 1, "missing key: NotFound");
  assert.equal(slot(vm, 2), 0);
  assert.equal(slot(vm, 3), 0);
  assert.equal(slot(vm, 4), 0, "removing an absent key is Ok");
  assert.equal(slot(vm, 5), 2, "map type > 7: BadArgument");
  assert.equal(slot(vm, 6), 2, "response headers in the request phase: BadArgument");
  assert.equal(slot(vm, 7), 0);
  // byte size after the changes: sum of key and value lengths
  const after: [string, string][] = [[":authority", "h"], [":path", "/p"], [":method", "GET"], ["x-c", "c"], ["x-b", "2"], ["x-a", "3"]];
  assert.equal(u32(vm, P + 16), after.reduce((n, [k, v]) => n + k.length + v.length, 0));
  assert.equal(slot(vm, 8), 0);
  assert.deepEqual(Buffer.from(returned(vm, P + 24)), pairsBytes(after), "exact pairs bytes");
  assert.equal(slot(vm, 9), 6, "bad return pointer: InvalidMemoryAccess");
  assert.equal(slot(vm, 10), 2, "http call response headers are not mutable: BadArgument");
  // what the upstream got: x-b added lower-cased, x-a replaced and moved to the end
  const up = s.upstream!.headers.filter(([k]) => !k.startsWith("x-envoy"));
  assert.deepEqual(up, after);
  await stack.close();
});

test("response phase: request headers are gone (BadArgument / empty pairs); response headers writable", async () => {
  const stack = await createTestStack({ filters: [{ wasm: await module() }] });
  const s = stack.stream();
  s.sendRequestHeaders([[":authority", "h"], [":path", "/p"], [":method", "GET"], ["x-a", "1"]], true);
  s.respond(201);
  const vm = stack.vm();
  assert.equal(slot(vm, 11), 2);
  assert.equal(slot(vm, 12), 2);
  assert.equal(slot(vm, 13), 0, "pairs of an unavailable map: Ok");
  assert.deepEqual([u32(vm, P + 40), u32(vm, P + 44)], [0, 0], "and (0, 0)");
  assert.equal(slot(vm, 14), 0);
  assert.equal(returnedText(vm, P + 48), "201");
  assert.equal(slot(vm, 15), 0);
  assert.equal(s.response.header("x-resp"), "y");
  // on_log: request headers readable again (read-only), missing map -> NotFound
  assert.equal(slot(vm, 16), 0);
  assert.equal(returnedText(vm, P + 56), "3");
  assert.equal(slot(vm, 17), 2, "no changes in on_log");
  assert.equal(slot(vm, 18), 1);
  assert.equal(slot(vm, 19), 1, "unavailable map in on_log: NotFound");
  assert.equal(slot(vm, 20), 2, "size needs the mutable map: BadArgument in on_log");
  await stack.close();
});

test("set_header_map_pairs: replaces the whole map; a malformed buffer empties it", async () => {
  const good: [string, string][] = [[":authority", "h"], [":method", "GET"], [":path", "/new"], ["X-Up", "v"]];
  const goodBytes = pairsBytes(good);
  const bad = Buffer.from(goodBytes);
  bad[bad.length - 1] = 0x41; // last NUL missing
  const T = strings({ good: goodBytes, bad, trailing: Buffer.concat([goodBytes, Buffer.from([0])]) });
  const m = (which: string) =>
    wat({
      imports: IMPORTS,
      body: `${T.wat}
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    ${st(0, call("proxy_set_header_map_pairs", 0, ...T.at[which]))}
    ${st(1, call("proxy_get_header_map_size", 0, P))}
    (i32.const 0))`,
    });
  {
    const stack = await createTestStack({ filters: [{ wasm: await m("good") }] });
    const s = stack.stream();
    s.sendRequestHeaders([[":authority", "old"], [":path", "/old"], [":method", "POST"], ["x-old", "1"]], true);
    assert.equal(slot(stack.vm(), 0), 0);
    assert.deepEqual(
      s.upstream!.headers.filter(([k]) => !k.startsWith("x-envoy")),
      [[":authority", "h"], [":method", "GET"], [":path", "/new"], ["x-up", "v"]],
    );
    await stack.close();
  }
  for (const which of ["bad", "trailing"]) {
    const stack = await createTestStack({ filters: [{ wasm: await m(which) }] });
    const s = stack.stream();
    s.sendRequestHeaders([[":authority", "old"], [":path", "/old"], [":method", "POST"]], true);
    assert.equal(slot(stack.vm(), 0), 0, `${which}: still Ok`);
    assert.equal(u32(stack.vm(), P), 0, `${which}: the map is now empty`);
    assert.equal(s.response.status, 404, "no :authority/:path left: no route");
    await stack.close();
  }
});

test("pseudo-headers stay first when added", async () => {
  const T = strings({ k: ":x-pseudo", v: "p" });
  const m = await wat({
    imports: IMPORTS,
    body: `${T.wat}
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    ${st(0, call("proxy_add_header_map_value", 0, ...T.at.k, ...T.at.v))}
    (i32.const 0))`,
  });
  const stack = await createTestStack({ filters: [{ wasm: m }] });
  const s = stack.stream();
  s.sendRequestHeaders([[":authority", "h"], [":path", "/"], [":method", "GET"], ["a", "1"]], true);
  assert.deepEqual(s.upstream!.headers.slice(0, 5), [[":authority", "h"], [":path", "/"], [":method", "GET"], [":x-pseudo", "p"], ["a", "1"]]);
  await stack.close();
});
