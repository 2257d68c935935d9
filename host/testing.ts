// Low-level test API: load plugins from bytes or paths and drive streams step by step, without
// sockets. See host/README.md ("Test API") for the walkthrough.

import type {
  AccessLogEntry,
  ConnectionManagerConfig,
  HeaderList,
  RedisConnector,
  RouteConfiguration,
  WasmFilterConfig,
} from "./contract.ts";
import { MetricKind } from "./contract.ts";
import { ConnectionManagerCore } from "./http/connection-manager.ts";
import type { Downstream, FilterManager } from "./http/filter-manager.ts";
import { HeaderMap } from "./http/header-map.ts";
import { address } from "./http/stream-info.ts";
import { loadCode } from "./plugin.ts";
import { copyBytes } from "./memory.ts";
import { SharedState } from "./shared-data.ts";
import type { WasmVm } from "./vm.ts";
import { CollectingLogger, FakeClock, MemoryStats, RecordingClusters, toBytes, type UpstreamRecord } from "./testing/fakes.ts";

export * from "./testing/fakes.ts";

const utf8d = new TextDecoder();
// Addresses are plain read-only records: made once, not per stream.
const LOCAL_ADDRESS = address("10.0.0.2", 10000);

export interface TestFilter {
  /** .wasm bytes or a path */
  wasm: Uint8Array | string;
  name?: string; // default "plugin<i>"
  rootId?: string; // default ""
  vmId?: string; // default "vm"
  configuration?: string;
  vmConfiguration?: string;
  failOpen?: boolean;
  allowOnHeadersStopIteration?: boolean;
  filterName?: string;
}

export interface TestStackOptions {
  filters: TestFilter[];
  /** default: every host and path -> route "default" -> cluster "upstream" */
  routes?: RouteConfiguration;
  /** known cluster names (default ["upstream"]) */
  clusters?: string[];
  concurrency?: number; // default 1
  bufferLimitBytes?: number; // default 1 MiB
  logLevel?: number; // default 2 (info), what proxy_get_log_level returns
  redis?: RedisConnector;
  /** share shared data/queues with another stack (default: a fresh, isolated state) */
  shared?: SharedState;
  statPrefix?: string;
}

export const DEFAULT_ROUTES: RouteConfiguration = {
  name: "local",
  virtualHosts: [{ name: "all", domains: ["*"], routes: [{ name: "default", match: { prefix: "/" }, route: { cluster: "upstream" } }] }],
};

export interface TestResponse {
  status: number;
  headers: HeaderList;
  header(name: string): string | undefined;
  body: Uint8Array;
  bodyText: string;
  trailers: HeaderList | null;
  /** headers arrived */
  started: boolean;
  ended: boolean;
  /** the client stream was reset */
  reset: boolean;
}

function headerList(h: Record<string, string> | HeaderList): HeaderList {
  return Array.isArray(h) ? h : Object.entries(h);
}

export class TestStream {
  readonly fm: FilterManager;
  /** upstream requests the router opened for this stream (normally one) */
  readonly upstreams: UpstreamRecord[] = [];
  private readonly chunks: Uint8Array[] = [];
  private res = { status: 0, headers: [] as HeaderList, trailers: null as HeaderList | null, started: false, ended: false, reset: false };

  constructor(
    private readonly stack: TestStack,
    readonly worker: number,
  ) {
    const self = this;
    const downstream: Downstream = {
      sendHeaders(h, end) {
        self.res.status = Number(h.get(":status") ?? 0);
        self.res.headers = h.toList();
        self.res.started = true;
        if (end) self.res.ended = true;
      },
      sendData(chunk, end) {
        if (chunk.length) self.chunks.push(copyBytes(chunk));
        if (end) self.res.ended = true;
      },
      sendTrailers(t) {
        self.res.trailers = t.toList();
        self.res.ended = true;
      },
      reset() {
        self.res.reset = true;
      },
    };
    const routerClusters = new RecordingClusters(stack.clusters.known);
    routerClusters.onRequest = (r) => this.upstreams.push(r);
    let fm!: FilterManager;
    this.run(() => {
      fm = stack.core.newStream(
        worker,
        downstream,
        { remote: stack.remoteAddress(worker), local: LOCAL_ADDRESS, connectionId: stack.core.newConnectionId() },
        routerClusters,
      );
    });
    this.fm = fm;
  }

  private run(fn: () => void): void {
    this.stack.core.workers[this.worker].dispatcher.event(fn);
  }

  sendRequestHeaders(headers: Record<string, string> | HeaderList, endStream = false): this {
    const map = new HeaderMap();
    for (const [k, v] of headerList(headers)) map.append(k, v);
    this.run(() => this.fm.decodeHeaders(map, endStream));
    return this;
  }
  sendRequestBody(data: string | Uint8Array, endStream = false): this {
    this.run(() => this.fm.decodeData(toBytes(data), endStream));
    return this;
  }
  sendRequestTrailers(trailers: Record<string, string> | HeaderList): this {
    const map = new HeaderMap(headerList(trailers));
    this.run(() => this.fm.decodeTrailers(map));
    return this;
  }
  /** client disconnect */
  reset(): this {
    this.run(() => this.fm.downstreamReset());
    return this;
  }

  /** the router's (last) upstream request, or null if none was opened */
  get upstream(): UpstreamRecord | null {
    return this.upstreams[this.upstreams.length - 1] ?? null;
  }
  private up(): UpstreamRecord {
    const u = this.upstream;
    if (!u) throw new Error("no upstream request was opened for this stream");
    return u;
  }
  respondHeaders(headers: Record<string, string> | HeaderList, endStream = false): this {
    this.up().respondHeaders(headers, endStream);
    return this;
  }
  respondBody(data: string | Uint8Array, endStream = false): this {
    this.up().respondBody(data, endStream);
    return this;
  }
  respondTrailers(trailers: Record<string, string> | HeaderList): this {
    this.up().respondTrailers(trailers);
    return this;
  }
  respond(status: number, body: string | Uint8Array = "", headers: Record<string, string> = {}): this {
    this.up().respond(status, body, headers);
    return this;
  }
  respondFailure(reason: "connect" | "reset" | "timeout" | "overflow"): this {
    this.up().fail(reason);
    return this;
  }

  /** what the client received so far */
  get response(): TestResponse {
    const r = this.res;
    const body = Buffer.concat(this.chunks);
    return {
      ...r,
      header: (name: string) => r.headers.find((h) => h[0] === name)?.[1],
      body,
      bodyText: utf8d.decode(body),
    };
  }
  /** response code details (Envoy %RESPONSE_CODE_DETAILS%) */
  get details(): string | null {
    return this.fm.info.responseCodeDetails;
  }
  /** Envoy's short response flags ("UF", "UT", "NR", ...) */
  get flags(): string[] {
    return this.fm.info.responseFlagNames;
  }
  /** the stream finished (on_log/on_done/on_delete ran) */
  get ended(): boolean {
    return this.fm.ended;
  }
  /** value of filter state wasm.<name> as UTF-8 text */
  filterState(name: string): string | undefined {
    const v = this.fm.info.filterState.get("wasm." + name);
    return v === undefined ? undefined : utf8d.decode(v);
  }
}

export class TestStack {
  readonly logger: CollectingLogger;
  readonly stats = new MemoryStats();
  readonly clock = new FakeClock();
  readonly clusters: RecordingClusters;
  readonly shared: SharedState;
  readonly accessLog: AccessLogEntry[] = [];
  core!: ConnectionManagerCore;

  constructor(opts: TestStackOptions) {
    this.logger = new CollectingLogger(opts.logLevel ?? 2);
    this.clusters = new RecordingClusters(opts.clusters ?? ["upstream"]);
    this.shared = opts.shared ?? new SharedState();
  }

  private remotes: ReturnType<typeof address>[] = [];
  /** @internal the client address of streams on `worker` */
  remoteAddress(worker: number): ReturnType<typeof address> {
    return (this.remotes[worker] ??= address("10.0.0.1", 50000 + worker));
  }

  /** a new stream on a worker (default 0) */
  stream(worker = 0): TestStream {
    return new TestStream(this, worker);
  }
  /** proxy_http_call requests, in order */
  get httpCalls(): UpstreamRecord[] {
    return this.clusters.requests;
  }
  get logs(): CollectingLogger["lines"] {
    return this.logger.lines;
  }
  counter(name: string): bigint | undefined {
    return this.stats.value(MetricKind.Counter, name);
  }
  gauge(name: string): bigint | undefined {
    return this.stats.value(MetricKind.Gauge, name);
  }
  histogram(name: string): bigint[] | undefined {
    return this.stats.histogram(name);
  }
  /** an Envoy-style host stat (e.g. "http.ingress.downstream_rq_too_large") */
  stat(name: string): number {
    return this.stats.plain.get(name) ?? 0;
  }
  sharedData(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined {
    const v = this.shared.data.get(vmId, key);
    return v ? { value: v.value, cas: v.cas } : undefined;
  }
  /** fake clock: fires ticks and timeouts that fall due */
  advance(ms: number): void {
    this.clock.advance(ms);
  }
  /** the VM serving filter `filter` on `worker` (memory, exports, failed) */
  vm(worker = 0, filter = 0): WasmVm {
    return this.core.workers[worker].slots[filter].vm;
  }
  async close(): Promise<void> {
    this.core.close();
  }
}

/** Loads the filters (canary + workers) and returns a stack; rejects with a LoadError. */
export async function createTestStack(opts: TestStackOptions): Promise<TestStack> {
  const stack = new TestStack(opts);
  const codes = await Promise.all(opts.filters.map((f, i) => loadCode(f.wasm, f.name ?? (typeof f.wasm === "string" ? f.wasm : `plugin${i}`))));
  const filters: WasmFilterConfig[] = opts.filters.map((f, i) => ({
    name: f.name ?? `plugin${i}`,
    rootId: f.rootId ?? "",
    vmId: f.vmId ?? "vm",
    configuration: f.configuration ?? "",
    vmConfiguration: f.vmConfiguration ?? "",
    failOpen: f.failOpen ?? false,
    allowOnHeadersStopIteration: f.allowOnHeadersStopIteration ?? false,
    wasmPath: typeof f.wasm === "string" ? f.wasm : "",
    filterName: f.filterName,
  }));
  const cfg: ConnectionManagerConfig = {
    statPrefix: opts.statPrefix ?? "ingress",
    routeConfig: opts.routes ?? DEFAULT_ROUTES,
    filters,
    bufferLimitBytes: opts.bufferLimitBytes ?? 1024 * 1024,
    concurrency: opts.concurrency ?? 1,
  };
  const services = {
    clusters: stack.clusters,
    stats: stack.stats,
    logger: stack.logger,
    clock: stack.clock,
    redis: opts.redis,
    accessLog: (e: AccessLogEntry) => stack.accessLog.push(e),
  };
  stack.core = ConnectionManagerCore.fromCode(cfg, services, stack.shared, codes);
  return stack;
}
