// Custom metrics of one VM (Envoy source/extensions/common/wasm/context.cc defineMetric and friends,
// wasm.h next*MetricId): ids are per VM, kMetricIdIncrement = 4 and the low two bits are the type,
// so counters are 4, 8, 12..., gauges 5, 9..., histograms 6, 10.... Every define gives a new id
// (the same name maps to the same stat in the store). Values live in the runner's StatsStore, which
// adds Envoy's "wasmcustom." prefix.

import { MetricKind, type StatsStore } from "./contract.ts";
import { WasmResult } from "./enums.ts";

const TYPE_MASK = 3;
const ID_INCREMENT = 4;

export class VmMetrics {
  private next = [0, 1, 2];
  private handles = new Map<number, number>();
  private stats: StatsStore;

  constructor(stats: StatsStore) {
    this.stats = stats;
  }

  define(type: number, name: string): { result: WasmResult; id: number } {
    if (type > 2) return { result: WasmResult.BadArgument, id: 0 };
    const id = (this.next[type] += ID_INCREMENT);
    const kind = type === 0 ? MetricKind.Counter : type === 1 ? MetricKind.Gauge : MetricKind.Histogram;
    this.handles.set(id, this.stats.define(kind, name));
    return { result: WasmResult.Ok, id };
  }

  increment(id: number, offset: bigint): WasmResult {
    const type = id & TYPE_MASK;
    if (type === 0) {
      const h = this.handles.get(id);
      if (h === undefined) return WasmResult.NotFound;
      if (offset <= 0n) return WasmResult.BadArgument;
      this.stats.add(h, offset);
      return WasmResult.Ok;
    }
    if (type === 1) {
      const h = this.handles.get(id);
      if (h === undefined) return WasmResult.NotFound;
      this.stats.add(h, offset); // negative offsets subtract
      return WasmResult.Ok;
    }
    return WasmResult.BadArgument;
  }

  record(id: number, value: bigint): WasmResult {
    const h = this.handles.get(id);
    if (h === undefined) return WasmResult.NotFound;
    const type = id & TYPE_MASK;
    if (type === 0) this.stats.add(h, value);
    else if (type === 1) this.stats.set(h, value);
    else if (type === 2) this.stats.record(h, value);
    else return WasmResult.NotFound;
    return WasmResult.Ok;
  }

  get(id: number): { result: WasmResult; value: bigint } {
    const type = id & TYPE_MASK;
    if (type !== 0 && type !== 1) return { result: WasmResult.BadArgument, value: 0n };
    const h = this.handles.get(id);
    if (h === undefined) return { result: WasmResult.NotFound, value: 0n };
    return { result: WasmResult.Ok, value: this.stats.get(h) };
  }
}
