// The command line: arguments, start-up errors, --mock, and clean shutdown on SIGTERM and
// POST /quitquitquit.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { describe, it } from "node:test";
import { freePort, get, tempDir } from "./helpers.ts";

const ROOT = path.join(import.meta.dirname, "../..");
const MAIN = path.join(ROOT, "host/runner/main.ts");

interface Run {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function run(args: string[]): Run {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (c) => (out += c));
  proc.stderr!.on("data", (c) => (err += c));
  const exit = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

async function waitFor(r: Run, re: RegExp, ms = 15000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = (r.out() + r.err()).match(re);
    if (m) return m;
    if (Date.now() > end) throw new Error(`no ${re} in output:\n${r.out()}\n${r.err()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

function configFile(mockPort: number): string {
  const file = path.join(tempDir(), "envoy.yaml");
  fs.writeFileSync(
    file,
    `
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
static_resources:
  listeners:
  - name: main
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: mock-llm}}]}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: mock-llm
    load_assignment:
      cluster_name: mock-llm
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${mockPort}}}}}]}]
`,
  );
  return file;
}

describe("command line", () => {
  it("requires -c and rejects unknown options", async () => {
    let r = run([]);
    assert.equal(await r.exit, 1);
    assert.match(r.err(), /-c <envoy.yaml> is required/);
    r = run(["-c", "x.yaml", "--bogus"]);
    assert.equal(await r.exit, 1);
    assert.match(r.err(), /--bogus: unknown option/);
    r = run(["-c", "x.yaml", "--concurrency", "0"]);
    assert.equal(await r.exit, 1);
    assert.match(r.err(), /--concurrency: expected a whole number/);
  });

  it("exits 1 naming every unsupported field", async () => {
    const file = path.join(tempDir(), "bad.yaml");
    fs.writeFileSync(file, "static_resources:\n  clusters:\n  - name: a\n    health_checks: []\n    load_assignment: {cluster_name: a}\n");
    const r = run(["-c", file]);
    assert.equal(await r.exit, 1);
    assert.match(r.err(), /static_resources\.clusters\[0\]\.health_checks: not supported by the local runner/);
  });

  it("--mock starts the mock provider on the mock-llm port, serves, and stops on SIGTERM", async () => {
    const mockPort = await freePort();
    const r = run(["-c", configFile(mockPort), "--concurrency", "2", "--mock"]);
    try {
      const [, listenPort] = await waitFor(r, /listener main on 127\.0\.0\.1:(\d+)/);
      const [, adminPort] = await waitFor(r, /admin on 127\.0\.0\.1:(\d+)/);
      await waitFor(r, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
      assert.match(r.err(), new RegExp(`mock provider on 127\\.0\\.0\\.1:${mockPort}`));
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ port: Number(listenPort), method: "POST", path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer sk-test" }, agent: false }, (rs) => {
          let b = "";
          rs.on("data", (c) => (b += c));
          rs.on("end", () => resolve({ status: rs.statusCode ?? 0, body: b }));
        });
        req.on("error", reject);
        req.end(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }));
      });
      assert.equal(res.status, 200, res.body);
      assert.equal((await get(`http://127.0.0.1:${adminPort}/ready`)).body, "LIVE\n");
    } finally {
      r.proc.kill("SIGTERM");
    }
    assert.equal(await r.exit, 0);
    assert.match(r.err(), /SIGTERM: shutting down/);
  });

  it("stops on POST /quitquitquit", async () => {
    const r = run(["-c", configFile(await freePort())]);
    const [, adminPort] = await waitFor(r, /admin on 127\.0\.0\.1:(\d+)/);
    const res = await new Promise<number>((resolve, reject) => {
      http
        .request({ port: Number(adminPort), method: "POST", path: "/quitquitquit", agent: false }, (rs) => {
          rs.resume();
          resolve(rs.statusCode ?? 0);
        })
        .on("error", reject)
        .end();
    });
    assert.equal(res, 200);
    assert.equal(await r.exit, 0);
  });
});
