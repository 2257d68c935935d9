// Emits one request's metrics. A MetricSet per label combination holds only the metric ids, in a
// compact array, 0 until the metric is first used: then its name is written into one reusable
// UTF-8 buffer (metric-name-bytes.ts), defined with the host and forgotten. So a combination
// costs a few hundred bytes, not ~25 long UTF-16 names, and no name is kept twice.
// Each name is still defined once per VM (Envoy gives a new id per define): a set is unique per
// combination, the Higress counters (which lack provider/request model/variant) live in a
// HigressSet shared by the sets of the same route/cluster/model/consumer, and a set's request
// counters are unique per (status, error).
// Units: durations in milliseconds, token counts as integers (histogram buckets in README.md).
import { MetricType } from "../../assembly/enums";
import { defineMetric, incrementMetric, recordMetric } from "../../assembly/metrics";
import { MetricLabels } from "./metric-names";
import { NameBytes } from "./metric-name-bytes";

/** One request's numbers, in the units recorded. */
export class RequestNumbers {
  inputTokens: i64 = 0;
  outputTokens: i64 = 0;
  totalTokens: i64 = 0;
  cachedTokens: i64 = 0;
  reasoningTokens: i64 = 0;
  /** tokens are known (reported or estimated) */
  hasUsage: bool = false;
  estimated: bool = false;
  durationMs: i64 = 0;
  /** -1 when not a stream or no body came */
  ttftMs: i64 = -1;
  /** -1 when it cannot be computed */
  tpotMs: i64 = -1;
  stream: bool = false;
  statusClass: string = "none";
  errorType: string = "none";
  anomalies: u32 = 0;
}

// Higress counters (indexes into HigressSet.ids).
const H_INPUT = 0;
const H_OUTPUT = 1;
const H_TOTAL = 2;
const H_SERVICE_DURATION = 3;
const H_DURATION_COUNT = 4;
const H_FIRST_TOKEN = 5;
const H_STREAM_COUNT = 6;
const HIGRESS_NAMES = ["input_token", "output_token", "total_token", "llm_service_duration", "llm_duration_count", "llm_first_token_duration", "llm_stream_duration_count"];

// This plugin's metrics (indexes into MetricSet.ids): counters, anomaly counters (in the order of
// anomalies.ts's flag bits), histograms.
const AI_INPUT = 0;
const AI_OUTPUT = 1;
const AI_TOTAL = 2;
const AI_CACHED = 3;
const AI_REASONING = 4;
const AI_ESTIMATED = 5;
const AI_ANOMALY = 6; // + anomaly bit index
const AI_HIST = AI_ANOMALY + 6;
const AI_DURATION = AI_HIST;
const AI_TTFT = AI_HIST + 1;
const AI_TPOT = AI_HIST + 2;
const AI_INPUT_HIST = AI_HIST + 3;
const AI_OUTPUT_HIST = AI_HIST + 4;
const AI_COUNT = AI_HIST + 5;
const AI_NAMES = [
  "ai_input_tokens", "ai_output_tokens", "ai_total_tokens", "ai_cached_tokens", "ai_reasoning_tokens", "ai_usage_estimated",
  "ai_anomaly_slow", "ai_anomaly_slow_ttft", "ai_anomaly_upstream_error", "ai_anomaly_missing_usage", "ai_anomaly_truncated_stream", "ai_anomaly_client_abort",
  "ai_request_duration_ms", "ai_ttft_ms", "ai_time_per_output_token_ms", "ai_input_tokens_per_request", "ai_output_tokens_per_request",
];

/** The one name buffer of the VM (names are written one at a time). */
const NAME = new NameBytes();

@inline function define(type: MetricType, n: NameBytes): u32 {
  return defineMetric(type, n.ptr, <usize>n.len);
}

@inline function count(id: u32, v: i64): void {
  if (v > 0) incrementMetric(id, v);
}

/** The Higress counters of one (route, cluster, model, consumer). */
class HigressSet {
  ids: StaticArray<u32> = new StaticArray<u32>(7);
  next: HigressSet | null = null;
  constructor(public labels: MetricLabels) {}

  id(k: i32): u32 {
    let id = unchecked(this.ids[k]);
    if (id == 0) {
      id = define(MetricType.Counter, NAME.higress(this.labels, unchecked(HIGRESS_NAMES[k])));
      unchecked((this.ids[k] = id));
    }
    return id;
  }
}

/** One ai_requests counter of a set: (status class, error type) -> id. */
class RequestsCounter {
  constructor(public status: string, public error: string, public id: u32, public next: RequestsCounter | null) {}
}

/** Every metric of one label combination. */
export class MetricSet {
  private ids: StaticArray<u32> = new StaticArray<u32>(AI_COUNT);
  private requests: RequestsCounter | null = null;
  next: MetricSet | null = null;

  constructor(public labels: MetricLabels, private higress: HigressSet) {}

  private id(k: i32): u32 {
    let id = unchecked(this.ids[k]);
    if (id == 0) {
      id = define(k < AI_HIST ? MetricType.Counter : MetricType.Histogram, NAME.ai(this.labels, unchecked(AI_NAMES[k])));
      unchecked((this.ids[k] = id));
    }
    return id;
  }

  /** The request counter of (status class, error type); the most recent one is first in the list. */
  private requestsId(status: string, error: string): u32 {
    let prev: RequestsCounter | null = null;
    let c = this.requests;
    while (c !== null) {
      if (c.status == status && c.error == error) {
        if (prev !== null) {
          prev.next = c.next;
          c.next = this.requests;
          this.requests = c;
        }
        return c.id;
      }
      prev = c;
      c = c.next;
    }
    const id = define(MetricType.Counter, NAME.requests(this.labels, status, error));
    if (id == 0) return 0;
    this.requests = new RequestsCounter(status, error, id, this.requests);
    return id;
  }

  record(n: RequestNumbers, higress: bool, ours: bool): void {
    if (higress) {
      const h = this.higress;
      if (n.hasUsage) {
        count(h.id(H_INPUT), n.inputTokens);
        count(h.id(H_OUTPUT), n.outputTokens);
        count(h.id(H_TOTAL), n.totalTokens);
      }
      count(h.id(H_SERVICE_DURATION), n.durationMs);
      incrementMetric(h.id(H_DURATION_COUNT), 1);
      if (n.stream && n.ttftMs >= 0) {
        count(h.id(H_FIRST_TOKEN), n.ttftMs);
        incrementMetric(h.id(H_STREAM_COUNT), 1);
      }
    }
    if (!ours) return;
    incrementMetric(this.requestsId(n.statusClass, n.errorType), 1);
    recordMetric(this.id(AI_DURATION), n.durationMs);
    if (n.stream && n.ttftMs >= 0) recordMetric(this.id(AI_TTFT), n.ttftMs);
    if (n.tpotMs >= 0) recordMetric(this.id(AI_TPOT), n.tpotMs);
    if (n.hasUsage) {
      count(this.id(AI_INPUT), n.inputTokens);
      count(this.id(AI_OUTPUT), n.outputTokens);
      count(this.id(AI_TOTAL), n.totalTokens);
      if (n.cachedTokens > 0) count(this.id(AI_CACHED), n.cachedTokens);
      if (n.reasoningTokens > 0) count(this.id(AI_REASONING), n.reasoningTokens);
      recordMetric(this.id(AI_INPUT_HIST), n.inputTokens);
      recordMetric(this.id(AI_OUTPUT_HIST), n.outputTokens);
      if (n.estimated) incrementMetric(this.id(AI_ESTIMATED), 1);
    }
    const a = n.anomalies;
    if (a != 0) {
      for (let i = 0; i < AI_HIST - AI_ANOMALY; i++) {
        if (a & (1 << i)) incrementMetric(this.id(AI_ANOMALY + i), 1);
      }
    }
  }
}

// FNV-1a over the labels' UTF-16 units, with a separator between values.
@inline function mix(h: u32, s: string): u32 {
  const p = changetype<usize>(s);
  const n = s.length;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u16>(p + (<usize>i << 1))) * 16777619;
  return (h ^ 0xffff) * 16777619;
}

function higressHash(l: MetricLabels): u32 {
  return mix(mix(mix(mix(2166136261, l.route), l.cluster), l.model), l.consumer);
}

function higressEquals(a: MetricLabels, b: MetricLabels): bool {
  return a.route == b.route && a.cluster == b.cluster && a.model == b.model && a.consumer == b.consumer;
}

function copyLabels(l: MetricLabels): MetricLabels {
  const c = new MetricLabels();
  c.route = l.route;
  c.cluster = l.cluster;
  c.model = l.model;
  c.consumer = l.consumer;
  c.provider = l.provider;
  c.requestModel = l.requestModel;
  c.variant = l.variant;
  return c;
}

/** MetricSets by label combination (the combinations are bounded by the label limiters), keyed
 *  by a hash of the labels (collisions chained): no key string per combination. */
export class MetricRegistry {
  private sets: Map<u32, MetricSet> = new Map<u32, MetricSet>();
  private higress: Map<u32, HigressSet> = new Map<u32, HigressSet>();
  private count: i32 = 0;

  /** The set of `l` (read only: a new set keeps its own copy of the labels). */
  forLabels(l: MetricLabels): MetricSet {
    const hh = higressHash(l);
    const h = mix(mix(mix(hh, l.provider), l.requestModel), l.variant);
    const head: MetricSet | null = this.sets.has(h) ? this.sets.get(h) : null;
    let s = head;
    while (s !== null) {
      if (s.labels.equals(l)) return s;
      s = s.next;
    }
    const labels = copyLabels(l);
    const set = new MetricSet(labels, this.higressFor(hh, labels));
    set.next = head;
    this.sets.set(h, set);
    this.count++;
    return set;
  }

  /** Label combinations seen. */
  get size(): i32 {
    return this.count;
  }

  private higressFor(h: u32, l: MetricLabels): HigressSet {
    const head: HigressSet | null = this.higress.has(h) ? this.higress.get(h) : null;
    let s = head;
    while (s !== null) {
      if (higressEquals(s.labels, l)) return s;
      s = s.next;
    }
    const set = new HigressSet(l);
    set.next = head;
    this.higress.set(h, set);
    return set;
  }
}
