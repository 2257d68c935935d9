// End to end: the local runner serves an EDS cluster whose file the bridge writes from a fake
// registry, in front of mock OpenAI upstreams. A request loop through the runner loses no request
// while instances are added, marked DOWN / unhealthy and removed; an instance is stopped only
// after it has left the cluster (graceful: in-flight requests finish).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { startRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";
import { Bridge } from "../../registry/bridge.ts";
import { parseConfigText } from "../../registry/config.ts";
import { FakeEureka } from "./fakes/eureka.ts";
import { FakeNacos } from "./fakes/nacos.ts";
import { tempDir, until, validateEds } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

function envoyYaml(cluster: string, edsPath: string): string {
  return `
static_resources:
  listeners:
  - name: gw
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: "${cluster}", timeout: 10s}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: "${cluster}"
    type: EDS
    connect_timeout: 1s
    lb_policy: ROUND_ROBIN
    eds_cluster_config:
      service_name: "${cluster}"
      eds_config: {resource_api_version: V3, path_config_source: {path: "${edsPath}"}}
`;
}

interface Engine {
  cluster: string;
  yaml: (dir: string) => string;
  add(m: MockServer): void;
  down(m: MockServer): void;
  remove(m: MockServer): void;
  /** The registry stops answering (5xx on every read). */
  outage(): void;
}

async function scenario(engine: Engine): Promise<void> {
  const dir = tempDir();
  const { config, errors } = parseConfigText(engine.yaml(dir), () => {});
  assert.deepEqual(errors, []);
  const bridge = new Bridge({ outDir: dir, sources: config!.sources, log: () => {} });
  cleanups.push(() => bridge.stop());
  const mocks: MockServer[] = [];
  for (let i = 0; i < 4; i++) {
    const m = await startUpstream("openai");
    mocks.push(m);
    cleanups.push(() => m.close());
  }
  engine.add(mocks[0]);
  await bridge.start();
  const edsPath = path.join(dir, `${engine.cluster}.yaml`);
  const runner = await startRunner({ configText: envoyYaml(engine.cluster, edsPath), concurrency: 2, logger: new RunnerLogger(4, () => {}) });
  cleanups.push(() => runner.close());
  const port = runner.listenersByName.gw;

  const statuses: number[] = [];
  const failures: string[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer sk-test", "x-mock-fault": "delay=30" },
          body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
        });
        const body = await res.json();
        statuses.push(res.status);
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body).slice(0, 120)}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 6 }, worker);
  const seen = (m: MockServer) => m.state.requests.length;
  const inEds = (m: MockServer) => validateEds(edsPath, engine.cluster).some((e) => e.port === m.port);
  /** Waits until the instance is out of the file, then until the runner stops sending it new requests. */
  const drained = async (m: MockServer) => {
    await until(() => !inEds(m), 3000, `port ${m.port} out of EDS`);
    await new Promise((r) => setTimeout(r, 200)); // reload + in-flight (30 ms) requests finish
    const n = seen(m);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen(m), n, `no new requests to ${m.port} after it left the cluster`);
  };

  await until(() => statuses.length > 20, 5000, "traffic");
  engine.add(mocks[1]);
  engine.add(mocks[2]);
  await until(() => seen(mocks[1]) > 5 && seen(mocks[2]) > 5, 5000, "scale up gets traffic");

  engine.down(mocks[0]); // marked DOWN / unhealthy: still running, must leave the cluster
  await drained(mocks[0]);
  await mocks[0].close();

  engine.add(mocks[3]);
  engine.remove(mocks[1]); // deregistered
  await until(() => seen(mocks[3]) > 5, 5000, "new instance gets traffic");
  await drained(mocks[1]);
  await mocks[1].close();
  const before = statuses.length;
  await until(() => statuses.length > before + 30, 5000, "traffic after the changes");

  // Registry down for many poll intervals: the bridge keeps the last endpoints, traffic goes on.
  const edsBefore = fs.readFileSync(edsPath, "utf8");
  engine.outage();
  const during = statuses.length;
  await new Promise((r) => setTimeout(r, 800));
  await until(() => statuses.length > during + 30, 5000, "traffic during the registry outage");
  assert.equal(fs.readFileSync(edsPath, "utf8"), edsBefore, "EDS file unchanged while the registry is down");
  running = false;
  await Promise.all(workers);
  assert.deepEqual(failures, [], "no request lost");
  assert.ok(statuses.length > 100, `requests sent: ${statuses.length}`);
}

describe("runner + bridge end to end", () => {
  it("Nacos: add, unhealthy, deregister, registry down, under load without losing a request", async () => {
    const nacos = await new FakeNacos().start();
    cleanups.push(() => nacos.stop());
    await scenario({
      cluster: "qwen-local.DEFAULT-GROUP.public.nacos",
      yaml: (dir) => `outDir: ${dir}\nnacos:\n  server: ${nacos.url}\n  intervalMs: 100\n  emptyGraceMs: -1\n  services: [qwen-local]\n`,
      add: (m) => nacos.register("qwen-local", { ip: "127.0.0.1", port: m.port, metadata: { gpu: "a100" } }),
      down: (m) => nacos.update("qwen-local", "127.0.0.1", m.port, { healthy: false }),
      remove: (m) => nacos.deregister("qwen-local", "127.0.0.1", m.port),
      outage: () => nacos.faults.add({ status: 503, count: Infinity }),
    });
  });

  it("Eureka: add, DOWN, deregister, registry down, under load without losing a request", async () => {
    const eureka = await new FakeEureka({ cacheMs: 0 }).start();
    cleanups.push(() => eureka.stop());
    const id = (m: MockServer) => `127.0.0.1:llama-local:${m.port}`;
    await scenario({
      cluster: "LLAMA-LOCAL.eureka",
      yaml: (dir) => `outDir: ${dir}\neureka:\n  server: ${eureka.url}\n  intervalMs: 100\n  emptyGraceMs: -1\n  apps: [llama-local]\n`,
      add: (m) => void eureka.register("llama-local", { ipAddr: "127.0.0.1", port: m.port }),
      down: (m) => void eureka.setStatus("llama-local", id(m), "DOWN"),
      remove: (m) => void eureka.deregister("llama-local", id(m)),
      outage: () => eureka.faults.add({ status: 503, count: Infinity }),
    });
  });
});
