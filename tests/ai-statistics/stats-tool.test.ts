// tools/stats.ts: parsing Envoy's Prometheus text, histogram_quantile, the summary table and the
// CLI against an HTTP server standing in for the admin port.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parsePrometheus, quantile, summarise, renderTable, main } from "../../tools/stats.ts";

const L = 'ai_route="r1",ai_cluster="c",ai_model="gpt-4.1",ai_consumer="none",ai_provider="openai",ai_request_model="gpt-4.1",ai_variant="none"';
const TEXT = `# TYPE route_upstream_model_consumer_metric_ai_requests counter
route_upstream_model_consumer_metric_ai_requests{${L},ai_status="2xx",ai_error="none"} 9
route_upstream_model_consumer_metric_ai_requests{${L},ai_status="5xx",ai_error="server_error"} 1
# TYPE route_upstream_model_consumer_metric_input_token counter
route_upstream_model_consumer_metric_input_token{ai_route="r1",ai_cluster="c",ai_model="gpt-4.1",ai_consumer="none"} 120
route_upstream_model_consumer_metric_output_token{ai_route="r1",ai_cluster="c",ai_model="gpt-4.1",ai_consumer="none"} 340
# TYPE route_upstream_model_consumer_metric_ai_request_duration_ms histogram
route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${L},le="10"} 0
route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${L},le="20"} 5
route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${L},le="40"} 10
route_upstream_model_consumer_metric_ai_request_duration_ms_bucket{${L},le="+Inf"} 10
route_upstream_model_consumer_metric_ai_request_duration_ms_sum{${L}} 250
route_upstream_model_consumer_metric_ai_request_duration_ms_count{${L}} 10
`;

test("histogram_quantile interpolates like Prometheus", () => {
  const b: Array<[number, number]> = [[10, 0], [20, 5], [40, 10], [Infinity, 10]];
  assert.equal(quantile(0.5, b), 20); // rank 5 reaches the le=20 bucket exactly
  assert.equal(quantile(0.75, b), 30); // halfway through (20, 40]
  assert.equal(quantile(0.99, b), 39.6);
  assert.ok(Number.isNaN(quantile(0.5, [[10, 0], [Infinity, 0]])));
  assert.equal(quantile(0.9, [[10, 1], [Infinity, 10]]), 10); // in +Inf: the highest finite bound
});

test("summary per model and route", () => {
  const samples = parsePrometheus(TEXT);
  assert.equal(samples.length, 10);
  const rows = summarise(samples, ["model", "route"]);
  assert.equal(rows.length, 1);
  const r = rows[0];
  assert.deepEqual(r.key, { model: "gpt-4.1", route: "r1" });
  assert.equal(r.requests, 10);
  assert.equal(r.success, 9);
  assert.deepEqual(r.latency, [20, 38, 39.6]);
  assert.equal(r.inputTokens, 120);
  assert.equal(r.outputTokens, 340);
  const table = renderTable(rows, ["model", "route"]);
  assert.match(table, /^model\s+route\s+requests\s+success%\s+p50ms/);
  assert.match(table, /gpt-4\.1\s+r1\s+10\s+90\.0\s+20\s+38\s+40\s+-\s+-\s+-\s+120\s+340/);
});

test("CLI reads /stats/prometheus from the admin URL", async () => {
  const server = http.createServer((req, res) => {
    if (req.url === "/stats/prometheus") res.end(TEXT);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const logs: string[] = [];
  try {
    assert.equal(await main([`http://127.0.0.1:${port}`], (t) => logs.push(t)), 0);
    assert.equal(await main([`http://127.0.0.1:${port}`, "--by", "consumer", "--json"], (t) => logs.push(t)), 0);
  } finally {
    server.close();
  }
  assert.match(logs[0], /gpt-4\.1\s+r1\s+10\s+90\.0/);
  assert.equal(JSON.parse(logs[1])[0].key.consumer, "none");
  assert.equal(await main(["--by", "nope"], (t) => logs.push(t)), 2);
});
