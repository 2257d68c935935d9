// The same scenarios as tests/deploy/envoy-yaml.test.ts through a REAL Envoy: envoy/envoy.yaml
// with the built plugins, the mock provider in front of it, chat plain and streamed through
// ai-proxy, ai-statistics' metrics on /stats/prometheus.
// Envoy comes from ENVOY_BIN (an envoy >= 1.35 binary), else from Docker (envoyproxy/envoy,
// host networking) when `docker info` answers. Without either the tests are skipped with the
// reason: the only skip in the project (Envoy cannot be installed from the package lists here).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startMockProvider, type MockServer } from "../../host/mock/index.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const IMAGE = process.env.ENVOY_IMAGE ?? "envoyproxy/envoy:v1.35-latest";

function envoySource(): { kind: "bin"; bin: string } | { kind: "docker" } | { kind: "none"; reason: string } {
  const bin = process.env.ENVOY_BIN;
  if (bin) {
    if (!fs.existsSync(bin)) return { kind: "none", reason: `ENVOY_BIN=${bin} does not exist` };
    return { kind: "bin", bin };
  }
  const docker = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 15000 });
  if (docker.status === 0) return { kind: "docker" };
  return { kind: "none", reason: "no real Envoy: ENVOY_BIN is not set and `docker info` fails (no Docker engine)" };
}

const source = envoySource();
const skip = source.kind === "none" ? source.reason : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

describe("envoy/envoy.yaml in a real Envoy", { skip }, () => {
  let mock: MockServer;
  let envoy: ChildProcess;
  let log = "";
  let gw = "";
  let admin = "";
  let dir = "";

  before(async () => {
    for (const p of ["ai-statistics", "ai-rate-limit", "ai-proxy"]) assert.ok(fs.existsSync(path.join(ROOT, "dist", `${p}.wasm`)), "run make build first");
    mock = await startMockProvider({ port: 0 });
    const [gwPort, adminPort] = [await freePort(), await freePort()];
    gw = `http://127.0.0.1:${gwPort}`;
    admin = `http://127.0.0.1:${adminPort}`;
    const text = fs
      .readFileSync(path.join(ROOT, "envoy/envoy.yaml"), "utf8")
      .replaceAll("port_value: 18080", `port_value: ${mock.port}`)
      .replace("port_value: 10000", `port_value: ${gwPort}`)
      .replace("port_value: 9901", `port_value: ${adminPort}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "envoy-e2e-"));
    const cfg = path.join(dir, "envoy.yaml");
    fs.writeFileSync(cfg, text);
    const args = ["-c", "", "--concurrency", "2", "--base-id", String(gwPort), "--log-level", "info"];
    if (source.kind === "bin") {
      args[1] = cfg;
      envoy = spawn(source.bin, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    } else {
      args[1] = "/etc/envoy/envoy.yaml";
      envoy = spawn("docker", ["run", "--rm", "--network", "host", "-w", "/etc/envoy", "-v", `${cfg}:/etc/envoy/envoy.yaml:ro`, "-v", `${path.join(ROOT, "dist")}:/etc/envoy/dist:ro`, IMAGE, "envoy", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    }
    envoy.stdout!.on("data", (c) => (log += c));
    envoy.stderr!.on("data", (c) => (log += c));
    const deadline = Date.now() + 120000; // the first docker run pulls the image
    for (;;) {
      if (envoy.exitCode !== null) throw new Error(`envoy exited ${envoy.exitCode}:\n${log}`);
      try {
        const r = await fetch(`${admin}/ready`);
        if (r.status === 200 && (await r.text()).trim() === "LIVE") break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`envoy not ready:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  after(async () => {
    if (envoy && envoy.exitCode === null) {
      envoy.kill("SIGTERM");
      await new Promise((r) => envoy.once("exit", r));
    }
    await mock?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const chat = (body: unknown) => fetch(`${gw}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("chat completion through ai-proxy to the mock", async () => {
    const r = await chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
    const body = await r.text();
    assert.equal(r.status, 200, body + log);
    assert.equal(JSON.parse(body).choices[0].message.content, "echo: Hello");
    assert.equal(mock.state.lastRequest()!.headers.authorization, "Bearer sk-mock-key", "ai-proxy put the provider key");
  });

  it("streamed chat: events relayed, [DONE], usage from include_usage", async () => {
    const r = await chat({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Hello stream" }] });
    assert.equal(r.status, 200);
    const text = await r.text();
    const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
    assert.equal(events.at(-1), "data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "echo: Hello stream");
    assert.ok(chunks.some((c) => c.usage));
  });

  it("Anthropic conversion for claude-* models (allow_on_headers_stop_iteration at work)", async () => {
    const r = await chat({ model: "claude-3-5-haiku", messages: [{ role: "user", content: "Hi" }] });
    const j = await r.json();
    assert.equal(r.status, 200, JSON.stringify(j));
    assert.match(j.id, /^msg_mock/);
    assert.equal(mock.state.lastRequest()!.path, "/v1/messages");
  });

  it("ai-statistics' metrics on /stats/prometheus with the stats_tags labels", async () => {
    const prom = await (await fetch(`${admin}/stats/prometheus`)).text();
    assert.match(prom, /^route_upstream_model_consumer_metric_input_token\{ai_route="default",ai_cluster="mock-llm",ai_model="gpt-4o-mini",ai_consumer="none"\} [1-9]\d*$/m);
    assert.match(prom, /^route_upstream_model_consumer_metric_ai_request_duration_ms_bucket\{/m);
  });
});
