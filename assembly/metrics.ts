// Custom metrics. Envoy names them `wasmcustom.<name>` (Prometheus strips the prefix and turns
// dots into underscores). Each name is defined once, lazily on first use (never at module load,
// when no context exists), and its id cached for the VM's life: Envoy hands out a new id per
// define call, so defining per request would grow without bound.
import { proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric } from "./abi/imports";
import { MetricType, WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";

const ids = new Map<string, u32>();

/** Id for (type, name), defined with the host on first use; 0 when the host refused. */
export function metricId(type: MetricType, name: string): u32 {
  const key = (<i32>type).toString() + ":" + name;
  if (ids.has(key)) return ids.get(key);
  const n = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  if (proxy_define_metric(<u32>type, changetype<usize>(n), <usize>n.byteLength, RET_EXTRA) != WasmResult.Ok) return 0;
  const id = load<u32>(RET_EXTRA);
  ids.set(key, id);
  return id;
}

function readMetric(id: u32): u64 {
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
    return <WasmResult>proxy_increment_metric(this.resolve(), delta);
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
  set(value: i64): WasmResult { return <WasmResult>proxy_record_metric(this.resolve(), value); }
  /** Adds delta (may be negative). */
  increment(delta: i64): WasmResult { return <WasmResult>proxy_increment_metric(this.resolve(), delta); }
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
  record(value: i64): WasmResult { return <WasmResult>proxy_record_metric(this.resolve(), value); }
}
