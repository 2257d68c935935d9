// /stats/prometheus rendering against expectations worked out by hand from Envoy's rules
// (admin/prometheus_stats.cc, stats/tag_producer_impl.cc, libcircllhist).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetricKind } from "../../host/contract.ts";
import type { StatsConfigSpec } from "../../host/runner/config/types.ts";
import { formatG } from "../../host/runner/stats/format-number.ts";
import { binOf, LogLinearHistogram } from "../../host/runner/stats/log-linear-histogram.ts";
import { escapeLabelValue, renderPrometheus } from "../../host/runner/stats/prometheus.ts";
import { renderStatsText } from "../../host/runner/stats/stats-text.ts";
import { RunnerStats } from "../../host/runner/stats/stats-store.ts";
import { regexPrefix, TagProducer } from "../../host/runner/stats/tag-extractor.ts";

const HIGRESS_TAGS = [
  { name: "ai_route", regex: "^wasmcustom\\.route\\.((.*?)\\.)upstream\\." },
  { name: "ai_cluster", regex: "^wasmcustom\\..*?\\.upstream\\.((.*?)\\.)model\\." },
  { name: "ai_model", regex: "^wasmcustom\\..*?\\.model\\.((.*?)\\.)consumer\\." },
  { name: "ai_consumer", regex: "^wasmcustom\\..*?\\.consumer\\.((.*?)\\.)metric\\." },
];

function store(extra: Partial<StatsConfigSpec> = {}): RunnerStats {
  return new RunnerStats({ tags: HIGRESS_TAGS, useAllDefaultTags: true, histogramBuckets: [], ...extra });
}

describe("tag extraction", () => {
  it("takes the Higress name apart, dotted model included", () => {
    const t = new TagProducer(HIGRESS_TAGS);
    assert.deepEqual(t.extract("wasmcustom.route.r1.upstream.c1.model.gpt-4.1.consumer.none.metric.input_token"), {
      name: "wasmcustom.route.upstream.model.consumer.metric.input_token",
      tags: [
        ["ai_route", "r1"],
        ["ai_cluster", "c1"],
        ["ai_model", "gpt-4.1"],
        ["ai_consumer", "none"],
      ],
    });
  });

  it("runs every regex on the original name and adds the removals up", () => {
    // Both regexes match overlapping text of the original; each removes its own group 1.
    const t = new TagProducer([
      { name: "a", regex: "^x\\.((\\w+)\\.)" },
      { name: "b", regex: "^x\\.\\w+\\.((\\w+)\\.)" },
    ]);
    assert.deepEqual(t.extract("x.one.two.rest"), { name: "x.rest", tags: [["a", "one"], ["b", "two"]] });
  });

  it("uses group 1 as the value when there is no group 2, and removes it", () => {
    const t = new TagProducer([{ name: "code", regex: "_(\\d{3})$" }], false);
    assert.deepEqual(t.extract("foo.rq_200"), { name: "foo.rq_", tags: [["code", "200"]] });
  });

  it("applies default tags first, prefix-less extractors before first-token ones, fixed values everywhere", () => {
    const t = new TagProducer([{ name: "env", fixedValue: "dev" }]);
    assert.deepEqual(t.extract("http.ingress.downstream_rq_2xx"), {
      name: "http.downstream_rq_xx",
      tags: [
        ["envoy.response_code_class", "2"],
        ["env", "dev"],
        ["envoy.http_conn_manager_prefix", "ingress"],
      ],
    });
    assert.deepEqual(t.extract("cluster.outbound|6379||redis.static.upstream_rq_200"), {
      name: "cluster.static.upstream_rq",
      tags: [
        ["envoy.response_code", "200"],
        ["env", "dev"],
        ["envoy.cluster_name", "outbound|6379||redis"],
      ],
    });
  });

  it("skips a second extractor for a tag name already produced", () => {
    const t = new TagProducer(
      [
        { name: "t", regex: "^a\\.((\\w+)\\.)" },
        { name: "t", regex: "^a\\.\\w+\\.((\\w+)\\.)" },
      ],
      false,
    );
    assert.deepEqual(t.extract("a.b.c.d"), { name: "a.c.d", tags: [["t", "b"]] });
  });

  it("finds the first-token prefix as Envoy's extractRegexPrefix does", () => {
    assert.equal(regexPrefix("^wasmcustom\\.route\\."), "wasmcustom");
    assert.equal(regexPrefix("^cluster\\.(([^\\.]+)\\.).*"), "cluster");
    assert.equal(regexPrefix("^listener(?=\\.).*?\\.http\\."), "listener");
    assert.equal(regexPrefix("_rq(_(\\d{3}))$"), "");
    assert.equal(regexPrefix("^(a|b)\\."), "");
  });
});

describe("log-linear histogram arithmetic", () => {
  it("bins integers by their two leading digits", () => {
    assert.deepEqual(binOf(0n), { val: 0, exp: 0 });
    assert.deepEqual(binOf(5n), { val: 50, exp: 0 }); // [5.0, 5.1)
    assert.deepEqual(binOf(10n), { val: 10, exp: 1 }); // [10, 11)
    assert.deepEqual(binOf(123n), { val: 12, exp: 2 }); // [120, 130)
    assert.deepEqual(binOf(3600000n), { val: 36, exp: 6 });
  });

  it("counts a bin under a bucket only when its upper edge fits", () => {
    const h = new LogLinearHistogram();
    for (const v of [0n, 5n, 10n, 123n]) h.record(v);
    assert.deepEqual(h.countsBelow([0.5, 5, 5.1, 10, 11, 125, 130]), [1, 1, 2, 2, 3, 3, 4]);
    assert.equal(h.sum(), 0 + 5.05 + 10.5 + 125);
    assert.equal(h.count, 4);
  });
});

describe("number formats", () => {
  it("prints %.32g like fmt", () => {
    assert.equal(formatG(0.5), "0.5");
    assert.equal(formatG(3600000), "3600000");
    assert.equal(formatG(2.5), "2.5");
    assert.equal(formatG(0.01), "0.010000000000000000208166817117217");
    assert.equal(formatG(7.05), "7.049999999999999822364316059975");
    assert.equal(formatG(0), "0");
    assert.equal(formatG(1e40), "1.0000000000000000303786028427004e+40");
    assert.equal(formatG(0.00001), "1.0000000000000000818030539140313e-05");
  });
});

describe("/stats/prometheus", () => {
  it("renders a tagged custom counter as in the Higress example", () => {
    const s = store();
    const h = s.define(MetricKind.Counter, "route.r1.upstream.c1.model.gpt-4.1.consumer.none.metric.input_token");
    s.add(h, 12n);
    assert.equal(
      renderPrometheus(s.all(), { filter: /^wasmcustom/ }),
      "# TYPE route_upstream_model_consumer_metric_input_token counter\n" +
        'route_upstream_model_consumer_metric_input_token{ai_route="r1",ai_cluster="c1",ai_model="gpt-4.1",ai_consumer="none"} 12\n',
    );
  });

  it("groups by tag-extracted name, sorts families and members, counters then gauges then histograms", () => {
    const s = store();
    s.inc("cluster.c2.upstream_rq_total", 2);
    s.add(s.define(MetricKind.Counter, "route.r2.upstream.c.model.m.consumer.u.metric.total_token"), 5n);
    s.add(s.define(MetricKind.Counter, "route.r1.upstream.c.model.m.consumer.u.metric.total_token"), 7n);
    s.add(s.define(MetricKind.Counter, "ai.requests"), 3n);
    s.set(s.define(MetricKind.Gauge, "ai.inflight"), 4n);
    s.inc("cluster.c1.upstream_rq_total");
    s.record(s.define(MetricKind.Histogram, "ai.latency"), 1n);
    const out = renderPrometheus(s.all());
    const lines = out.split("\n").filter((l) => l !== "" && !l.includes("ai_latency_bucket"));
    // Families sort by tag-extracted name: "cluster.upstream_rq_total" < "wasmcustom.ai.requests".
    assert.deepEqual(lines, [
      "# TYPE envoy_cluster_upstream_rq_total counter",
      'envoy_cluster_upstream_rq_total{envoy_cluster_name="c1"} 1',
      'envoy_cluster_upstream_rq_total{envoy_cluster_name="c2"} 2',
      "# TYPE ai_requests counter",
      "ai_requests{} 3",
      "# TYPE route_upstream_model_consumer_metric_total_token counter",
      'route_upstream_model_consumer_metric_total_token{ai_route="r1",ai_cluster="c",ai_model="m",ai_consumer="u"} 7',
      'route_upstream_model_consumer_metric_total_token{ai_route="r2",ai_cluster="c",ai_model="m",ai_consumer="u"} 5',
      "# TYPE ai_inflight gauge",
      "ai_inflight{} 4",
      "# TYPE ai_latency histogram",
      "ai_latency_sum{} 1.0500000000000000444089209850063",
      "ai_latency_count{} 1",
    ]);
  });

  it("renders histograms with Envoy's default buckets and log-linear counts", () => {
    const s = store();
    const h = s.define(MetricKind.Histogram, "ai.ttft");
    for (const v of [0n, 5n, 10n, 123n]) s.record(h, v);
    const le = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
    const counts = [1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4];
    const expected =
      "# TYPE ai_ttft histogram\n" +
      le.map((b, i) => `ai_ttft_bucket{le="${b}"} ${counts[i]}\n`).join("") +
      'ai_ttft_bucket{le="+Inf"} 4\n' +
      "ai_ttft_sum{} 140.5500000000000113686837721616\n" +
      "ai_ttft_count{} 4\n";
    assert.equal(renderPrometheus(s.all()), expected);
  });

  it("picks histogram buckets by the first match on the name before tag extraction", () => {
    const s = store({
      histogramBuckets: [
        { match: { safeRegex: "^wasmcustom\\.route\\.r1\\..*", ignoreCase: false }, buckets: [0.01, 2] },
        { match: { prefix: "wasmcustom.", ignoreCase: false }, buckets: [100] },
      ],
    });
    s.record(s.define(MetricKind.Histogram, "route.r1.upstream.c.model.m.consumer.u.metric.llm_first_token_duration"), 1n);
    s.record(s.define(MetricKind.Histogram, "route.r2.upstream.c.model.m.consumer.u.metric.llm_first_token_duration"), 1n);
    const name = "route_upstream_model_consumer_metric_llm_first_token_duration";
    const r1 = 'ai_route="r1",ai_cluster="c",ai_model="m",ai_consumer="u"';
    const r2 = 'ai_route="r2",ai_cluster="c",ai_model="m",ai_consumer="u"';
    assert.equal(
      renderPrometheus(s.all()),
      `# TYPE ${name} histogram\n` +
        `${name}_bucket{${r1},le="0.010000000000000000208166817117217"} 0\n` +
        `${name}_bucket{${r1},le="2"} 1\n` +
        `${name}_bucket{${r1},le="+Inf"} 1\n` +
        `${name}_sum{${r1}} 1.0500000000000000444089209850063\n` +
        `${name}_count{${r1}} 1\n` +
        `${name}_bucket{${r2},le="100"} 1\n` +
        `${name}_bucket{${r2},le="+Inf"} 1\n` +
        `${name}_sum{${r2}} 1.0500000000000000444089209850063\n` +
        `${name}_count{${r2}} 1\n`,
    );
  });

  it("sanitises names, escapes label values and drops custom names starting with a digit", () => {
    const s = store({ tags: [{ name: "q-tag", regex: "^wasmcustom\\.q\\.((.*?)\\.)end" }] });
    s.add(s.define(MetricKind.Counter, 'q.a"b\\c.end'), 1n);
    s.add(s.define(MetricKind.Counter, "1st.metric"), 1n);
    s.add(s.define(MetricKind.Counter, "my-metric:x"), 2n);
    assert.equal(renderPrometheus(s.all()), "# TYPE my_metric_x counter\nmy_metric_x{} 2\n# TYPE q_end counter\n" + 'q_end{q_tag="a\\"b\\\\c"} 1\n');
    assert.equal(escapeLabelValue("a\nb"), "a\\nb");
  });

  it("shows only used stats with usedonly, and filters on the full name", () => {
    const s = store();
    s.define(MetricKind.Counter, "never");
    s.add(s.define(MetricKind.Counter, "used"), 1n);
    assert.equal(renderPrometheus(s.all(), { usedOnly: true }), "# TYPE used counter\nused{} 1\n");
    assert.equal(renderPrometheus(s.all(), { filter: /never/ }), "# TYPE never counter\nnever{} 0\n");
  });

  it("keeps counters and gauges as uint64 and defines one stat per kind and name", () => {
    const s = store();
    const a = s.define(MetricKind.Gauge, "g");
    assert.equal(s.define(MetricKind.Gauge, "g"), a);
    assert.notEqual(s.define(MetricKind.Counter, "g"), a);
    s.add(a, -1n);
    assert.equal(s.get(a), (1n << 64n) - 1n);
  });
});

describe("/stats text", () => {
  it("lists counters and gauges by name, then histogram quantiles", () => {
    const s = store();
    s.inc("b.count", 2);
    s.setGauge("a.gauge", 1);
    s.define(MetricKind.Histogram, "h.empty");
    const h = s.define(MetricKind.Histogram, "h.one");
    s.record(h, 5n);
    assert.equal(
      renderStatsText(s.all()),
      "a.gauge: 1\nb.count: 2\nwasmcustom.h.empty: No recorded values\n" +
        "wasmcustom.h.one: P0(nan,5) P25(nan,5.025) P50(nan,5.05) P75(nan,5.075) P90(nan,5.09) P95(nan,5.095) P99(nan,5.099) P99.5(nan,5.0995) P99.9(nan,5.0999) P100(nan,5.1)\n",
    );
  });
});
