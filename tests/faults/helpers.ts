// Fault-injection suite set-up: the whole chain (ai-statistics, ai-rate-limit, ai-proxy, as in
// envoy/envoy.yaml) in the local runner over real HTTP, in front of mock upstreams that inject the
// faults (host/mock), and the checks that a fault left nothing behind: no upstream request still
// active, every concurrency slot free again, no token reservation still charged.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { startRunner, type RunningRunner } from "../../host/runner/index.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { startUpstream, type MockServer } from "../../host/mock/index.ts";

export const ROOT = resolve(import.meta.dirname, "..", "..");

/** The built modules (`make build` / `node scripts/build.mjs`); Higress builds for Redis mode. */
export function wasm(name: "ai-proxy" | "ai-rate-limit" | "ai-statistics", target: "envoy" | "higress" = "envoy"): string {
  const p = join(ROOT, "dist", ...(target === "higress" ? ["higress"] : []), `${name}.wasm`);
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`node scripts/build.mjs\` first`);
  return p;
}

/** The limits every fault test runs under, small enough that a leak shows. */
// Requests in these tests reserve ~505 tokens (max_tokens 500); the token probe reserves ~4505,
// which fits only while the reservations still charged plus the real usage so far (a few tokens
// per answered request) stay under ~495: one leaked reservation is enough to refuse it.
export const LIMITS = { maxConcurrency: 4, tokenPerMinute: 5000, probeMaxTokens: 4500 };

// Every runner in one process shares one shared-data store (host/shared-data.ts
// processSharedState, like the listeners of one Envoy), so each chain gets its own rule name:
// counters and slots of one test's gateway never meet another's.
let chains = 0;
export function rateLimitConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rules: [{ name: `faults-${process.pid}-${++chains}`, max_concurrency: LIMITS.maxConcurrency, max_queue: 0, token_per_minute: LIMITS.tokenPerMinute }],
    ...extra,
  };
}

export interface ChainOptions {
  upstreams: Record<string, MockServer>;
  proxy: unknown;
  rateLimit?: unknown;
  routeTimeout?: string;
  target?: "envoy" | "higress";
  /** extra clusters (YAML list items, indented for `clusters:`) */
  extraClusters?: string;
}

export interface Chain {
  runner: RunningRunner;
  url: string;
  admin: string;
  close(): Promise<void>;
}

function filter(name: "ai-proxy" | "ai-rate-limit" | "ai-statistics", target: "envoy" | "higress", config: unknown): string {
  return `
          - name: ${name}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ${name}
                root_id: ${name}
                allow_on_headers_stop_iteration: true
                vm_config:
                  vm_id: ai-gateway
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${JSON.stringify(wasm(name, target))} } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: ${JSON.stringify(typeof config === "string" ? config : JSON.stringify(config))}`;
}

export function staticCluster(name: string, port: number): string {
  return `
  - name: ${JSON.stringify(name)}
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: ${JSON.stringify(name)}
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } } }] }]`;
}

export function chainYaml(o: ChainOptions): string {
  const target = o.target ?? "envoy";
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: gw
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: routes
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - name: ai
                match: { prefix: "/" }
                route: { cluster_header: x-ai-cluster, timeout: ${o.routeTimeout ?? "30s"} }
          http_filters:${filter("ai-statistics", target, {})}${filter("ai-rate-limit", target, o.rateLimit ?? rateLimitConfig())}${filter("ai-proxy", target, o.proxy)}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:${Object.entries(o.upstreams).map(([n, m]) => staticCluster(n, m.port)).join("")}${o.extraClusters ?? ""}
`;
}

export async function startChain(o: ChainOptions): Promise<Chain> {
  const runner = await startRunner({ configText: chainYaml(o), concurrency: 2, logger: new RunnerLogger(5) });
  return {
    runner,
    url: `http://127.0.0.1:${runner.listenerPorts[0]}`,
    admin: `http://127.0.0.1:${runner.adminPort}`,
    close: () => runner.close(),
  };
}

export { startUpstream, type MockServer };

export async function prometheus(c: Chain): Promise<string> {
  return (await fetch(`${c.admin}/stats/prometheus`)).text();
}

/** Sum of every sample of one metric (all label sets); 0 when absent. */
export function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name + " ") || line.startsWith(name + "{")) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const chat = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "gpt-4o", max_tokens: 500, messages: [{ role: "user", content: text }], ...extra });

export async function post(c: Chain, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; ms: number }> {
  const t0 = Date.now();
  const r = await fetch(c.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer client", ...headers }, body });
  let text = "";
  try {
    text = await r.text();
  } catch (e) {
    text = `<<body aborted: ${(e as Error).message}>>`;
  }
  return { status: r.status, headers: r.headers, text, ms: Date.now() - t0 };
}

/**
 * A streamed POST read from the socket: what arrived, and whether the transfer ended cleanly
 * (the terminating chunk) or was aborted (the connection closed mid-body).
 */
export function rawStream(c: Chain, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; aborted: boolean }> {
  const u = new URL(c.url + path);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json", authorization: "Bearer client", ...headers } }, (res) => {
      let text = "";
      let aborted = false;
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("aborted", () => (aborted = true));
      res.on("error", () => (aborted = true));
      res.on("close", () => resolve({ status: res.statusCode ?? 0, text, aborted: aborted || !res.complete }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Parsed OpenAI error body ({"error":{"message","type",...}}), or a failed assertion. */
export function openAIError(text: string): { message: string; type?: string; code?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`not JSON (expected an OpenAI error body): ${text.slice(0, 200)}`);
  }
  const err = (parsed as { error?: { message?: unknown } }).error;
  assert.ok(err && typeof err.message === "string", `not an OpenAI error body: ${text.slice(0, 200)}`);
  return err as { message: string };
}

/**
 * Nothing leaked after a fault: no upstream request still active on any cluster, all
 * `LIMITS.maxConcurrency` slots can be taken at once (and one more is refused, so the limit is
 * live), and a request reserving most of the token budget still fits (a leaked reservation of the
 * failed requests would not leave room for it). Use a fresh chain per test: charges stay for a minute.
 */
export async function assertNothingLeaked(c: Chain, upstream: MockServer, opts: { heldTokens?: number; tokens?: boolean } = {}): Promise<void> {
  await eventually(async () => {
    const prom = await prometheus(c);
    assert.equal(metric(prom, "envoy_cluster_upstream_rq_active"), 0, "upstream requests still active");
  });
  // Concurrency: hold exactly max_concurrency requests in the upstream at once.
  upstream.state.faults.clear();
  upstream.state.faults.add({ firstByteDelayMs: 400, count: LIMITS.maxConcurrency });
  const held = Array.from({ length: LIMITS.maxConcurrency }, (_, i) => post(c, "/v1/chat/completions", chat(`slot ${i}`, { max_tokens: 10 })));
  await upstream.state.waitForRequests(LIMITS.maxConcurrency, 3000).catch(() => undefined);
  const extra = await post(c, "/v1/chat/completions", chat("one too many", { max_tokens: 10 }));
  const results = await Promise.all(held);
  assert.deepEqual(results.map((r) => r.status), Array(LIMITS.maxConcurrency).fill(200), "every concurrency slot is free again");
  assert.equal(extra.status, 429, "the concurrency limit is live (one more than max_concurrency is refused)");
  if (opts.tokens === false) return;
  // Tokens: one request reserving most of the budget fits only if nothing stayed reserved beyond
  // `heldTokens` (what the README lets a cut stream keep: at most its own reservation).
  const probe = await post(c, "/v1/chat/completions", chat("token probe", { max_tokens: LIMITS.probeMaxTokens - (opts.heldTokens ?? 0) }));
  assert.equal(probe.status, 200, `no token reservation leaked (probe got ${probe.status}: ${probe.text.slice(0, 200)})`);
}
