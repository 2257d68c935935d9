// scripts/build.mjs and scripts/abi-check.mjs on the SDK test plugin: both targets link, the
// Envoy build has only Envoy's imports, Higress-only code stays out of it, output is deterministic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { checkModule, parseModule, ENVOY_IMPORTS } from "../../scripts/abi-check.mjs";
import { testPlugin, runBuild, ROOT } from "./helpers.ts";

test("the Envoy build links on Envoy and imports only env.proxy_* with Envoy's signatures", () => {
  const bytes = readFileSync(testPlugin("envoy"));
  const { problems, module } = checkModule(bytes, { higress: false });
  assert.deepEqual(problems, []);
  for (const im of module.imports) {
    assert.equal(im.module, "env");
    assert.ok(im.name in ENVOY_IMPORTS, `${im.name} is an Envoy host function`);
  }
  const names = module.imports.map((i: { name: string }) => i.name);
  for (const banned of ["abort", "seed", "Date.now", "trace", "proxy_redis_init", "proxy_redis_call"]) {
    assert.ok(!names.includes(banned), `imports ${banned}`);
  }
  const exported = module.exports.map((e: { name: string }) => e.name);
  assert.ok(exported.includes("proxy_abi_version_0_2_1"));
  assert.ok(!exported.includes("proxy_abi_version_0_2_100"));
  assert.ok(!exported.includes("proxy_on_redis_call_response"));
  // the SDK's own helpers must not leak out as exports
  assert.ok(!exported.includes("onAbort") && !exported.includes("seedFromClock"));
  const metric = module.imports.find((i: { name: string }) => i.name === "proxy_increment_metric");
  assert.deepEqual(metric.sig, { params: ["i32", "i64"], results: ["i32"] });
});

test("the Higress build (higress.ts entry) carries 0_2_100 and the Redis imports, and fails the Envoy check", () => {
  const bytes = readFileSync(testPlugin("higress"));
  assert.deepEqual(checkModule(bytes, { higress: true }).problems, []);
  const { module } = checkModule(bytes, { higress: true });
  const names = module.imports.map((i: { name: string }) => i.name);
  assert.ok(names.includes("proxy_redis_init") && names.includes("proxy_redis_call"));
  const exported = module.exports.map((e: { name: string }) => e.name);
  assert.ok(exported.includes("proxy_abi_version_0_2_100"));
  assert.ok(exported.includes("proxy_on_redis_call_response"));
  const onEnvoy = checkModule(bytes, { higress: false }).problems.join("\n");
  assert.match(onEnvoy, /import env\.proxy_redis_init: only Higress provides it/);
  assert.match(onEnvoy, /missing ABI marker export proxy_abi_version_0_2_1/);
});

test("the build is deterministic: same sources, same bytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "sdk-build-"));
  try {
    const a = join(dir, "a.wasm");
    const b = join(dir, "b.wasm");
    for (const out of [a, b]) {
      const r = runBuild(["--entry", "tests/sdk/plugin/index.ts", "--out", out, "--quiet"]);
      assert.equal(r.status, 0, r.output);
    }
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.ok(readFileSync(a).equals(readFileSync(testPlugin("envoy"))), "same bytes as the cached build");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a compile error fails the build with asc's message", () => {
  const dir = mkdtempSync(join(ROOT, ".tmp-sdk-"));
  try {
    const entry = join(dir, "broken.ts");
    writeFileSync(entry, "export const x: i32 = 'not a number';\n");
    const r = runBuild(["--entry", entry, "--out", join(dir, "broken.wasm")]);
    assert.equal(r.status, 1);
    assert.match(r.output, /FAILED/);
    assert.match(r.output, /TS2322|not assignable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a module exports every callback with its ABI signature", () => {
  const { exports } = parseModule(readFileSync(testPlugin("envoy")));
  const sig = (name: string) => exports.find((e: { name: string }) => e.name === name)?.sig;
  assert.deepEqual(sig("proxy_on_request_headers"), { params: ["i32", "i32", "i32"], results: ["i32"] });
  assert.deepEqual(sig("proxy_on_http_call_response"), { params: ["i32", "i32", "i32", "i32", "i32"], results: [] });
  assert.deepEqual(sig("proxy_on_context_create"), { params: ["i32", "i32"], results: [] });
  assert.deepEqual(sig("malloc"), { params: ["i32"], results: ["i32"] });
  for (const name of ["proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick", "proxy_on_queue_ready",
    "proxy_on_foreign_function", "proxy_on_request_body", "proxy_on_request_trailers", "proxy_on_response_headers",
    "proxy_on_response_body", "proxy_on_response_trailers", "proxy_on_log", "proxy_on_done", "proxy_on_delete",
    "proxy_validate_configuration"]) {
    assert.ok(sig(name), `exports ${name}`);
  }
});

test("plugin mode: every <plugins>/<name>/index.ts for both targets, higress.ts as the Higress entry", () => {
  const dir = mkdtempSync(join(ROOT, ".tmp-sdk-"));
  try {
    const plugin = (name: string, rootId: string) => `import { RootContext, registerRootContext } from "../../../assembly";
registerRootContext("${rootId}", (id: u32): RootContext => new RootContext(id));\n`;
    for (const name of ["alpha", "beta"]) mkdirSync(join(dir, "plugins", name), { recursive: true });
    writeFileSync(join(dir, "plugins", "alpha", "index.ts"), plugin("alpha", "alpha"));
    writeFileSync(join(dir, "plugins", "beta", "index.ts"), plugin("beta", "beta"));
    writeFileSync(join(dir, "plugins", "beta", "higress.ts"), `import "./index";
import { RootContext, registerRootContext } from "../../../assembly";
import { redisInit } from "../../../assembly/redis";
class R extends RootContext { onConfigure(c: string): bool { redisInit("c", "", "", 100); return true; } }
registerRootContext("beta-redis", (id: u32): RootContext => new R(id));\n`);
    mkdirSync(join(dir, "plugins", "not-a-plugin"));
    const r = runBuild(["--plugins", join(dir, "plugins"), "--dist", join(dir, "dist"), "--jobs", "2"]);
    assert.equal(r.status, 0, r.output);
    for (const name of ["alpha", "beta"]) assert.match(r.output, new RegExp(`dist/${name}\\.wasm .* envoy`));
    const names = (file: string) => parseModule(readFileSync(join(dir, "dist", file))).imports.map((i: { name: string }) => i.name);
    assert.ok(!names("beta.wasm").includes("proxy_redis_init"));
    assert.ok(names("higress/beta.wasm").includes("proxy_redis_init"));
    assert.ok(!names("higress/alpha.wasm").includes("proxy_redis_init"));
    assert.deepEqual(checkModule(readFileSync(join(dir, "dist", "higress", "alpha.wasm")), { higress: true }).problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plugin mode with no plugins succeeds and says so", () => {
  const dir = mkdtempSync(join(ROOT, ".tmp-sdk-"));
  try {
    const r = runBuild(["--plugins", join(dir, "plugins"), "--dist", join(dir, "dist")]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /nothing to build/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
