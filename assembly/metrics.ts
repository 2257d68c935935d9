// Custom metrics. Envoy names them `wasmcustom.<name>` (Prometheus strips the prefix and turns
// dots into underscores). Each name is defined once, lazily on first use (never at module load,
// when no context exists), and its id cached for the VM's life: Envoy hands out a new id per
// define call, so defining per request would grow without bound.
//
// Two levels: Counter/Gauge/Histogram (and metricId) cache ids by name, for callers that may
// name the same metric twice; defineMetric/incrementMetric/recordMetric work on bare ids, for
// callers that already know each name is defined once (e.g. one object per label combination)
// and want to keep no name at all once the id is known.
import { proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric } from "./abi/imports";
import { MetricType, WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";

// One map per type, keyed by the caller's own name string (no second copy of the name).
const counterIds = new Map<string, u32>();
const gaugeIds = new Map<string, u32>();
const histogramIds = new Map<string, u32>();

@inline function idsOf(type: MetricType): Map<string, u32> {
  return type == MetricType.Counter ? counterIds : type == MetricType.Gauge ? gaugeIds : histogramIds;
}

/** Defines the metric named by the UTF-8 bytes at `ptr` (a new id on every call: the caller must
 *  define each name once). 0 when the host refused. */
export function defineMetric(type: MetricType, ptr: usize, len: usize): u32 {
  store<u32>(RET_EXTRA, 0);
  if (proxy_define_metric(<u32>type, ptr, len, RET_EXTRA) != WasmResult.Ok) return 0;
  return load<u32>(RET_EXTRA);
}

/** Id for (type, name), defined with the host on first use; 0 when the host refused. */
export function metricId(type: MetricType, name: string): u32 {
  const ids = idsOf(type);
  if (ids.has(name)) return ids.get(name);
  const n = String.UTF8.encode(name);
  const id = defineMetric(type, changetype<usize>(n), <usize>n.byteLength);
  if (id != 0) ids.set(name, id);
  return id;
}

/** Adds delta to a counter (> 0) or gauge (any sign) by id. */
export function incrementMetric(id: u32, delta: i64): WasmResult {
  return <WasmResult>proxy_increment_metric(id, delta);
}

/** Records a histogram value, or sets a gauge, by id. */
export function recordMetric(id: u32, value: i64): WasmResult {
  return <WasmResult>proxy_record_metric(id, value);
}

/** A counter's or gauge's value by id (0 when unknown). */
export function readMetric(id: u32): u64 {
  store<u64>(RET_EXTRA, 0);
  if (proxy_get_metric(id, RET_EXTRA) != WasmResult.Ok) return 0;
  return load<u64>(RET_EXTRA);
}

export class Counter {
  private id: u32 = 0;
  constructor(public readonly name: string) {}
  private resolve(): u32 {
    if (this.id == 0) this.id = metricId(MetricType.Counter, this.name);
    return this.id;
  }
  /** Adds delta (> 0; Envoy refuses 0 and negatives with BadArgument). */
  increment(delta: i64 = 1): WasmResult {
    if (delta <= 0) return WasmResult.BadArgument;
    return incrementMetric(this.resolve(), delta);
  }
  get(): u64 { return readMetric(this.resolve()); }
}

export class Gauge {
  private id: u32 = 0;
  constructor(public readonly name: string) {}
  private resolve(): u32 {
    if (this.id == 0) this.id = metricId(MetricType.Gauge, this.name);
    return this.id;
  }
  set(value: i64): WasmResult { return recordMetric(this.resolve(), value); }
  /** Adds delta (may be negative). */
  increment(delta: i64): WasmResult { return incrementMetric(this.resolve(), delta); }
  get(): u64 { return readMetric(this.resolve()); }
}

export class Histogram {
  private id: u32 = 0;
  constructor(public readonly name: string) {}
  private resolve(): u32 {
    if (this.id == 0) this.id = metricId(MetricType.Histogram, this.name);
    return this.id;
  }
  /** Records one value (use integers in the unit of the bucket settings, e.g. milliseconds). */
  record(value: i64): WasmResult { return recordMetric(this.resolve(), value); }
}
