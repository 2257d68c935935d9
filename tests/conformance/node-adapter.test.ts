// The public API with real sockets: createConnectionManager(...).handle as a Node request
// handler. Headers as Envoy's HTTP/1 codec presents them, streaming both ways, a connection
// pinned to one worker, and a client that goes away (upstream aborted, on_log/on_done/on_delete).

import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createConnectionManager } from "../../host/index.ts";
import { CollectingLogger, MemoryStats, RecordingClusters, realClock } from "./fakes.ts";
import { call, P, strings, TRACE, wat } from "./wat.ts";
import type { UpstreamRecord } from "../../host/testing/fakes.ts";

const S = strings({ k: "x-wasm", v: "1", log: "on_log", done: "on_done", del: "on_delete" });

async function wasmFile(): Promise<string> {
  const bytes = await wat({
    imports: ["proxy_add_header_map_value", "proxy_get_header_map_pairs", "proxy_log"],
    body: `${S.wat}${TRACE}
  (global $count (mut i32) (i32.const 0))
  (func (export "count") (result i32) (global.get $count))
  (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    ;; log the stream context id as one digit: streams on one VM get 2, 3, ...
    (i32.store8 (i32.const 0x900) (i32.add (i32.const 48) (local.get $c)))
    (drop ${call("proxy_log", 2, 0x900, 1)})
    (drop ${call("proxy_get_header_map_pairs", 0, P, P + 4)})
    (drop ${call("proxy_add_header_map_value", 0, ...S.at.k, ...S.at.v)})
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param $c i32) (param $n i32) (param $e i32) (result i32)
    (drop ${call("proxy_add_header_map_value", 2, ...S.at.k, ...S.at.v)})
    (i32.const 0))
  (func (export "proxy_on_log") (param $c i32) (drop ${call("proxy_log", 2, ...S.at.log)}))
  (func (export "proxy_on_done") (param $c i32) (result i32) (drop ${call("proxy_log", 2, ...S.at.done)}) (i32.const 1))
  (func (export "proxy_on_delete") (param $c i32) (drop ${call("proxy_log", 2, ...S.at.del)}))`,
  });
  const dir = mkdtempSync(join(tmpdir(), "host-test-"));
  const path = join(dir, "plugin.wasm");
  writeFileSync(path, bytes);
  return path;
}

async function setup(onRequest: (r: UpstreamRecord) => void, concurrency = 1) {
  const clusters = new RecordingClusters(["upstream"]);
  clusters.onRequest = onRequest;
  const logger = new CollectingLogger();
  const cm = await createConnectionManager(
    {
      statPrefix: "ingress",
      routeConfig: { name: "r", virtualHosts: [{ name: "all", domains: ["*"], routes: [{ name: "d", match: { prefix: "/" }, route: { cluster: "upstream" } }] }] },
      filters: [
        {
          name: "p",
          rootId: "",
          vmId: "node-test",
          configuration: "",
          vmConfiguration: "",
          failOpen: false,
          allowOnHeadersStopIteration: false,
          wasmPath: await wasmFile(),
        },
      ],
      bufferLimitBytes: 1 << 20,
      concurrency,
    },
    { clusters, stats: new MemoryStats(), logger, clock: realClock },
  );
  const server = http.createServer(cm.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { cm, server, port, clusters, logger };
}

function request(port: number, opts: http.RequestOptions, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, ...opts }, (res) => {
      let b = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (b += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: b }));
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

test("request and response through a real socket", async () => {
  const { cm, server, port, clusters } = await setup((r) => {
    setImmediate(() => {
      r.respondHeaders({ ":status": "200", "content-type": "text/plain", server: "upstream-server" });
      r.respondBody("hel");
      setTimeout(() => r.respondBody("lo", true), 5);
    });
  });
  const res = await request(port, { method: "GET", path: "/a?b=1", headers: { "X-Custom": "c", Connection: "keep-alive" } });
  assert.equal(res.status, 200);
  assert.equal(res.body, "hello");
  assert.equal(res.headers["server"], "envoy", "server header overwritten");
  assert.equal(res.headers["x-wasm"], "1");
  assert.ok(res.headers["x-envoy-upstream-service-time"] !== undefined);
  const up = clusters.requests[0];
  const names = up.headers.map((h) => h[0]);
  assert.deepEqual(names.slice(0, 4), [":authority", ":path", ":method", ":scheme"]);
  assert.equal(up.header(":path"), "/a?b=1");
  assert.equal(up.header("x-custom"), "c");
  assert.equal(up.header("connection"), undefined, "hop-by-hop removed");
  assert.equal(up.header("x-forwarded-proto"), "http");
  assert.match(up.header("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(up.header("x-wasm"), "1");
  assert.equal(up.ended, true, "GET without a body ends with the headers");
  server.close();
  await cm.close();
});

test("a POST body streams upstream; keep-alive requests stay on one worker", async () => {
  const { cm, server, port, clusters, logger } = await setup((r) => {
    const done = () => (r.ended ? r.respond(200, r.bodyText.toUpperCase()) : setTimeout(done, 2));
    done();
  }, 2);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const a = await request(port, { method: "POST", path: "/", agent, headers: { "content-type": "text/plain" } }, "abc");
  const b = await request(port, { method: "POST", path: "/", agent }, "def");
  assert.equal(a.body, "ABC");
  assert.equal(b.body, "DEF");
  assert.equal(clusters.requests[0].header("content-length"), "3");
  const ids = () => logger.messages.filter((m) => /^\d$/.test(m));
  assert.deepEqual(ids(), ["2", "3"], "both on one connection: one worker's VM");
  agent.destroy();
  await request(port, { method: "POST", path: "/" }, "x");
  assert.deepEqual(ids(), ["2", "3", "2"], "a new connection goes to the next worker");
  server.close();
  await cm.close();
});

test("client goes away mid-response: upstream aborted, on_log/on_done/on_delete run", async () => {
  let upstream!: UpstreamRecord;
  const { cm, server, port, logger } = await setup((r) => {
    upstream = r;
    setImmediate(() => {
      r.respondHeaders({ ":status": "200" });
      r.respondBody("first");
    });
  });
  await new Promise<void>((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/" }, (res) => {
      res.once("data", () => {
        req.destroy();
        setTimeout(resolve, 50);
      });
    });
    req.on("error", () => {});
    req.end();
  });
  assert.equal(upstream.aborted, true);
  assert.deepEqual(logger.messages.slice(-3), ["on_log", "on_done", "on_delete"]);
  server.close();
  await cm.close();
});
