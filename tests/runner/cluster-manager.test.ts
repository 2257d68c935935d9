// Cluster manager against local HTTP servers: load balancing, DNS and EDS clusters, streaming
// both ways, failures.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { MetricKind, type HeaderList } from "../../host/contract.ts";
import { RunnerClusterManager } from "../../host/runner/cluster/cluster-manager.ts";
import { type Host, LoadBalancer } from "../../host/runner/cluster/load-balancer.ts";
import type { ClusterSpec, EndpointSpec } from "../../host/runner/config/types.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { RunnerStats } from "../../host/runner/stats/stats-store.ts";
import { freePort, Recorder, startServer, tempDir, type TestServer, until } from "./helpers.ts";

function endpoint(port: number, weight = 1, address = "127.0.0.1", priority = 0): EndpointSpec {
  return { address, port, weight, priority, metadata: {}, hostname: "" };
}

function cluster(name: string, endpoints: EndpointSpec[], extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name,
    type: "STATIC",
    lbPolicy: "ROUND_ROBIN",
    connectTimeoutMs: 1000,
    endpoints,
    dnsRefreshMs: 5000,
    dnsLookupFamily: "AUTO",
    eds: null,
    tls: null,
    maxRequests: 1024,
    path: `clusters[${name}]`,
    ...extra,
  };
}

const logs: string[] = [];
const logger = new RunnerLogger(0, (line) => logs.push(line));

async function manager(specs: ClusterSpec[]): Promise<{ cm: RunnerClusterManager; stats: RunnerStats }> {
  const stats = new RunnerStats();
  const cm = new RunnerClusterManager(specs, { stats, logger });
  await cm.start();
  cleanups.push(() => cm.close());
  return { cm, stats };
}

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(handler: Parameters<typeof startServer>[0], host?: string): Promise<TestServer> {
  const s = await startServer(handler, host);
  cleanups.push(() => s.close());
  return s;
}

function reqHeaders(p = "/", method = "GET", extra: HeaderList = []): HeaderList {
  return [[":method", method], [":path", p], [":authority", "api.test"], [":scheme", "http"], ...extra];
}

/** Sends a bodiless request and waits for the end of the response. */
async function fetchVia(cm: RunnerClusterManager, name: string, p = "/", method = "GET"): Promise<Recorder> {
  const r = new Recorder();
  const req = cm.request(name, reqHeaders(p, method), r);
  assert.ok(req, `cluster ${name} exists`);
  req.write(new Uint8Array(0), true);
  await r.done;
  return r;
}

function counter(stats: RunnerStats, name: string): bigint {
  return stats.valueOf(MetricKind.Counter, name) ?? 0n;
}

describe("load balancer", () => {
  const host = (address: string, weight = 1, priority = 0): Host => ({ address, port: 1, weight, priority, metadata: {}, hostname: "", active: 0 });
  const countPicks = (lb: LoadBalancer, n: number): Record<string, number> => {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const h = lb.pick()!;
      out[h.address] = (out[h.address] ?? 0) + 1;
    }
    return out;
  };

  it("round robin follows the weights exactly over a full cycle", () => {
    const lb = new LoadBalancer("ROUND_ROBIN");
    lb.setHosts([host("a", 1), host("b", 2), host("c", 5)]);
    assert.deepEqual(countPicks(lb, 800), { a: 100, b: 200, c: 500 });
  });

  it("round robin rotates over equal weights", () => {
    const lb = new LoadBalancer("ROUND_ROBIN");
    lb.setHosts([host("a"), host("b"), host("c")]);
    const seq = Array.from({ length: 6 }, () => lb.pick()!.address).join("");
    assert.ok(["abcabc", "bcabca", "cabcab"].includes(seq), seq);
  });

  it("least request prefers the host with fewer active requests", () => {
    const rolls = [0.1, 0.9, 0.9, 0.1, 0.1, 0.1];
    const lb = new LoadBalancer("LEAST_REQUEST", () => rolls.shift() ?? 0);
    const busy = host("busy");
    const idle = host("idle");
    lb.setHosts([busy, idle]); // consumes two rolls (start index, pre-picks)
    busy.active = 5;
    assert.equal(lb.pick()!.address, "idle"); // sampled busy and idle
    assert.equal(lb.pick()!.address, "busy"); // sampled busy twice: nothing better
  });

  it("random ignores weights, as Envoy's does", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const lb = new LoadBalancer("RANDOM", rnd);
    lb.setHosts([host("a", 1), host("b", 9)]);
    const c = countPicks(lb, 10000);
    assert.ok(Math.abs(c.a - 5000) < 500, JSON.stringify(c));
  });

  it("sends traffic only to the lowest priority that has hosts", () => {
    const lb = new LoadBalancer("ROUND_ROBIN");
    lb.setHosts([host("backup", 1, 1), host("p0", 1, 0)]);
    assert.deepEqual(countPicks(lb, 10), { p0: 10 });
  });
});

describe("cluster manager", () => {
  it("spreads requests over weighted endpoints and reuses keep-alive connections", async () => {
    const hits = [0, 0];
    const a = await server((_q, res) => (hits[0]++, res.end("a")));
    const b = await server((_q, res) => (hits[1]++, res.end("b")));
    const { cm, stats } = await manager([cluster("w", [endpoint(a.port, 1), endpoint(b.port, 3)])]);
    for (let i = 0; i < 40; i++) {
      const r = await fetchVia(cm, "w");
      assert.equal(r.header(":status"), "200");
    }
    assert.deepEqual(hits, [10, 30]);
    assert.equal(a.connections + b.connections, 2, "one kept-alive connection per host");
    assert.equal(counter(stats, "cluster.w.upstream_cx_total"), 2n);
    assert.equal(counter(stats, "cluster.w.upstream_rq_total"), 40n);
    assert.equal(counter(stats, "cluster.w.upstream_rq_200"), 40n);
    assert.equal(counter(stats, "cluster.w.upstream_rq_2xx"), 40n);
    assert.equal(stats.valueOf(MetricKind.Gauge, "cluster.w.upstream_rq_active"), 0n);
  });

  it("forwards method, path, host and headers in order, and returns lower-cased response headers", async () => {
    let seen: { method?: string; url?: string; raw?: string[] } = {};
    const s = await server((q, res) => {
      seen = { method: q.method, url: q.url, raw: q.rawHeaders };
      res.setHeader("X-Reply", "yes");
      res.end("ok");
    });
    const { cm } = await manager([cluster("h", [endpoint(s.port)])]);
    const r = new Recorder();
    const req = cm.request("h", reqHeaders("/v1/x?y=1", "POST", [["x-b", "2"], ["x-a", "1"], ["connection", "close"], ["content-length", "2"]]), r)!;
    req.write(Buffer.from("hi"), true);
    await r.done;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/x?y=1");
    assert.deepEqual(seen.raw?.slice(0, 8), ["host", "api.test", "x-b", "2", "x-a", "1", "content-length", "2"]);
    assert.equal(r.header("x-reply"), "yes");
    assert.equal(r.body, "ok");
  });

  it("returns null for an unknown cluster", async () => {
    const { cm } = await manager([]);
    assert.equal(cm.request("nope", reqHeaders(), new Recorder()), null);
    assert.equal(cm.has("nope"), false);
  });

  it("resolves a STRICT_DNS cluster with localhost", async () => {
    const s = await server((_q, res) => res.end("dns"), "::");
    const { cm } = await manager([cluster("dns", [endpoint(s.port, 1, "localhost")], { type: "STRICT_DNS" })]);
    const addrs = cm.hosts("dns").map((h) => h.address);
    assert.ok(addrs.length >= 1 && addrs.every((x) => x === "::1" || x === "127.0.0.1"), addrs.join());
    const r = await fetchVia(cm, "dns");
    assert.equal(r.body, "dns");
  });

  it("follows dns_lookup_family V4_ONLY on a LOGICAL_DNS cluster", async () => {
    const s = await server((_q, res) => res.end("v4"));
    const { cm } = await manager([cluster("ldns", [endpoint(s.port, 1, "localhost")], { type: "LOGICAL_DNS", dnsLookupFamily: "V4_ONLY" })]);
    assert.deepEqual(
      cm.hosts("ldns").map((h) => h.address),
      ["127.0.0.1"],
    );
    assert.equal((await fetchVia(cm, "ldns")).body, "v4");
  });
});

describe("EDS from a file", () => {
  const cla = (ports: number[], weights: number[] = []) =>
    [
      "version_info: v",
      "resources:",
      "- '@type': type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      "  cluster_name: other",
      "  endpoints: []",
      "- '@type': type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      "  cluster_name: svc",
      "  endpoints:",
      "  - lb_endpoints:",
      ...ports.flatMap((p, i) => [
        `    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${p}}}}`,
        `      load_balancing_weight: ${weights[i] ?? 1}`,
        `      metadata: {filter_metadata: {envoy.lb: {port: "${p}"}}}`,
      ]),
    ].join("\n") + "\n";

  /** Writes next to the file, then renames onto it: the atomic replace Envoy expects. */
  function replace(file: string, text: string): void {
    const tmp = path.join(path.dirname(file), `.tmp-${process.hrtime.bigint()}`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }

  it("loads endpoints with weights and metadata, reloads on rename, keeps the last good on a bad file", async () => {
    const a = await server((_q, res) => res.end("a"));
    const b = await server((_q, res) => res.end("b"));
    const dir = tempDir();
    const file = path.join(dir, "eds.yaml");
    fs.writeFileSync(file, cla([a.port], [7]));
    const { cm, stats } = await manager([cluster("e", [], { type: "EDS", eds: { path: file, serviceName: "svc" } })]);

    assert.deepEqual(
      cm.hosts("e").map((h) => [h.port, h.weight]),
      [[a.port, 7]],
    );
    assert.deepEqual(cm.hosts("e")[0].metadata, { "envoy.lb": { port: String(a.port) } });
    assert.equal((await fetchVia(cm, "e")).body, "a");

    replace(file, cla([b.port]));
    await until(() => cm.hosts("e")[0]?.port === b.port, 3000, "EDS reload");
    assert.equal((await fetchVia(cm, "e")).body, "b");
    assert.equal(counter(stats, "cluster.e.update_success"), 2n);

    logs.length = 0;
    replace(file, "resources: [ {oops\n");
    await until(() => counter(stats, "cluster.e.update_rejected") === 1n, 3000, "rejected update");
    assert.deepEqual(
      cm.hosts("e").map((h) => h.port),
      [b.port],
    );
    assert.ok(logs.some((l) => l.includes("EDS update rejected, keeping the last good endpoints")), logs.join("\n"));

    replace(file, cla([a.port]).replace("127.0.0.1", "a.example"));
    await until(() => counter(stats, "cluster.e.update_rejected") === 2n, 3000, "rejected hostname");
    assert.ok(logs.some((l) => l.includes("malformed IP address: a.example")), logs.join("\n"));

    replace(file, cla([a.port]).replace("port_value", "port_valu"));
    await until(() => counter(stats, "cluster.e.update_rejected") === 3n, 3000, "third rejected update");
    assert.ok(logs.some((l) => l.includes("port_valu: not supported by the local runner")), logs.join("\n"));
    assert.equal((await fetchVia(cm, "e")).body, "b");

    replace(file, cla([]));
    await until(() => cm.hosts("e").length === 0, 3000, "emptied cluster");
    assert.equal(counter(stats, "cluster.e.update_success"), 3n);
  });

  it("does not re-read the file on an in-place write, as Envoy does not", async () => {
    const a = await server((_q, res) => res.end("a"));
    const dir = tempDir();
    const file = path.join(dir, "eds.json");
    fs.writeFileSync(file, JSON.stringify({ resources: [] }));
    const { cm, stats } = await manager([cluster("e2", [], { type: "EDS", eds: { path: file, serviceName: "svc" } })]);
    assert.equal(cm.hosts("e2").length, 0);
    assert.equal(counter(stats, "cluster.e2.update_empty"), 1n);
    fs.writeFileSync(file, cla([a.port]));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(cm.hosts("e2").length, 0);
    const r = await fetchVia(cm, "e2");
    assert.equal(r.failure?.reason, "no_healthy_upstream");
    assert.equal(r.failure?.detail, "no healthy upstream");
  });
});

describe("streaming", () => {
  it("hands each upstream chunk over before the upstream has finished", async () => {
    let release!: () => void;
    const gotFirst = new Promise<void>((r) => (release = r));
    const s = await server(async (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      await gotFirst; // the second event is only written once the first has arrived
      res.write("data: two\n\n");
      res.end();
    });
    const { cm } = await manager([cluster("sse", [endpoint(s.port)])]);
    const r = new Recorder();
    r.onChunk = (c) => {
      if (c.toString().includes("one")) release();
    };
    cm.request("sse", reqHeaders(), r)!.write(new Uint8Array(0), true);
    await r.done;
    assert.equal(r.body, "data: one\n\ndata: two\n\n");
    assert.equal(r.events[0], "headers end=false");
    assert.match(r.events[1], /^data 11 end=false$/);
    assert.equal(r.events.at(-1)?.endsWith("end=true"), true);
  });

  it("streams the request body to the upstream as it is written", async () => {
    const received: string[] = [];
    let firstArrived!: () => void;
    const arrived = new Promise<void>((r) => (firstArrived = r));
    const s = await server((q, res) => {
      q.on("data", (c: Buffer) => {
        received.push(c.toString());
        firstArrived();
      });
      q.on("end", () => res.end(received.join("|")));
    });
    const { cm } = await manager([cluster("up", [endpoint(s.port)])]);
    const r = new Recorder();
    const req = cm.request("up", reqHeaders("/", "POST"), r)!;
    req.write(Buffer.from("first"), false);
    await arrived; // the upstream has the first chunk while the request is still open
    req.write(Buffer.from("second"), false);
    req.write(new Uint8Array(0), true);
    await r.done;
    assert.equal(received[0], "first");
    assert.equal(r.body.replace(/\|/g, ""), "firstsecond");
  });

  it("ends a response read in one go with its last chunk, and a bodiless one with its headers", async () => {
    const s = await server((q, res) => {
      if (q.method === "HEAD" || q.url === "/204") {
        res.writeHead(q.url === "/204" ? 204 : 200, { "content-length": "5" });
        res.end();
        return;
      }
      res.end("hello");
    });
    const { cm } = await manager([cluster("one", [endpoint(s.port)])]);
    assert.deepEqual((await fetchVia(cm, "one")).events, ["headers end=false", "data 5 end=true"]);
    assert.deepEqual((await fetchVia(cm, "one", "/", "HEAD")).events, ["headers end=true"]);
    assert.deepEqual((await fetchVia(cm, "one", "/204")).events, ["headers end=true"]);
  });
});

describe("TLS upstreams", () => {
  /** A self-signed certificate for `name`, written to a temp dir. */
  function selfSigned(name: string): { key: string; cert: string; certFile: string } {
    const dir = tempDir();
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${name}`, "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    assert.equal(r.status, 0, "openssl made a certificate");
    return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), certFile: path.join(dir, "cert.pem") };
  }

  it("sends the configured SNI, skips verification without a CA, and verifies the chain with one", async () => {
    const own = selfSigned("api.test");
    const other = selfSigned("other.test");
    const seen: string[] = [];
    const server = https.createServer({ key: own.key, cert: own.cert }, (q, res) => res.end("tls ok"));
    server.on("secureConnection", (s) => seen.push(String((s as { servername?: string | false }).servername)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
    const port = (server.address() as net.AddressInfo).port;
    const { cm } = await manager([
      cluster("tls-open", [endpoint(port)], { tls: { sni: "api.test", trustedCaFile: "" } }),
      cluster("tls-ca", [endpoint(port)], { tls: { sni: "", trustedCaFile: own.certFile } }),
      cluster("tls-wrong-ca", [endpoint(port)], { tls: { sni: "api.test", trustedCaFile: other.certFile } }),
    ]);
    assert.equal((await fetchVia(cm, "tls-open")).body, "tls ok");
    assert.equal((await fetchVia(cm, "tls-ca")).body, "tls ok");
    assert.deepEqual(seen, ["api.test", "false"], "SNI as configured, none when sni is empty");
    const bad = await fetchVia(cm, "tls-wrong-ca");
    assert.equal(bad.failure?.reason, "connect");
  });
});

describe("failures", () => {
  it("reports a refused connection as connect", async () => {
    const port = await freePort();
    const { cm, stats } = await manager([cluster("down", [endpoint(port)])]);
    const started = Date.now();
    const r = await fetchVia(cm, "down");
    assert.equal(r.failure?.reason, "connect");
    assert.equal(r.failure?.detail, "ECONNREFUSED");
    assert.ok(Date.now() - started < 1000);
    assert.equal(counter(stats, "cluster.down.upstream_cx_connect_fail"), 1n);
  });

  it("applies connect_timeout to a connection that never becomes ready", async () => {
    // A TCP server that accepts but never answers the TLS handshake.
    const silent = net.createServer((socket) => socket.resume()); // reads (and so sees the close), never answers
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    const port = (silent.address() as net.AddressInfo).port;
    const { cm, stats } = await manager([cluster("tls", [endpoint(port)], { connectTimeoutMs: 200, tls: { sni: "x.test", trustedCaFile: "" } })]);
    const started = Date.now();
    const r = await fetchVia(cm, "tls");
    const took = Date.now() - started;
    assert.equal(r.failure?.reason, "connect");
    assert.equal(r.failure?.detail, "connect_timeout 200ms");
    assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
    assert.equal(counter(stats, "cluster.tls.upstream_cx_connect_timeout"), 1n);
  });

  it("reports an upstream that drops the connection mid-response as reset", async () => {
    const s = await server((_q, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const { cm, stats } = await manager([cluster("rst", [endpoint(s.port)])]);
    const r = await fetchVia(cm, "rst");
    assert.equal(r.header(":status"), "200");
    assert.equal(r.failure?.reason, "reset");
    assert.equal(r.ends, 0, "no endStream was delivered");
    assert.equal(counter(stats, "cluster.rst.upstream_rq_rx_reset"), 1n);
  });

  it("calls nothing after abort", async () => {
    let closed!: () => void;
    const upstreamSawClose = new Promise<void>((r) => (closed = r));
    const s = await server((q, res) => {
      res.writeHead(200);
      res.write("x");
      q.socket.on("close", () => closed());
    });
    const { cm, stats } = await manager([cluster("ab", [endpoint(s.port)])]);
    const r = new Recorder();
    const req = cm.request("ab", reqHeaders(), r)!;
    req.write(new Uint8Array(0), true);
    await until(() => r.chunks.length > 0, 2000, "first chunk");
    req.abort();
    await upstreamSawClose;
    const before = r.events.length;
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(r.events.length, before);
    assert.equal(r.failure, null);
    assert.equal(counter(stats, "cluster.ab.upstream_rq_cancelled"), 1n);
  });

  it("closes the connection when the response completes before the request body", async () => {
    let requests = 0;
    const s = await server((q, res) => {
      requests++;
      if (q.url === "/early") {
        res.writeHead(413, { "content-length": "7" });
        res.end("too big");
        return;
      }
      q.resume();
      q.on("end", () => res.end("ok"));
    });
    const { cm, stats } = await manager([cluster("early", [endpoint(s.port)])]);
    const r = new Recorder();
    const req = cm.request("early", reqHeaders("/early", "POST", [["content-length", "1000"]]), r)!;
    req.write(Buffer.from("partial"), false);
    await r.done;
    assert.equal(r.header(":status"), "413");
    assert.equal(r.body, "too big");
    req.write(Buffer.from("more"), true); // ignored: the stream is over
    const next = await fetchVia(cm, "early");
    assert.equal(next.body, "ok");
    assert.equal(requests, 2);
    assert.equal(s.connections, 2, "the first connection was not reused");
    assert.equal(stats.valueOf(MetricKind.Gauge, "cluster.early.upstream_rq_active"), 0n);
  });

  it("fails with overflow past the circuit breaker's request limit", async () => {
    const s = await server((_q, res) => setTimeout(() => res.end("slow"), 100));
    const { cm, stats } = await manager([cluster("cb", [endpoint(s.port)], { maxRequests: 1 })]);
    const first = fetchVia(cm, "cb");
    const second = await fetchVia(cm, "cb");
    assert.equal(second.failure?.reason, "overflow");
    assert.equal((await first).body, "slow");
    assert.equal(counter(stats, "cluster.cb.upstream_rq_pending_overflow"), 1n);
  });
});
