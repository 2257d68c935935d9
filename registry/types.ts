// Shared shapes of the registry bridge: what a source reports and what goes into an EDS file.

/** One endpoint as a registry reports it, after the source's own filtering. */
export interface Instance {
  /** IP literal (IPv6 without brackets) or a hostname the EDS writer resolves. */
  address: string;
  port: number;
  /** load_balancing_weight, already >= 1. */
  weight: number;
  /** Registry metadata, string values only (goes to filter_metadata "envoy.lb"). */
  metadata: Record<string, string>;
  /** Where it came from (goes to filter_metadata "ai.gateway"). */
  origin: Record<string, string>;
}

export type PollResult =
  | { kind: "ok"; instances: Instance[]; /** set when the registry's own health data cannot be trusted (Nacos protect threshold) */ unreliable?: string; /** registry-suggested next poll (Nacos cacheMillis) */ suggestedIntervalMs?: number }
  | { kind: "error"; error: string };

/** A source of endpoints for one Envoy cluster. */
export interface Source {
  readonly cluster: string;
  /** Fixed poll interval; undefined = follow the registry's suggestion (or the source default). */
  readonly intervalMs: number | undefined;
  readonly defaultIntervalMs: number;
  /** How long an empty or unreliable answer may keep the last good endpoints (ms; -1 = forever). */
  readonly emptyGraceMs: number;
  poll(): Promise<PollResult>;
}

/** Finds services to bridge (Nacos service list): returns the current set of sources. */
export interface Catalog {
  readonly name: string;
  readonly intervalMs: number;
  list(): Promise<{ kind: "ok"; sources: Source[] } | { kind: "error"; error: string }>;
}

export type Log = (level: "debug" | "info" | "warn" | "error", msg: string) => void;
