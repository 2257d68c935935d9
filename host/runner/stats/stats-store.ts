// Process-wide stats, shared by every worker (Envoy's stats are too): the wasm modules' custom
// metrics (named "wasmcustom.<name>") and the few Envoy stats the host and runner keep.
import { MetricKind, type StatsStore } from "../../contract.ts";
import type { StatsConfigSpec } from "../config/types.ts";
import { stringMatches } from "../config/matchers.ts";
import { DEFAULT_BUCKETS, LogLinearHistogram } from "./log-linear-histogram.ts";
import { type Extracted, TagProducer } from "./tag-extractor.ts";

export const CUSTOM_PREFIX = "wasmcustom.";

export interface Stat {
  kind: MetricKind;
  name: string; // full name, e.g. "wasmcustom.ai.requests" or "cluster.c1.upstream_rq_total"
  value: bigint; // counters and gauges (uint64 in Envoy)
  used: boolean;
  histogram: LogLinearHistogram | null;
  buckets: readonly number[];
  extracted: Extracted;
}

const MAX_U64 = (1n << 64n) - 1n;

export class RunnerStats implements StatsStore {
  private readonly stats: Stat[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly tags: TagProducer;

  constructor(private readonly config: StatsConfigSpec = { tags: [], useAllDefaultTags: true, histogramBuckets: [] }) {
    this.tags = new TagProducer(config.tags, config.useAllDefaultTags);
  }

  // --- contract StatsStore ---------------------------------------------------------------

  define(kind: MetricKind, name: string): number {
    return this.handle(kind, CUSTOM_PREFIX + name);
  }

  add(handle: number, delta: bigint): void {
    const s = this.stats[handle];
    if (!s || s.kind === MetricKind.Histogram) return;
    s.value = BigInt.asUintN(64, s.value + delta); // uint64 arithmetic, as Envoy's stats
    s.used = true;
  }

  set(handle: number, value: bigint): void {
    const s = this.stats[handle];
    if (!s || s.kind === MetricKind.Histogram) return;
    s.value = BigInt.asUintN(64, value);
    s.used = true;
  }

  record(handle: number, value: bigint): void {
    const s = this.stats[handle];
    if (!s || !s.histogram) return;
    s.histogram.record(value < 0n ? 0n : value > MAX_U64 ? MAX_U64 : value);
    s.used = true;
  }

  get(handle: number): bigint {
    return this.stats[handle]?.value ?? 0n;
  }

  inc(name: string, delta = 1): void {
    this.add(this.handle(MetricKind.Counter, name), BigInt(Math.trunc(delta)));
  }

  // --- for the runner --------------------------------------------------------------------

  /** A stat by full name (no prefix added). */
  handle(kind: MetricKind, fullName: string): number {
    const key = `${kind}:${fullName}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const isHist = kind === MetricKind.Histogram;
    const stat: Stat = {
      kind,
      name: fullName,
      value: 0n,
      used: false,
      histogram: isHist ? new LogLinearHistogram() : null,
      buckets: isHist ? this.bucketsFor(fullName) : [],
      extracted: this.tags.extract(fullName),
    };
    this.stats.push(stat);
    this.byKey.set(key, this.stats.length - 1);
    return this.stats.length - 1;
  }

  setGauge(name: string, value: number | bigint): void {
    this.set(this.handle(MetricKind.Gauge, name), BigInt(value));
  }

  addGauge(name: string, delta: number): void {
    this.add(this.handle(MetricKind.Gauge, name), BigInt(Math.trunc(delta)));
  }

  recordHistogram(name: string, value: number): void {
    this.record(this.handle(MetricKind.Histogram, name), BigInt(Math.max(0, Math.round(value))));
  }

  /** Value of a counter or gauge by full name (undefined when never defined). */
  valueOf(kind: MetricKind, fullName: string): bigint | undefined {
    const h = this.byKey.get(`${kind}:${fullName}`);
    return h === undefined ? undefined : this.stats[h].value;
  }

  all(): readonly Stat[] {
    return this.stats;
  }

  /** histogram_bucket_settings: first match on the full name, before tag extraction. */
  private bucketsFor(fullName: string): readonly number[] {
    for (const s of this.config.histogramBuckets) if (stringMatches(s.match, fullName)) return s.buckets;
    return DEFAULT_BUCKETS;
  }
}
