// The bridge against the fake Nacos: register, scale up, unhealthy/disabled/weight 0, deregister,
// outage and recovery, 5xx, timeouts, empty blips, bad payloads, protect threshold, auth with
// token refresh, service discovery with paging, and the v2/v3 API variants.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Bridge } from "../../registry/bridge.ts";
import { parseConfigText } from "../../registry/config.ts";
import { FakeNacos, type FakeNacosOptions } from "./fakes/nacos.ts";
import { ports, recordingLog, tempDir, until, validateEds } from "./helpers.ts";

const CLUSTER = "qwen_local.DEFAULT-GROUP.public.nacos";
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(yamlExtra: string, fakeOpts: FakeNacosOptions = {}) {
  const nacos = await new FakeNacos(fakeOpts).start();
  cleanups.push(() => nacos.stop().catch(() => {}));
  const dir = tempDir();
  const logs: string[] = [];
  const text = `outDir: ${dir}\ntimeoutMs: 300\nnacos:\n  server: ${nacos.url}\n${yamlExtra}`;
  const { config, errors } = parseConfigText(text, recordingLog(logs), { NACOS_PW: "secret" });
  assert.deepEqual(errors, []);
  const bridge = new Bridge({ outDir: config!.outDir, sources: config!.sources, catalogs: config!.catalogs, log: recordingLog(logs) });
  cleanups.push(() => bridge.stop());
  const file = (c = CLUSTER) => path.join(dir, `${c}.yaml`);
  const eds = (c = CLUSTER) => validateEds(file(c), c);
  return { nacos, bridge, logs, dir, file, eds };
}

describe("nacos -> EDS", () => {
  it("follows register, scale up, unhealthy, disabled, weight 0 and deregister within one poll", async () => {
    const { nacos, bridge, eds } = await setup("  intervalMs: 100\n  emptyGraceMs: 0\n  services: [qwen_local]\n");
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001, weight: 2, metadata: { gpu: "a100", version: "v2" } });
    await bridge.start();
    let e = eds();
    assert.deepEqual(ports(e), [7001]);
    assert.equal(e[0].weight, 2);
    assert.deepEqual(e[0].lb, { gpu: "a100", version: "v2" });
    assert.equal(e[0].origin.registry, "nacos");
    assert.equal(e[0].origin.service, "qwen_local");

    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    nacos.register("qwen_local", { ip: "::1", port: 7003, weight: 0.4 });
    await until(() => eds().length === 3, 2000, "scale up");
    assert.equal(eds().find((x) => x.port === 7003)!.address, "::1");
    assert.equal(eds().find((x) => x.port === 7003)!.weight, 1);

    nacos.update("qwen_local", "127.0.0.1", 7002, { healthy: false });
    nacos.update("qwen_local", "::1", 7003, { enabled: false });
    await until(() => eds().length === 1, 2000, "unhealthy and disabled removed");
    nacos.update("qwen_local", "127.0.0.1", 7002, { healthy: true, weight: 0 });
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(ports(eds()), [7001], "weight 0 stays out");

    nacos.deregister("qwen_local", "127.0.0.1", 7001);
    nacos.update("qwen_local", "127.0.0.1", 7002, { weight: 1 });
    await until(() => ports(eds()).join() === "7002", 2000, "deregistered one gone");
  });

  it("keeps the last endpoints through outage, 5xx, timeouts, bad payloads and empty blips", async () => {
    const { nacos, bridge, eds, logs } = await setup("  intervalMs: 80\n  emptyGraceMs: 1500\n  services: [qwen_local]\n");
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    await bridge.start();
    assert.equal(eds().length, 2);
    const st = () => bridge.status()[0];

    nacos.faults.add({ status: 503, count: 3 });
    nacos.faults.add({ hang: true, count: 1 });
    nacos.faults.add({ badPayload: "<html>busy</html>", count: 1 });
    nacos.faults.add({ badPayload: '{"hosts":"nope"}', count: 1 });
    nacos.faults.add({ empty: true, count: 3 });
    const polls = st().polls;
    await until(() => st().polls >= polls + 10, 5000, "faulty polls");
    assert.equal(eds().length, 2, "never emptied");
    if (process.env.DEBUG_LOGS) console.error(logs);
    assert.ok(logs.some((l) => l.includes("HTTP 503")));
    assert.ok(logs.some((l) => l.includes("timed out")));
    assert.ok(logs.some((l) => l.includes("bad instance list: not JSON")));
    assert.ok(logs.some((l) => l.includes("hosts: expected an array")));
    assert.ok(logs.some((l) => l.includes("empty instance list; keeping 2")));

    // Registry down (connection refused), then back on the same port with a change.
    const port = nacos.port;
    await nacos.stop();
    await until(() => st().lastError !== null && /ECONNREFUSED/.test(st().lastError!), 2000, "refused");
    assert.equal(eds().length, 2);
    const back = await new FakeNacos().start(port);
    cleanups.push(() => back.stop());
    back.register("qwen_local", { ip: "127.0.0.1", port: 7003 });
    await until(() => ports(eds()).join() === "7003", 2000, "recovered");
    assert.equal(st().holding, false);
  });

  it("publishes an empty list only after the grace period (or never with -1)", async () => {
    const { nacos, bridge, eds } = await setup("  intervalMs: 50\n  emptyGraceMs: 300\n  services: [qwen_local]\n");
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    await bridge.start();
    nacos.deregister("qwen_local", "127.0.0.1", 7001);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(eds().length, 1, "held during the grace period");
    await until(() => eds().length === 0, 2000, "emptied after grace");
  });

  it("holds the last good set when the protect threshold rewrites health flags", async () => {
    const { nacos, bridge, eds, logs } = await setup("  intervalMs: 50\n  emptyGraceMs: -1\n  services: [qwen_local]\n");
    nacos.setProtectThreshold("qwen_local", 0.5);
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7003 });
    await bridge.start();
    nacos.update("qwen_local", "127.0.0.1", 7002, { healthy: false });
    await until(() => eds().length === 2, 2000, "one unhealthy removed");
    nacos.update("qwen_local", "127.0.0.1", 7003, { healthy: false }); // 1/3 healthy <= 0.5: all come back healthy:true
    await until(() => logs.some((l) => l.includes("protect threshold reached")), 2000, "protect logged");
    assert.deepEqual(ports(eds()), [7001, 7003], "the last trustworthy set stays");
  });

  it("expires ephemeral instances whose beats stop (15 s unhealthy, 30 s deleted)", async () => {
    let now = 1_000_000;
    const { nacos, bridge, eds } = await setup("  intervalMs: 50\n  emptyGraceMs: 0\n  services: [qwen_local]\n", { now: () => now });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    await bridge.start();
    now += 16_000;
    const res = await fetch(`${nacos.url}/nacos/v1/ns/instance/beat?serviceName=DEFAULT_GROUP@@qwen_local&beat=${encodeURIComponent(JSON.stringify({ ip: "127.0.0.1", port: 7002 }))}`, { method: "PUT" });
    assert.equal((await res.json()).code, 10200);
    await until(() => ports(eds()).join() === "7002", 2000, "7001 unhealthy");
    const unknown = await fetch(`${nacos.url}/nacos/v1/ns/instance/beat?serviceName=DEFAULT_GROUP@@qwen_local&beat=${encodeURIComponent(JSON.stringify({ ip: "127.0.0.1", port: 9 }))}`, { method: "PUT" });
    assert.equal((await unknown.json()).code, 20404);
  });

  it("logs in, sends the token, and logs in again after a 403", async () => {
    const { nacos, bridge, eds } = await setup("  intervalMs: 50\n  username: nacos\n  passwordEnv: NACOS_PW\n  services: [qwen_local]\n", { auth: { username: "nacos", password: "secret", tokenTtlS: 1 } });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    await bridge.start();
    assert.equal(eds().length, 1);
    const logins = () => nacos.requests.filter((r) => r.path === "/nacos/v1/auth/login").length;
    assert.equal(logins(), 1);
    assert.ok(nacos.requests.some((r) => r.query.get("accessToken") === "tok-1"));
    await until(() => logins() >= 2, 3000, "refresh before the 1 s TTL ends");
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    await until(() => eds().length === 2, 2000, "polls keep working with refreshed tokens");
    const denied = await fetch(`${nacos.url}/nacos/v1/ns/instance/list?serviceName=qwen_local`);
    assert.equal(denied.status, 403);
  });

  it("discovers services by paging the service list (consumers:* skipped)", async () => {
    const { nacos, bridge, eds, file } = await setup("  intervalMs: 50\n  discover: {groups: [DEFAULT_GROUP, g_2], pageSize: 2, intervalMs: 100}\n");
    for (const s of ["a", "b", "c", "consumers:x"]) nacos.register(s, { ip: "127.0.0.1", port: 7000 + s.length });
    nacos.register("d", { ip: "127.0.0.1", port: 7100 }, "g_2");
    await bridge.start();
    for (const c of ["a", "b", "c"]) assert.equal(eds(`${c}.DEFAULT-GROUP.public.nacos`).length, 1);
    assert.equal(eds("d.g-2.public.nacos").length, 1);
    assert.throws(() => validateEds(file("consumers:x.DEFAULT-GROUP.public.nacos"), "x"));
    const pages = nacos.requests.filter((r) => r.path === "/nacos/v1/ns/service/list" && r.query.get("groupName") === "DEFAULT_GROUP").map((r) => r.query.get("pageNo"));
    assert.deepEqual(pages.slice(0, 2), ["1", "2"]);
    nacos.register("e", { ip: "127.0.0.1", port: 7200 });
    await until(() => { try { return eds("e.DEFAULT-GROUP.public.nacos").length === 1; } catch { return false; } }, 3000, "new service picked up");
  });

  for (const [api, version] of [["v2", "2.x"], ["v3", "3.x"], ["v1", "1.x"], ["v1", "3.x"]] as const) {
    it(`reads the ${api} API from a ${version} server`, async () => {
      const { nacos, bridge, eds } = await setup(`  api: ${api}\n  intervalMs: 50\n  services: [qwen_local]\n`, { version });
      nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001, metadata: { gpu: "l4" } });
      nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002, clusterName: "OTHER" });
      await bridge.start();
      // v3's clusterName defaults to DEFAULT on the server: other clusters vanish unless named.
      assert.deepEqual(ports(eds()), api === "v3" ? [7001] : [7001, 7002]);
      assert.equal(eds()[0].lb.gpu, "l4");
    });
  }

  it("v2 on a 3.x server without the compatibility switch is an error that keeps the file", async () => {
    const { nacos, bridge, logs, file } = await setup("  api: v2\n  intervalMs: 50\n  services: [qwen_local]\n", { version: "3.x" });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001 });
    await bridge.start();
    assert.ok(logs.some((l) => l.includes("HTTP 410")));
    assert.deepEqual(validateEdsEmpty(file()), []);
  });

  it("filters by Nacos cluster names", async () => {
    const { nacos, bridge, eds } = await setup("  clusters: [GPU]\n  services: [qwen_local]\n");
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7001, clusterName: "GPU" });
    nacos.register("qwen_local", { ip: "127.0.0.1", port: 7002 });
    await bridge.start();
    assert.deepEqual(ports(eds()), [7001]);
    assert.equal(eds()[0].origin.nacos_cluster, "GPU");
  });
});

import * as fs from "node:fs";
function validateEdsEmpty(file: string): unknown[] {
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  return doc.resources[0].endpoints;
}
