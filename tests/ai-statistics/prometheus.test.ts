// A real Prometheus (the Debian package, /usr/bin/prometheus) scraping the local runner's
// /stats/prometheus with deploy/observability/prometheus.yml, then PromQL over the ai-statistics
// series: histogram_quantile over rate() of the latency buckets, token increases per model, the
// success ratio, and every expression of the Grafana dashboard must be accepted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, type Gateway } from "./gateway.ts";
import { ROOT } from "./helpers.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const M = "route_upstream_model_consumer_metric_";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, expr: string): Promise<{ status: string; data?: { result: PromResult[] }; error?: string }> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as { status: string; data?: { result: PromResult[] }; error?: string };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function traffic(g: Gateway, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) {
    const stream = n % 2 === 1;
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk", "x-mse-consumer": n % 3 === 0 ? "team-a" : "team-b", ...(stream ? { "x-mock-fault": "event-delay=5" } : {}) },
      body: JSON.stringify({ model: "gpt-4o-mini", stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: "user", content: `question number ${n}` }] }),
    });
    await res.text();
    n++;
    await new Promise((r) => setTimeout(r, 40));
  }
  return n;
}

test("Prometheus scrapes the gateway and PromQL answers from the ai-statistics series", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(PROMETHEUS), "prometheus is not installed: run `apt-get install prometheus` (Debian package, provides /usr/bin/prometheus)");
  const g = await startGateway();
  const dir = mkdtempSync(join(tmpdir(), "ai-stats-prom-"));
  let prom: ChildProcess | null = null;
  try {
    // The shipped scrape config, pointed at this runner's admin port and scraping every second.
    const shipped = readFileSync(join(ROOT, "deploy/observability/prometheus.yml"), "utf8");
    assert.match(shipped, /metrics_path: \/stats\/prometheus/);
    const config = shipped
      .replace('"127.0.0.1:9901"', `"127.0.0.1:${g.runner.adminPort}"`)
      .replace(/scrape_interval: \d+s/, "scrape_interval: 1s");
    assert.ok(config.includes(`127.0.0.1:${g.runner.adminPort}`));
    writeFileSync(join(dir, "prometheus.yml"), config);
    const port = await freePort();
    prom = spawn(PROMETHEUS, [
      `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    prom.stderr!.on("data", (d) => (stderr += d));
    const base = `http://127.0.0.1:${port}`;
    await waitFor("prometheus ready", async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    });

    // Traffic across several scrapes, so rate() sees the counters grow.
    const sent = await traffic(g, 6_000);
    assert.ok(sent > 20, `sent ${sent}`);
    await waitFor("the target up", async () => {
      const r = await query(base, 'up{job="ai-gateway"}');
      return r.data?.result[0]?.value[1] === "1" ? true : undefined;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 2_500)); // one more scrape after the last request

    const p95 = await waitFor("a latency quantile", async () => {
      const r = await query(base, `histogram_quantile(0.95, sum by (le, ai_model) (rate(${M}ai_request_duration_ms_bucket[30s])))`);
      const s = r.data?.result.find((x) => x.metric.ai_model === "gpt-4o-mini");
      return s && Number.isFinite(Number(s.value[1])) ? Number(s.value[1]) : undefined;
    }, 10_000);
    assert.ok(p95 > 0 && p95 <= 81920, `p95 ${p95}`);

    const ttft = await query(base, `histogram_quantile(0.5, sum by (le) (rate(${M}ai_ttft_ms_bucket[30s])))`);
    assert.equal(ttft.status, "success");
    assert.equal(ttft.data!.result.length, 1);
    assert.ok(Number(ttft.data!.result[0].value[1]) > 0);

    const tokens = await query(base, `sum by (ai_model, ai_consumer) (increase(${M}input_token[1m]))`);
    const consumers = tokens.data!.result.filter((x) => x.metric.ai_model === "gpt-4o-mini").map((x) => x.metric.ai_consumer).sort();
    assert.deepEqual(consumers, ["team-a", "team-b"]);
    for (const r of tokens.data!.result) assert.ok(Number(r.value[1]) > 0);

    const success = await query(base, `sum(rate(${M}ai_requests{ai_status="2xx"}[30s])) / sum(rate(${M}ai_requests[30s]))`);
    assert.equal(Number(success.data!.result[0].value[1]), 1);

    // Every expression of the shipped dashboard parses and evaluates.
    const dash = JSON.parse(readFileSync(join(ROOT, "deploy/observability/grafana-dashboard.json"), "utf8"));
    const exprs: string[] = dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    assert.ok(exprs.length >= 14);
    for (const e of exprs) {
      const concrete = e.replaceAll("$__rate_interval", "30s").replaceAll("$__range", "5m").replace(/\$(route|model|consumer)/g, ".*");
      const r = await query(base, concrete);
      assert.equal(r.status, "success", `${e}: ${r.error}`);
    }
    const requestRate = await query(base, dash.panels[0].targets[0].expr.replaceAll("$__rate_interval", "30s").replace(/\$(route|model|consumer)/g, ".*"));
    assert.equal(requestRate.data!.result[0].metric.ai_model, "gpt-4o-mini");
  } finally {
    if (prom && prom.exitCode === null) {
      const done = new Promise((r) => prom!.once("exit", r));
      prom.kill("SIGTERM");
      await done;
    }
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
