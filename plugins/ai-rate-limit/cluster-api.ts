// The seam between the request flow (stream.ts, both builds) and cluster mode (Redis, Higress
// build only). The Envoy build never imports the Redis code: higress.ts installs a provider, and
// a config with `redis` is refused when none is installed.
import { RedisConfig } from "./config-types";
import { Hit } from "./select";
import { Ledger } from "./ledger";
import { Rejection } from "./reply";

/** Told the outcome of a cluster check; called with the stream as the effective context. */
export abstract class ClusterWaiter {
  /** ADMIT / REJECT / STORE_ERROR (local-store.ts); the ledger and rejection are filled. */
  abstract onClusterDecision(result: i32): void;
}

export abstract class ClusterWindows {
  /** Redis is initialised and answering (false: requests take the failure mode at once). */
  abstract ready(): bool;
  /**
   * Sends the atomic check-and-add of every window of `hits`. The answer comes to `waiter`
   * (ledger and rej filled then). False when nothing could be sent: apply the failure mode now.
   */
  abstract admit(waiter: ClusterWaiter, hits: Hit[], estimate: i64, nowMs: i64, ledger: Ledger, rej: Rejection): bool;
  /** Replaces the token reservations of `ledger` by `actual` (fire and forget). */
  abstract reconcile(ledger: Ledger, actual: i64, nowMs: i64): void;
  /** Gives back every charge of `ledger` (fire and forget). */
  abstract rollback(ledger: Ledger, nowMs: i64): void;
  /** Periodic work: retry a failed init, flush warnings. */
  abstract tick(nowMs: i64): void;
}

export abstract class ClusterProvider {
  abstract create(cfg: RedisConfig): ClusterWindows;
}

let provider: ClusterProvider | null = null;
const backends = new Map<string, ClusterWindows>();

/** Installed by higress.ts. */
export function setClusterProvider(p: ClusterProvider): void {
  provider = p;
}

export function clusterModeAvailable(): bool {
  return provider !== null;
}

/** The backend for a Redis config (one per cluster name and credentials per VM). */
export function clusterFor(cfg: RedisConfig): ClusterWindows | null {
  if (provider === null) return null;
  const id = cfg.cluster + "|" + cfg.username + "|" + cfg.password + "|" + cfg.timeoutMs.toString();
  if (backends.has(id)) return backends.get(id);
  const b = provider!.create(cfg);
  backends.set(id, b);
  return b;
}

export function tickClusters(nowMs: i64): void {
  const list = backends.values();
  for (let i = 0; i < list.length; i++) list[i].tick(nowMs);
}
