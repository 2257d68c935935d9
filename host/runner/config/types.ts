// What the runner keeps of an envoy.yaml after parsing: plain data, no behaviour.
import type { ConnectionManagerConfig } from "../../contract.ts";
import type { AccessLogSpec } from "./access-log.ts";

export type Metadata = Record<string, unknown>;

export interface SocketAddressSpec {
  address: string;
  port: number; // 0 = pick a free port
  ipv4Compat: boolean;
}

export interface ListenerSpec {
  name: string;
  address: SocketAddressSpec;
  /** Connection manager config without `concurrency` (a command-line setting). */
  hcm: Omit<ConnectionManagerConfig, "concurrency">;
  accessLogs: AccessLogSpec[];
}

export interface EndpointSpec {
  /** IP address or, for STRICT_DNS/LOGICAL_DNS, the name to resolve. */
  address: string;
  port: number;
  weight: number; // load_balancing_weight, default 1
  priority: number;
  /** filter_metadata of the lb_endpoint (e.g. {"envoy.lb": {...}}) */
  metadata: Metadata;
  hostname: string;
}

export type ClusterType = "STATIC" | "STRICT_DNS" | "LOGICAL_DNS" | "EDS";
export type LbPolicy = "ROUND_ROBIN" | "LEAST_REQUEST" | "RANDOM";
export type DnsLookupFamily = "AUTO" | "V4_ONLY" | "V6_ONLY" | "V4_PREFERRED" | "ALL";

export interface TlsSpec {
  sni: string;
  /** PEM file to verify the upstream against; "" = no verification (Envoy's default) */
  trustedCaFile: string;
}

export interface ClusterSpec {
  name: string;
  type: ClusterType;
  lbPolicy: LbPolicy;
  connectTimeoutMs: number;
  endpoints: EndpointSpec[];
  dnsRefreshMs: number;
  dnsLookupFamily: DnsLookupFamily;
  eds: { path: string; serviceName: string } | null;
  tls: TlsSpec | null;
  /** lb_subset_config (null: plain load balancing, criteria ignored) */
  subset: SubsetSpec | null;
  /** circuit breaker on concurrent requests (Envoy default 1024) */
  maxRequests: number;
  /** where the cluster was defined, for messages */
  path: string;
}

export type SubsetFallback = "NO_FALLBACK" | "ANY_ENDPOINT" | "DEFAULT_SUBSET";

export interface SubsetSelectorSpec {
  /** sorted, unique (Envoy keeps them in a std::set) */
  keys: string[];
  /** NOT_DEFINED: the cluster's fallback_policy applies */
  fallback: SubsetFallback | "NOT_DEFINED";
}

/** envoy.config.cluster.v3.Cluster.LbSubsetConfig, the supported part. */
export interface SubsetSpec {
  fallback: SubsetFallback;
  defaultSubset: Record<string, unknown>;
  selectors: SubsetSelectorSpec[];
  panicModeAny: boolean;
}

export interface StringMatcherSpec {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: string;
  ignoreCase: boolean;
}

export interface TagSpec {
  name: string;
  regex?: string;
  fixedValue?: string;
}

export interface HistogramBucketSpec {
  match: StringMatcherSpec;
  buckets: number[];
}

export interface StatsConfigSpec {
  tags: TagSpec[];
  useAllDefaultTags: boolean;
  histogramBuckets: HistogramBucketSpec[];
}

export interface BootstrapSpec {
  listeners: ListenerSpec[];
  clusters: ClusterSpec[];
  admin: SocketAddressSpec | null;
  stats: StatsConfigSpec;
}
