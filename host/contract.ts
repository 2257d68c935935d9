// The seams between the parts of the host, written down first so each part can be built and
// tested on its own:
//   host/ (wasm VMs, ABI, filter manager, router)  <->  host/runner/ (envoy.yaml, listeners,
//   clusters, admin, stats rendering, Redis, mock provider).
// Only types live here. Changing one is a change to both sides: say so in the commit.

/** A header list in wire order. Keys are lower-case (Envoy lower-cases them); pseudo-headers first. */
export type HeaderPair = [string, string];
export type HeaderList = HeaderPair[];

// ---------------------------------------------------------------------------------------------
// Routes (parsed from envoy.yaml by the runner; matched by the host's connection manager, which
// re-runs matching whenever a filter clears the route cache).

export interface HeaderMatcher {
  name: string;
  exact?: string;
  prefix?: string;
  safeRegex?: string; // full match, like Envoy's safe_regex_match
  present?: boolean;
  invert?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safeRegex?: string;
  headers?: HeaderMatcher[];
}

export interface RouteAction {
  cluster?: string;
  clusterHeader?: string; // first value of this request header names the cluster
  timeoutMs?: number; // 0 = none; Envoy's default is 15000
  prefixRewrite?: string;
  hostRewriteLiteral?: string;
  /** status for a missing/unknown cluster (Envoy: cluster_not_found_response_code, default 503) */
  clusterNotFoundResponseCode?: number;
  /** (added) metadata_match.filter_metadata["envoy.lb"]: subset load-balancing criteria */
  metadataMatch?: Record<string, unknown>;
}

export interface DirectResponse {
  status: number;
  body?: string;
}

export interface Route {
  name: string; // "" when the route has no name (property xds.route_name is then Ok + 0 bytes)
  match: RouteMatch;
  route?: RouteAction;
  directResponse?: DirectResponse;
  /** names of http filters disabled on this route (typed_per_filter_config {disabled: true}) */
  disabledFilters?: string[];
}

export interface VirtualHost {
  name: string;
  domains: string[]; // "*", exact, "*.suffix", "prefix.*"
  routes: Route[];
}

export interface RouteConfiguration {
  name: string;
  virtualHosts: VirtualHost[];
}

// ---------------------------------------------------------------------------------------------
// Clusters (owned by the runner).

/** no_healthy_upstream (added): the load balancer chose no host (empty cluster, or no subset
 *  matched under NO_FALLBACK); Envoy's router answers 503 "no healthy upstream" (flag UH). */
export type UpstreamFailure = "connect" | "reset" | "timeout" | "overflow" | "no_healthy_upstream";

/** (added) Subset load-balancing criteria (Envoy MetadataMatchCriteria): key -> protobuf Value. */
export type MetadataMatchCriteria = Record<string, unknown>;

export interface UpstreamCallbacks {
  onHeaders(headers: HeaderList, endStream: boolean): void; // includes ":status"
  onData(chunk: Uint8Array, endStream: boolean): void;
  onTrailers(trailers: HeaderList): void;
  /** Connect failure or reset. Called at most once, and nothing is called after it. */
  onFailure(reason: UpstreamFailure, detail: string): void;
}

export interface UpstreamRequest {
  /** Request body bytes; endStream closes the request. */
  write(chunk: Uint8Array, endStream: boolean): void;
  /** Downstream went away or the host gave up: drop the upstream request. No callback follows. */
  abort(): void;
}

export interface ClusterManager {
  has(name: string): boolean;
  /**
   * Opens a request to one endpoint of the cluster (the cluster's load balancer picks it).
   * headers hold :method, :path, :authority, :scheme. Returns null for an unknown cluster.
   * (added) metadataMatch: the router's criteria for a cluster with lb_subset_config; absent or
   * null = none (the subset load balancer's fallback policy applies).
   */
  request(cluster: string, headers: HeaderList, callbacks: UpstreamCallbacks, metadataMatch?: MetadataMatchCriteria | null): UpstreamRequest | null;
}

// ---------------------------------------------------------------------------------------------
// Stats (owned by the runner; rendered on /stats/prometheus with stats_tags and histogram buckets).

export const enum MetricKind {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

export interface StatsStore {
  /** name as the module gave it; the store adds Envoy's "wasmcustom." prefix. Same name -> same stat. */
  define(kind: MetricKind, name: string): number; // a handle, not the ABI metric id
  add(handle: number, delta: bigint): void; // counters and gauges
  set(handle: number, value: bigint): void; // gauges
  record(handle: number, value: bigint): void; // histograms
  get(handle: number): bigint;
  /** Plain Envoy-style stats the host itself keeps (e.g. "http.ingress.downstream_rq_too_large"). */
  inc(name: string, delta?: number): void;
}

// ---------------------------------------------------------------------------------------------
// Higress Redis ABI (proxy_redis_init / proxy_redis_call), served by the runner from real Redis.

export interface RedisConnector {
  /** Returns 0 (Ok) or a WasmResult code; cluster may carry "?db=N". Fails fast on bad auth. */
  init(cluster: string, username: string, password: string, timeoutMs: number): Promise<number>;
  /** Sends one RESP-encoded command; resolves with the raw RESP reply, or status != 0 when unreachable. */
  call(cluster: string, query: Uint8Array): Promise<{ status: number; reply: Uint8Array }>;
}

// ---------------------------------------------------------------------------------------------
// Services the wasm host needs from its surroundings.

export interface Clock {
  /** wall clock, nanoseconds since the epoch (proxy_get_current_time_nanoseconds) */
  nowNanos(): bigint;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Logger {
  /** level: 0 trace .. 5 critical (proxy-wasm LogLevel) */
  log(level: number, source: string, message: string): void;
  /** (added) current level for proxy_get_log_level and filtering; absent = 2 (info), Envoy's default */
  level?(): number;
}

export interface HostServices {
  clusters: ClusterManager;
  stats: StatsStore;
  logger: Logger;
  clock: Clock;
  redis?: RedisConnector;
  /** (added) called once per finished downstream stream, after on_log/on_done/on_delete */
  accessLog?: (entry: AccessLogEntry) => void;
}

/** (added) What an access log line can print about one finished stream. */
export interface AccessLogEntry {
  startTimeMs: number; // wall clock, ms since the epoch
  durationMs: number;
  method: string;
  path: string; // :path as the client sent it
  authority: string;
  protocol: string; // "HTTP/1.1"
  requestId: string;
  responseCode: number; // 0 when no response was sent (client reset)
  responseCodeDetails: string; // e.g. "via_upstream", "wasm_fail_stream", "route_not_found"
  responseFlags: string; // Envoy's short flags, comma-separated ("UF", "UT", "NR", "DC", ...)
  bytesReceived: number; // request body bytes from the client
  bytesSent: number; // response body bytes to the client
  routeName: string;
  upstreamCluster: string;
  /** filter state set by proxy_set_property, keyed "wasm.<path>" (raw bytes) */
  filterState: Map<string, Uint8Array>;
}

/** One envoy.filters.http.wasm entry, as the runner parsed it. */
export interface WasmFilterConfig {
  name: string; // config.name
  rootId: string;
  vmId: string;
  configuration: string; // StringValue of config.configuration ("" when absent)
  vmConfiguration: string; // vm_config.configuration
  failOpen: boolean;
  allowOnHeadersStopIteration: boolean;
  wasmPath: string; // resolved path of vm_config.code.local.filename
  /** (added) the http_filters[].name of this entry, matched against Route.disabledFilters; absent = name */
  filterName?: string;
  /** optional: vm_config.environment_variables etc. are not supported (runner rejects them) */
}

/** Per listener: what the connection manager needs. */
export interface ConnectionManagerConfig {
  statPrefix: string;
  routeConfig: RouteConfiguration;
  /** wasm filters in order; the router is always last and implicit */
  filters: WasmFilterConfig[];
  /** per_connection_buffer_limit_bytes of the listener (default 1 MiB) */
  bufferLimitBytes: number;
  /** worker count (Envoy --concurrency); each downstream connection is pinned to one worker */
  concurrency: number;
  /** (added) envoy.filters.http.header_to_metadata filters, which the runner only accepts after
   *  every wasm filter and right before the router; the router applies them first, in order. */
  headerToMetadata?: HeaderToMetadataConfig[];
}

/** (added) One header_to_metadata filter's request_rules (envoy.extensions.filters.http.header_to_metadata.v3). */
export interface HeaderToMetadataConfig {
  /** http_filters[].name, matched against Route.disabledFilters */
  filterName: string;
  requestRules: HeaderToMetadataRule[];
}

export interface HeaderToMetadataRule {
  header: string; // lower-cased
  onPresent?: MetadataKeyValue;
  onMissing?: MetadataKeyValue;
  remove: boolean;
}

export interface MetadataKeyValue {
  namespace: string; // "" = envoy.filters.http.header_to_metadata
  key: string;
  value: string; // "" = the header's value
  type: "STRING" | "NUMBER";
}
