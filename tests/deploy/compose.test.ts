// envoy/docker-compose.yaml and envoy/envoy-compose.yaml, checked without Docker: services,
// images, ports, volumes (every host path exists), dependencies; envoy-compose.yaml keeps the
// runner file's filters and stats, and it loads in the local runner with its compose-only
// addresses replaced (mock-llm -> a local mock, the EDS volume -> temporary files), where the
// Nacos and Eureka clusters fed by EDS files answer through ai-proxy.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { ROOT, builtModules } from "./helpers.ts";
import { startRunner } from "../../host/runner/index.ts";
import { startMockProvider, type MockServer } from "../../host/mock/index.ts";

const compose = parse(fs.readFileSync(path.join(ROOT, "envoy/docker-compose.yaml"), "utf8"), { merge: true }); // compose applies `<<` merge keys
const runnerFile = parse(fs.readFileSync(path.join(ROOT, "envoy/envoy.yaml"), "utf8"));
const composeText = fs.readFileSync(path.join(ROOT, "envoy/envoy-compose.yaml"), "utf8");
const composeFile = parse(composeText);
const services = compose.services as Record<string, any>;
const hostPath = (p: string) => path.resolve(ROOT, "envoy", p);
const hcm = (doc: any) => doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const EDS_DIR = "/var/lib/ai-gateway/eds/";

describe("envoy/docker-compose.yaml", () => {
  it("has the services the deployment needs", () => {
    assert.deepEqual(Object.keys(services).sort(), ["envoy", "mock-llm", "prometheus", "redis", "registry"]);
  });

  it("runs Envoy >= 1.35 with envoy-compose.yaml, the three plugins, --concurrency 2, admin published on loopback", () => {
    const e = services.envoy;
    const m = /^envoyproxy\/envoy:v1\.(\d+)[.-]/.exec(e.image);
    assert.ok(m && Number(m[1]) >= 35, `image ${e.image}: allow_on_headers_stop_iteration needs Envoy >= 1.35`);
    assert.deepEqual(e.command.slice(0, 5), ["envoy", "-c", "/etc/envoy/envoy.yaml", "--concurrency", "2"]);
    const mounts = Object.fromEntries(e.volumes.map((v: string) => v.split(":")).map(([a, b]: string[]) => [b, a]));
    assert.equal(mounts["/etc/envoy/envoy.yaml"], "./envoy-compose.yaml");
    // each wasm filename in the bootstrap is mounted, relative to working_dir
    for (const f of hcm(composeFile).http_filters.filter((x: any) => x.typed_config["@type"].endsWith(".wasm.v3.Wasm"))) {
      const file = f.typed_config.config.vm_config.code.local.filename as string;
      const inContainer = path.posix.resolve(e.working_dir, file);
      assert.equal(mounts[inContainer], `../dist/${path.basename(file)}`, `${file} mounted`);
    }
    assert.ok(e.ports.includes("10000:10000"));
    assert.ok(e.ports.includes("127.0.0.1:9901:9901"), "admin only on the host's loopback");
    assert.equal(composeFile.admin.address.socket_address.port_value, 9901);
    assert.equal(hcm(composeFile) && composeFile.static_resources.listeners[0].address.socket_address.port_value, 10000);
  });

  it("mounts only host paths that exist, read-only except the EDS volume the bridge writes", () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const v of (svc.volumes ?? []) as string[]) {
        const [src, dst, mode] = v.split(":");
        if (src.startsWith(".") || src.startsWith("/")) {
          assert.ok(fs.existsSync(hostPath(src)), `${name}: ${src} does not exist`);
          assert.equal(mode, "ro", `${name}: ${src} should be read-only`);
        } else {
          assert.ok(src in (compose.volumes ?? {}), `${name}: named volume ${src} not declared`);
          if (name !== "registry") assert.equal(mode, "ro", `${name}: ${dst}`);
        }
      }
    }
  });

  it("node services run files of this repository", () => {
    for (const name of ["registry", "mock-llm"]) {
      const s = services[name];
      assert.match(s.image, /^node:2\d/);
      assert.equal(s.working_dir, "/app");
      assert.ok(s.volumes.includes("..:/app:ro"));
      const script = s.command.find((a: string) => a.endsWith(".ts"));
      assert.ok(script && fs.existsSync(path.join(ROOT, script)), `${name}: ${script} missing`);
    }
    // the mock listens where envoy-compose.yaml's mock clusters point
    const mock = services["mock-llm"].command;
    assert.equal(mock[mock.indexOf("--port") + 1], "18080");
    assert.equal(mock[mock.indexOf("--host") + 1], "0.0.0.0");
  });

  it("dependencies exist; Envoy waits for the EDS files envoy-compose.yaml names", () => {
    for (const [name, svc] of Object.entries(services)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const d of deps) assert.ok(d in services, `${name} depends on unknown ${d}`);
    }
    assert.equal(services.envoy.depends_on.registry.condition, "service_healthy");
    const edsPaths = composeFile.static_resources.clusters.filter((c: any) => c.type === "EDS").map((c: any) => c.eds_cluster_config.eds_config.path_config_source.path as string);
    assert.ok(edsPaths.length >= 2);
    const check = services.registry.healthcheck.test.join(" ");
    for (const p of edsPaths) {
      assert.ok(p.startsWith(EDS_DIR), p);
      assert.ok(check.includes(path.posix.basename(p)), `registry healthcheck does not wait for ${p}`);
    }
    assert.ok(services.envoy.volumes.includes(`eds:${EDS_DIR.slice(0, -1)}:ro`));
    assert.ok(services.registry.volumes.includes(`eds:${EDS_DIR.slice(0, -1)}`));
  });

  it("the bridge, run with the compose command, writes exactly the EDS files envoy-compose.yaml reads", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-bridge-"));
    try {
      // registries unreachable: the bridge still writes empty assignments so Envoy can start
      const args = (services.registry.command as string[]).slice(2).map((a) =>
        a === EDS_DIR.slice(0, -1) ? dir : a.startsWith("${") ? "http://127.0.0.1:1" + (a.includes("eureka") ? "/eureka" : "") : a,
      );
      const r = spawnSync(process.execPath, ["--import", "tsx", ...args, "--once"], { cwd: ROOT, encoding: "utf8", timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      const written = fs.readdirSync(dir).filter((f) => !f.startsWith(".")).sort();
      const expected = composeFile.static_resources.clusters.filter((c: any) => c.type === "EDS").map((c: any) => path.posix.basename(c.eds_cluster_config.eds_config.path_config_source.path)).sort();
      assert.deepEqual(written, expected);
      for (const f of written) {
        const cla = parse(fs.readFileSync(path.join(dir, f), "utf8")).resources[0];
        assert.equal(`${cla.cluster_name}.yaml`, f);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("Prometheus shares Envoy's network namespace, so prometheus.yml's 127.0.0.1:9901 target is Envoy's admin", () => {
    const p = services.prometheus;
    assert.equal(p.network_mode, "service:envoy");
    assert.ok(p.volumes.includes("../deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    const prom = parse(fs.readFileSync(path.join(ROOT, "deploy/observability/prometheus.yml"), "utf8"));
    const job = prom.scrape_configs[0];
    assert.equal(job.metrics_path, "/stats/prometheus");
    assert.deepEqual(job.static_configs[0].targets, [`127.0.0.1:${composeFile.admin.address.socket_address.port_value}`]);
    assert.equal(composeFile.admin.address.socket_address.address, "0.0.0.0", "reachable through the published port");
  });
});

describe("envoy/envoy-compose.yaml against envoy/envoy.yaml", () => {
  it("same listener, routes, ai-statistics and ai-rate-limit configs and stats_config", () => {
    const a = hcm(runnerFile);
    const b = hcm(composeFile);
    assert.deepEqual(b.route_config, a.route_config);
    assert.deepEqual(b.access_log, a.access_log);
    assert.deepEqual(b.http_filters.map((f: any) => f.name), a.http_filters.map((f: any) => f.name));
    assert.deepEqual(b.http_filters.slice(0, 2), a.http_filters.slice(0, 2));
    assert.deepEqual(composeFile.stats_config, runnerFile.stats_config);
    assert.equal(composeFile.static_resources.listeners[0].per_connection_buffer_limit_bytes, runnerFile.static_resources.listeners[0].per_connection_buffer_limit_bytes);
  });

  it("ai-proxy: the runner file's providers and routing plus the registry-backed providers", () => {
    const cfg = (doc: any) => JSON.parse(hcm(doc).http_filters[2].typed_config.config.configuration.value);
    const a = cfg(runnerFile);
    const b = cfg(composeFile);
    assert.deepEqual(b.providers.slice(0, a.providers.length), a.providers);
    const clusters = new Set(composeFile.static_resources.clusters.map((c: any) => c.name));
    for (const p of b.providers) if (p.cluster) assert.ok(clusters.has(p.cluster), `provider ${p.id}: cluster ${p.cluster} not defined`);
    assert.deepEqual({ ...b.routing, tags: undefined }, { ...a.routing, tags: undefined });
    assert.ok(clusters.has("qwen-local.DEFAULT-GROUP.public.nacos"));
    assert.ok(clusters.has("LLAMA-LOCAL.eureka"));
  });

  it("registry clusters pick instances by metadata: lb_subset_config keyed like the endpoint-metadata filter", () => {
    const keys = hcm(composeFile).http_filters.find((f: any) => f.name === "endpoint-metadata").typed_config.request_rules.map((r: any) => r.on_header_present.key);
    for (const c of composeFile.static_resources.clusters.filter((x: any) => x.type === "EDS")) {
      assert.equal(c.lb_subset_config.fallback_policy, "ANY_ENDPOINT", c.name);
      assert.deepEqual(c.lb_subset_config.subset_selectors, [{ keys: ["gpu"], fallback_policy: "NO_FALLBACK" }], c.name);
      for (const sel of c.lb_subset_config.subset_selectors) for (const k of sel.keys) assert.ok(keys.includes(k), `${c.name}: selector key ${k} has a header rule`);
    }
  });
});

describe("envoy/envoy-compose.yaml in the local runner", () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("loads; the mock answers; the Nacos and Eureka clusters get their endpoints from EDS files", async () => {
    assert.ok(builtModules, "dist/*.wasm missing: run make build");
    const mocks: MockServer[] = [];
    for (let i = 0; i < 3; i++) mocks.push(await startMockProvider({ port: 0 }));
    cleanups.push(() => Promise.all(mocks.map((m) => m.close())));
    const [mock, nacosModel, eurekaModel] = mocks;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-eds-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const t4Model = await startMockProvider({ port: 0 });
    cleanups.push(() => t4Model.close());
    const eds = (cluster: string, eps: Array<[number, string]>) =>
      fs.writeFileSync(
        path.join(dir, `${cluster}.yaml`),
        `version_info: "1"\nresources:\n- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment\n  cluster_name: ${cluster}\n  endpoints:\n  - lb_endpoints:\n` +
          eps.map(([port, gpu]) => `    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }\n      metadata: { filter_metadata: { envoy.lb: { gpu: ${gpu} } } }\n`).join(""),
      );
    eds("qwen-local.DEFAULT-GROUP.public.nacos", [[nacosModel.port, "a100"], [t4Model.port, "t4"]]);
    eds("LLAMA-LOCAL.eureka", [[eurekaModel.port, "a100"]]);
    const text = composeText
      .replaceAll("address: mock-llm, port_value: 18080", `address: localhost, port_value: ${mock.port}`)
      .replaceAll(EDS_DIR, dir + "/");
    const r = await startRunner({ configText: text, baseDir: ROOT, concurrency: 1, portOverrides: { ai_gateway: 0, admin: 0 } });
    cleanups.push(() => r.close());
    const ask = async (headers: Record<string, string>) => {
      const res = await fetch(`http://127.0.0.1:${r.listenerPorts[0]}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-client-key", ...headers }, // the local providers have no apiTokens: the client's key passes through
        body: JSON.stringify({ model: "qwen2.5-7b", messages: [{ role: "user", content: "Hello" }] }),
      });
      return { status: res.status, body: await res.text() };
    };
    const plain = await ask({});
    assert.equal(plain.status, 200, plain.body);
    assert.equal(mock.state.requests.length, 1);
    const viaNacos = await ask({ "x-ai-tag": "nacos" });
    assert.equal(viaNacos.status, 200, viaNacos.body);
    assert.equal(nacosModel.state.requests.length + t4Model.state.requests.length, 1, "an endpoint of the Nacos cluster's EDS file answered");
    for (let i = 0; i < 6; i++) assert.equal((await ask({ "x-ai-tag": "nacos-a100" })).status, 200);
    assert.equal(nacosModel.state.requests.length + t4Model.state.requests.length, 7);
    assert.ok(nacosModel.state.requests.length >= 6, "x-ai-tag nacos-a100: only the gpu=a100 instance");
    assert.equal(nacosModel.state.lastRequest()!.path, "/v1/chat/completions");
    const viaEureka = await ask({ "x-ai-tag": "eureka" });
    assert.equal(viaEureka.status, 200, viaEureka.body);
    assert.equal(eurekaModel.state.requests.length, 1, "the Eureka cluster's EDS endpoint answered");
    assert.equal(mock.state.requests.length, 1, "nothing else went to the default mock");
  });
});
