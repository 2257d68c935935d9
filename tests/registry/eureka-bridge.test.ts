// The bridge against the fake Eureka: JSON via Accept, UP-only, disabled ports, DOWN/OUT_OF_SERVICE,
// 404 for an emptied app, legacy forms, response cache, faults, outage and recovery.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Bridge } from "../../registry/bridge.ts";
import { parseConfigText } from "../../registry/config.ts";
import { FakeEureka, type FakeEurekaOptions } from "./fakes/eureka.ts";
import { ports, recordingLog, tempDir, until, validateEds } from "./helpers.ts";

const CLUSTER = "LLAMA-LOCAL.eureka";
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(extra: string, opts: FakeEurekaOptions = { cacheMs: 0 }) {
  const eureka = await new FakeEureka(opts).start();
  cleanups.push(() => eureka.stop().catch(() => {}));
  const dir = tempDir();
  const logs: string[] = [];
  const { config, errors } = parseConfigText(`outDir: ${dir}\ntimeoutMs: 300\neureka:\n  server: ${eureka.url}\n  apps: [llama-local]\n${extra}`, recordingLog(logs));
  assert.deepEqual(errors, []);
  const bridge = new Bridge({ outDir: dir, sources: config!.sources, log: recordingLog(logs) });
  cleanups.push(() => bridge.stop());
  return { eureka, bridge, logs, eds: () => validateEds(path.join(dir, `${CLUSTER}.yaml`), CLUSTER) };
}

describe("eureka -> EDS", () => {
  it("follows UP instances; DOWN, OUT_OF_SERVICE, disabled port and deregistered ones leave within one poll", async () => {
    const { eureka, bridge, eds } = await setup("  intervalMs: 60\n  emptyGraceMs: 0\n");
    const a = eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7001, metadata: { gpu: "a100", weight: "4" } });
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7002, status: "STARTING" });
    await bridge.start();
    assert.ok(eureka.requests.every((r) => r.accept.includes("application/json")));
    assert.equal(eureka.requests[0].path, "/eureka/apps/LLAMA-LOCAL");
    let e = eds();
    assert.deepEqual(ports(e), [7001]);
    assert.deepEqual(e[0].lb, { gpu: "a100", weight: "4" });
    assert.equal(e[0].weight, 4);
    const b = eureka.register("llama-local", { ipAddr: "::1", port: 7003 });
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7004, portEnabled: false });
    await until(() => eds().length === 2, 2000, "scale up");
    assert.equal(eds().find((x) => x.port === 7003)!.address, "::1");
    eureka.setStatus("llama-local", a, "DOWN");
    await until(() => ports(eds()).join() === "7003", 2000, "DOWN leaves");
    eureka.setStatus("llama-local", a, "UP");
    eureka.setStatus("llama-local", b, "OUT_OF_SERVICE");
    await until(() => ports(eds()).join() === "7001", 2000, "OUT_OF_SERVICE leaves");
    eureka.deregister("llama-local", a);
    eureka.deregister("llama-local", b);
    await until(() => eds().length === 0, 2000, "all gone: emptied with grace 0");
  });

  it("keeps endpoints through 404 blips, 5xx, 403 warm-up, timeouts, bad payloads and an outage", async () => {
    const { eureka, bridge, eds, logs } = await setup("  intervalMs: 60\n  emptyGraceMs: -1\n");
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7001 });
    await bridge.start();
    const st = () => bridge.status()[0];
    eureka.faults.add({ empty: true, count: 2 });
    eureka.faults.add({ status: 500, count: 2 });
    eureka.faults.add({ status: 403, count: 1 });
    eureka.faults.add({ hang: true, count: 1 });
    eureka.faults.add({ badPayload: "{\"application\":[]}", count: 1 });
    const polls = st().polls;
    await until(() => st().polls >= polls + 8, 5000, "faulty polls");
    assert.deepEqual(ports(eds()), [7001]);
    for (const w of ["empty instance list", "HTTP 500", "HTTP 403", "timed out", "application: expected an object"]) assert.ok(logs.some((l) => l.includes(w)), w);
    const port = eureka.port;
    await eureka.stop();
    await until(() => /ECONNREFUSED/.test(st().lastError ?? ""), 2000, "refused");
    assert.deepEqual(ports(eds()), [7001]);
    const back = await new FakeEureka({ cacheMs: 0 }).start(port);
    cleanups.push(() => back.stop());
    back.register("llama-local", { ipAddr: "127.0.0.1", port: 7002 });
    await until(() => ports(eds()).join() === "7002", 2000, "recovered");
  });

  it("reads legacy single-object and string-port answers", async () => {
    const { eureka, bridge, eds } = await setup("", { cacheMs: 0, legacySingleObject: true, legacyStringPort: true });
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7005 });
    await bridge.start();
    assert.deepEqual(ports(eds()), [7005]);
    const raw = await (await fetch(`${eureka.url}/apps/llama-local`, { headers: { accept: "application/json" } })).json();
    assert.equal(Array.isArray(raw.application.instance), false);
    assert.equal(raw.application.instance.port.$, "7005");
  });

  it("the fake answers XML without a json Accept, 404 for unknown apps, and caches responses", async () => {
    let now = 0;
    const eureka = await new FakeEureka({ now: () => now }).start();
    cleanups.push(() => eureka.stop());
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7001 });
    const xml = await fetch(`${eureka.url}/apps/llama-local`);
    assert.match(xml.headers.get("content-type")!, /xml/);
    assert.match(await xml.text(), /<port enabled="true">7001<\/port>/);
    assert.equal((await fetch(`${eureka.url}/apps/NOPE`, { headers: { accept: "application/json" } })).status, 404);
    const get = async () => (await (await fetch(`${eureka.url}/apps`, { headers: { accept: "application/json" } })).json()).applications;
    assert.equal((await get()).apps__hashcode, "UP_1_");
    eureka.register("llama-local", { ipAddr: "127.0.0.1", port: 7002, status: "DOWN" });
    assert.equal((await get()).apps__hashcode, "UP_1_", "cached for 30 s");
    now += 30_000;
    assert.equal((await get()).apps__hashcode, "DOWN_1_UP_1_");
    assert.equal((await fetch(`${eureka.url}/apps/LLAMA-LOCAL/nope`, { method: "PUT" })).status, 404, "renew unknown");
  });
});
