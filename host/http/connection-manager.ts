// The HTTP connection manager of one listener: loads the wasm filters (canary, then one VM per
// worker per VM key), and creates streams: filter manager + a wasm filter per plugin + the router.
// Each worker has its own dispatcher; a downstream connection stays on one worker.

import type { AccessLogEntry, ClusterManager, ConnectionManagerConfig, HostServices } from "../contract.ts";
import { DEFAULT_BUFFER_LIMIT_BYTES, DEFAULT_CONCURRENCY } from "../limits.ts";
import { Dispatcher } from "../dispatcher.ts";
import { loadCode, runCanary, VmSlot, vmKey } from "../plugin.ts";
import { pluginInfo, type PluginInfo } from "../plugin-info.ts";
import { processSharedState, type SharedState } from "../shared-data.ts";
import type { ModuleCode } from "../vm.ts";
import { FilterManager, HcmStatNames, type Downstream, type StreamEnv, type StreamFilter } from "./filter-manager.ts";
import { HeaderMap } from "./header-map.ts";
import { Router } from "./router.ts";
import { StreamInfo, type Address } from "./stream-info.ts";
import { WasmStreamContext } from "./wasm-filter.ts";

const utf8 = new TextEncoder();

interface LoadedFilter {
  info: PluginInfo;
  code: ModuleCode;
  vmConfiguration: Uint8Array;
  key: string;
}

export class Worker {
  readonly dispatcher: Dispatcher;
  /** per filter index, the slot serving it (filters with the same VM key share one) */
  readonly slots: VmSlot[] = [];
  /** what every stream of this worker shares */
  env!: StreamEnv;

  constructor(index: number) {
    this.dispatcher = new Dispatcher(index);
  }
}

export interface ConnectionInfo {
  remote: Address;
  local: Address;
  connectionId: number;
}

export class ConnectionManagerCore {
  readonly workers: Worker[] = [];
  readonly filters: LoadedFilter[] = [];
  private nextConnectionId = 1;
  private closed = false;

  private constructor(
    readonly cfg: ConnectionManagerConfig,
    readonly services: HostServices,
    readonly shared: SharedState,
  ) {}

  static async create(cfg: ConnectionManagerConfig, services: HostServices, shared: SharedState = processSharedState): Promise<ConnectionManagerCore> {
    const cm = new ConnectionManagerCore(cfg, services, shared);
    for (const f of cfg.filters) {
      const code = await loadCode(f.wasmPath, `${f.name} (${f.wasmPath})`);
      const info = pluginInfo(f);
      const vmConfiguration = utf8.encode(f.vmConfiguration);
      cm.filters.push({ info, code, vmConfiguration, key: vmKey(code, info, vmConfiguration) });
    }
    cm.start();
    return cm;
  }

  /** Like create() for already compiled modules (tests). */
  static fromCode(
    cfg: ConnectionManagerConfig,
    services: HostServices,
    shared: SharedState,
    codes: ModuleCode[],
  ): ConnectionManagerCore {
    const cm = new ConnectionManagerCore(cfg, services, shared);
    cfg.filters.forEach((f, i) => {
      const info = pluginInfo(f);
      const vmConfiguration = utf8.encode(f.vmConfiguration);
      cm.filters.push({ info, code: codes[i], vmConfiguration, key: vmKey(codes[i], info, vmConfiguration) });
    });
    cm.start();
    return cm;
  }

  private start(): void {
    const env = { services: this.services, shared: this.shared };
    for (const f of this.filters) runCanary(f.code, f.info, f.vmConfiguration, env);
    const n = this.cfg.concurrency > 0 ? this.cfg.concurrency : DEFAULT_CONCURRENCY;
    const statNames = new HcmStatNames(this.cfg.statPrefix);
    try {
      for (let w = 0; w < n; w++) {
        const worker = new Worker(w);
        worker.env = {
          routes: this.cfg.routeConfig,
          clusterKnown: (name) => this.services.clusters.has(name),
          stats: this.services.stats,
          statNames,
          dispatcher: worker.dispatcher,
          bufferLimit: this.cfg.bufferLimitBytes > 0 ? this.cfg.bufferLimitBytes : DEFAULT_BUFFER_LIMIT_BYTES,
          onComplete: (fm) => this.onStreamComplete(fm),
        };
        const byKey = new Map<string, VmSlot>();
        for (const f of this.filters) {
          let slot = byKey.get(f.key);
          if (!slot) {
            slot = new VmSlot(f.code, f.info.vmId, f.vmConfiguration, { ...env, dispatcher: worker.dispatcher });
            byKey.set(f.key, slot);
          }
          slot.addPlugin(f.info);
          worker.slots.push(slot);
        }
        this.workers.push(worker);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get concurrency(): number {
    return this.workers.length;
  }

  newConnectionId(): number {
    return this.nextConnectionId++;
  }

  /** Creates a stream on a worker. Call its methods inside worker.dispatcher.event(). */
  newStream(workerIndex: number, downstream: Downstream, conn: ConnectionInfo, routerClusters?: ClusterManager): FilterManager {
    const worker = this.workers[workerIndex];
    const services = this.services;
    const env = worker.env;
    const info = new StreamInfo(services.clock.nowNanos(), conn.remote, conn.local, conn.connectionId);
    const fm = new FilterManager(info, env, downstream);
    services.stats.inc(env.statNames.total);
    const n = this.filters.length;
    const filters: StreamFilter[] = new Array(n + 1);
    for (let i = 0; i < n; i++) {
      const f = this.filters[i];
      const vm = worker.slots[i].healthy();
      filters[i] = new WasmStreamContext(vm, vm.roots.get(f.info.rootId)!, f.info, fm);
    }
    filters[n] = new Router(fm, routerClusters ?? services.clusters, services.clock, this.cfg.headerToMetadata); // header_to_metadata filters run in the router
    fm.setFilters(filters);
    for (let i = 0; i < n; i++) {
      const c = filters[i] as WasmStreamContext;
      c.decEntry = fm.dec.entries[i];
      c.encEntry = fm.dec.entries[i].peer;
    }
    return fm;
  }

  private onStreamComplete(fm: FilterManager): void {
    const log = this.services.accessLog;
    if (!log) return;
    const info = fm.info;
    const req = fm.requestHeaders ?? new HeaderMap();
    const entry: AccessLogEntry = {
      startTimeMs: info.startMs,
      durationMs: Math.round(performance.now() - info.startMono),
      method: req.get(":method") ?? "",
      path: req.get("x-envoy-original-path") ?? req.get(":path") ?? "",
      authority: req.get(":authority") ?? "",
      protocol: info.protocol,
      requestId: req.get("x-request-id") ?? "",
      responseCode: info.responseCode ?? 0,
      responseCodeDetails: info.responseCodeDetails ?? "",
      responseFlags: info.responseFlagNames.join(","),
      bytesReceived: info.bytesReceived,
      bytesSent: info.bytesSent,
      routeName: info.route?.route.name ?? "",
      upstreamCluster: info.clusterName ?? "",
      filterState: info.filterState,
    };
    try {
      log(entry);
    } catch (e) {
      this.services.logger.log(4, "host", `access log sink failed: ${(e as Error).message}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) {
      const seen = new Set<VmSlot>();
      for (const s of w.slots) {
        if (seen.has(s)) continue;
        seen.add(s);
        const vm = s.vm;
        // Envoy shutdown: proxy_on_done on each root context, then proxy_on_delete.
        w.dispatcher.event(() => {
          for (const r of vm.roots.values()) {
            if (vm.failed) break;
            const done = vm.call(r, vm.exports.proxy_on_done, r.id);
            if (vm.exports.proxy_on_done && done === 0) vm.pendingDone.add(r);
          }
          for (const r of vm.roots.values()) if (!vm.failed) vm.call(r, vm.exports.proxy_on_delete, r.id);
        });
        s.shutdown();
      }
    }
  }
}
