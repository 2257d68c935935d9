// Emits one request's metrics. Metric objects are created lazily per label combination and cached
// (a MetricSet per combination, counters per status/error inside it), so a request costs one map
// lookup on a short key plus the host calls; Envoy's metric ids are defined once per name.
// Units: durations in milliseconds, token counts as integers (histogram buckets in README.md).
import { Counter, Histogram } from "../../assembly";
import { MetricLabels, aiName, requestsName } from "./metric-names";
import { ANOMALY_NAMES } from "./anomalies";

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

@inline function add(c: Counter, v: i64): void {
  if (v > 0) c.increment(v);
}

/** Every metric of one label combination. */
export class MetricSet {
  // Higress-compatible counters
  private hInput: Counter;
  private hOutput: Counter;
  private hTotal: Counter;
  private hServiceDuration: Counter;
  private hDurationCount: Counter;
  private hFirstToken: Counter;
  private hStreamCount: Counter;
  // This plugin's metrics
  private inputTokens: Counter;
  private outputTokens: Counter;
  private totalTokens: Counter;
  private cachedTokens: Counter;
  private reasoningTokens: Counter;
  private estimated: Counter;
  private duration: Histogram;
  private ttft: Histogram;
  private tpot: Histogram;
  private inputHist: Histogram;
  private outputHist: Histogram;
  private anomalyCounters: Counter[] = [];
  private requests: Map<string, Counter> = new Map<string, Counter>();
  private lastRequests: Counter | null = null;
  private lastStatus: string = "";
  private lastError: string = "";
  private prefix: string;
  private suffix: string;

  constructor(labels: MetricLabels) {
    const p = labels.higressPrefix();
    const s = labels.extraSuffix();
    this.prefix = p;
    this.suffix = s;
    this.hInput = new Counter(p + "input_token");
    this.hOutput = new Counter(p + "output_token");
    this.hTotal = new Counter(p + "total_token");
    this.hServiceDuration = new Counter(p + "llm_service_duration");
    this.hDurationCount = new Counter(p + "llm_duration_count");
    this.hFirstToken = new Counter(p + "llm_first_token_duration");
    this.hStreamCount = new Counter(p + "llm_stream_duration_count");
    this.inputTokens = new Counter(aiName(p, s, "ai_input_tokens"));
    this.outputTokens = new Counter(aiName(p, s, "ai_output_tokens"));
    this.totalTokens = new Counter(aiName(p, s, "ai_total_tokens"));
    this.cachedTokens = new Counter(aiName(p, s, "ai_cached_tokens"));
    this.reasoningTokens = new Counter(aiName(p, s, "ai_reasoning_tokens"));
    this.estimated = new Counter(aiName(p, s, "ai_usage_estimated"));
    this.duration = new Histogram(aiName(p, s, "ai_request_duration_ms"));
    this.ttft = new Histogram(aiName(p, s, "ai_ttft_ms"));
    this.tpot = new Histogram(aiName(p, s, "ai_time_per_output_token_ms"));
    this.inputHist = new Histogram(aiName(p, s, "ai_input_tokens_per_request"));
    this.outputHist = new Histogram(aiName(p, s, "ai_output_tokens_per_request"));
    for (let i = 0; i < ANOMALY_NAMES.length; i++) {
      this.anomalyCounters.push(new Counter(aiName(p, s, "ai_anomaly_" + ANOMALY_NAMES[i])));
    }
  }

  /** The request counter of (status class, error type); the last one is kept at hand, as most
   *  requests repeat it, which saves building and hashing the key. */
  private requestsCounter(status: string, error: string): Counter {
    const last = this.lastRequests;
    if (last !== null && status == this.lastStatus && error == this.lastError) return last;
    const key = status + "|" + error;
    let c: Counter;
    if (this.requests.has(key)) c = this.requests.get(key);
    else {
      c = new Counter(requestsName(this.prefix, this.suffix, status, error));
      this.requests.set(key, c);
    }
    this.lastRequests = c;
    this.lastStatus = status;
    this.lastError = error;
    return c;
  }

  record(n: RequestNumbers, higress: bool, ours: bool): void {
    if (higress) {
      if (n.hasUsage) {
        add(this.hInput, n.inputTokens);
        add(this.hOutput, n.outputTokens);
        add(this.hTotal, n.totalTokens);
      }
      add(this.hServiceDuration, n.durationMs);
      this.hDurationCount.increment(1);
      if (n.stream && n.ttftMs >= 0) {
        add(this.hFirstToken, n.ttftMs);
        this.hStreamCount.increment(1);
      }
    }
    if (!ours) return;
    this.requestsCounter(n.statusClass, n.errorType).increment(1);
    this.duration.record(n.durationMs);
    if (n.stream && n.ttftMs >= 0) this.ttft.record(n.ttftMs);
    if (n.tpotMs >= 0) this.tpot.record(n.tpotMs);
    if (n.hasUsage) {
      add(this.inputTokens, n.inputTokens);
      add(this.outputTokens, n.outputTokens);
      add(this.totalTokens, n.totalTokens);
      add(this.cachedTokens, n.cachedTokens);
      add(this.reasoningTokens, n.reasoningTokens);
      this.inputHist.record(n.inputTokens);
      this.outputHist.record(n.outputTokens);
      if (n.estimated) this.estimated.increment(1);
    }
    for (let i = 0; i < ANOMALY_NAMES.length; i++) {
      if (n.anomalies & (1 << i)) this.anomalyCounters[i].increment(1);
    }
  }
}

/** MetricSets by label combination (the combinations are bounded by the label limiters). */
export class MetricRegistry {
  private sets: Map<string, MetricSet> = new Map<string, MetricSet>();
  // The last combination: consecutive requests mostly share it, and comparing seven short strings
  // is cheaper than building and hashing the key.
  private lastLabels: MetricLabels | null = null;
  private lastSet: MetricSet | null = null;

  forLabels(l: MetricLabels): MetricSet {
    const last = this.lastLabels;
    if (last !== null && last.equals(l)) return this.lastSet!;
    const s = this.lookup(l);
    this.lastLabels = l;
    this.lastSet = s;
    return s;
  }

  private lookup(l: MetricLabels): MetricSet {
    const key = l.route + "\n" + l.cluster + "\n" + l.model + "\n" + l.consumer + "\n" + l.provider + "\n" + l.requestModel + "\n" + l.variant;
    if (this.sets.has(key)) return this.sets.get(key);
    const s = new MetricSet(l);
    this.sets.set(key, s);
    return s;
  }
}
