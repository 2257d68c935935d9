// The stats_config shipped in deploy/observability/envoy-stats-config.yaml, applied by the runner's
// Envoy-faithful tag extraction to the names ai-statistics emits: every dimension becomes a label,
// dotted values stay whole, Higress's counters keep their exact Prometheus names, and histograms
// get the OpenTelemetry GenAI buckets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MetricKind } from "../../host/contract.ts";
import { parseBootstrap } from "../../host/runner/bootstrap.ts";
import { RunnerStats } from "../../host/runner/stats/stats-store.ts";
import { renderPrometheus } from "../../host/runner/stats/prometheus.ts";

function statsStore(): RunnerStats {
  const text = readFileSync(new URL("../../deploy/observability/envoy-stats-config.yaml", import.meta.url), "utf8");
  const r = parseBootstrap(text, process.cwd());
  assert.ok(r.ok, `stats config rejected: ${r.ok ? "" : r.errors.join("; ")}`);
  return new RunnerStats(r.spec.stats);
}

const PREFIX = "route.chat.v1.upstream.outbound|443||api.openai.com.dns.model.gpt-4.1.consumer.team.a.metric.";
const EXTRA = ".provider.openai.request_model.gpt-4.1-mini.variant.canary.b";

test("Higress counters keep their names and four labels", () => {
  const s = statsStore();
  s.add(s.define(MetricKind.Counter, PREFIX + "input_token"), 12n);
  const out = renderPrometheus(s.all());
  assert.match(out, /^route_upstream_model_consumer_metric_input_token\{ai_route="chat\.v1",ai_cluster="outbound\|443\|\|api\.openai\.com\.dns",ai_model="gpt-4\.1",ai_consumer="team\.a"\} 12$/m);
});

test("ai_requests gets provider, request model, variant, status and error labels", () => {
  const s = statsStore();
  s.add(s.define(MetricKind.Counter, PREFIX + "ai_requests" + EXTRA + ".status.4xx.error.rate_limit_error"), 1n);
  s.add(s.define(MetricKind.Counter, PREFIX + "ai_input_tokens" + EXTRA), 7n);
  const out = renderPrometheus(s.all());
  assert.match(out, /^route_upstream_model_consumer_metric_ai_requests\{ai_route="chat\.v1",ai_cluster="outbound\|443\|\|api\.openai\.com\.dns",ai_model="gpt-4\.1",ai_consumer="team\.a",ai_provider="openai",ai_request_model="gpt-4\.1-mini",ai_variant="canary\.b",ai_status="4xx",ai_error="rate_limit_error"\} 1$/m);
  assert.match(out, /^route_upstream_model_consumer_metric_ai_input_tokens\{ai_route="chat\.v1",ai_cluster="outbound\|443\|\|api\.openai\.com\.dns",ai_model="gpt-4\.1",ai_consumer="team\.a",ai_provider="openai",ai_request_model="gpt-4\.1-mini",ai_variant="canary\.b"\} 7$/m);
});

test("histograms use the OTel GenAI buckets in milliseconds and tokens", () => {
  const s = statsStore();
  const dur = s.define(MetricKind.Histogram, PREFIX + "ai_request_duration_ms" + EXTRA);
  s.record(dur, 150n);
  const ttft = s.define(MetricKind.Histogram, PREFIX + "ai_ttft_ms" + EXTRA);
  s.record(ttft, 30n);
  const tokens = s.define(MetricKind.Histogram, PREFIX + "ai_output_tokens_per_request" + EXTRA);
  s.record(tokens, 100n);
  const out = renderPrometheus(s.all());
  const labels = 'ai_route="chat.v1",ai_cluster="outbound|443||api.openai.com.dns",ai_model="gpt-4.1",ai_consumer="team.a",ai_provider="openai",ai_request_model="gpt-4.1-mini",ai_variant="canary.b"';
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${labels},le="81920"} 1`), out);
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${labels},le="160"} 1`));
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${labels},le="80"} 0`));
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_ttft_ms_bucket{${labels},le="40"} 1`));
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_ttft_ms_bucket{${labels},le="20"} 0`));
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_output_tokens_per_request_bucket{${labels},le="256"} 1`));
  assert.ok(out.includes(`route_upstream_model_consumer_metric_ai_output_tokens_per_request_bucket{${labels},le="64"} 0`));
});
