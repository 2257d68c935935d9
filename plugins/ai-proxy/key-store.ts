// apiTokens at run time: which key a request uses, and the shared key-health state every worker
// updates with CAS (key-health.ts has the state machine). Keys are referred to by index; their
// text never reaches a log or the shared-data key names.
//   ai-proxy.keys.<provider id>.<token-list fingerprint>     KeyHealth (encoded)
//   ai-proxy.cluster.<provider id>                           last upstream cluster (for health checks)
import { getSharedData, setSharedData, CasUpdate, casUpdateSharedData, WasmResult, log } from "../../assembly";
import { Provider } from "./providers/provider";
import { KeyHealth, tokensFingerprint } from "./key-health";
import { randomBelow } from "./random";

/** keyIndex values that are not token indexes */
export const KEY_CLIENT: i32 = -2; // no apiTokens: the client's own key (or none)
export const KEY_NONE: i32 = -1; // every configured key is out (circuit open)

export function healthKey(p: Provider): string {
  return "ai-proxy.keys." + p.id + "." + tokensFingerprint(p.apiTokens).toString(16);
}

export function clusterKey(p: Provider): string {
  return "ai-proxy.cluster." + p.id;
}

/** Current health of p's keys (fresh when nothing is stored). */
export function readHealth(p: Provider): KeyHealth {
  const fp = tokensFingerprint(p.apiTokens);
  const v = getSharedData(healthKey(p));
  return KeyHealth.decode(v === null ? null : v.value, fp, p.apiTokens.length);
}

function usesHealth(p: Provider): bool {
  return p.failover.enabled && p.apiTokens.length > 0;
}

/** True when failover has taken every key of p out. */
export function circuitOpen(p: Provider): bool {
  if (!usesHealth(p)) return false;
  return readHealth(p).availableIndices().length == 0;
}

/** A key for p, avoiding `tried`: a random available one, KEY_CLIENT when p has no keys, or
 *  KEY_NONE when none is left. */
export function pickKey(p: Provider, tried: i32[]): i32 {
  const n = p.apiTokens.length;
  if (n == 0) return KEY_CLIENT;
  const candidates: i32[] = [];
  if (usesHealth(p)) {
    const avail = readHealth(p).availableIndices();
    for (let i = 0; i < avail.length; i++) if (!tried.includes(avail[i])) candidates.push(avail[i]);
  } else {
    for (let i = 0; i < n; i++) if (!tried.includes(i)) candidates.push(i);
  }
  if (candidates.length == 0) return KEY_NONE;
  return candidates[<i32>randomBelow(<u32>candidates.length)];
}

/** The key text for an index (the client's key for KEY_CLIENT). */
export function keyText(p: Provider, index: i32, clientKey: string): string {
  if (index >= 0 && index < p.apiTokens.length) return p.apiTokens[index];
  return index == KEY_CLIENT ? clientKey : "";
}

class RequestResultUpdate extends CasUpdate {
  tookOut: bool = false;
  constructor(public p: Provider, public index: i32, public failed: bool) {
    super();
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    const h = KeyHealth.decode(current, tokensFingerprint(this.p.apiTokens), this.p.apiTokens.length);
    const wasAvailable = this.index >= 0 && this.index < h.count && h.available[this.index];
    if (!h.recordRequest(this.index, this.failed, this.p.failover.failureThreshold)) return null;
    this.tookOut = wasAvailable && !h.available[this.index];
    return h.encode();
  }
}

/** Counts a finished request against its key (failover). `cluster` is where it went. */
export function recordRequestResult(p: Provider, index: i32, status: u32, cluster: string): void {
  if (!usesHealth(p) || index < 0) return;
  const failed = p.failover.onStatus.matches(status);
  if (!failed && (status < 200 || status >= 300)) return;
  const u = new RequestResultUpdate(p, index, failed);
  const r = casUpdateSharedData(healthKey(p), u);
  if (r != WasmResult.Ok) {
    log.warn("ai-proxy: key health update for provider '" + p.id + "' failed (" + (<i32>r).toString() + ")");
    return;
  }
  if (u.tookOut) {
    log.warn("ai-proxy: provider '" + p.id + "' key #" + index.toString() + " taken out after " +
      p.failover.failureThreshold.toString() + " consecutive failures (last status " + status.toString() + ")");
    if (cluster.length > 0) setSharedData(clusterKey(p), String.UTF8.encode(cluster), 0);
  }
}

class ProbeUpdate extends CasUpdate {
  restored: bool = false;
  constructor(public p: Provider, public index: i32, public passed: bool) {
    super();
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    const h = KeyHealth.decode(current, tokensFingerprint(this.p.apiTokens), this.p.apiTokens.length);
    if (!h.recordProbe(this.index, this.passed, this.p.failover.successThreshold)) return null;
    this.restored = h.available[this.index];
    return h.encode();
  }
}

/** Counts a health check of key `index`. */
export function recordProbeResult(p: Provider, index: i32, passed: bool): void {
  const u = new ProbeUpdate(p, index, passed);
  if (casUpdateSharedData(healthKey(p), u) == WasmResult.Ok && u.restored) {
    log.info("ai-proxy: provider '" + p.id + "' key #" + index.toString() + " restored by health checks");
  }
}

/** The cluster health checks use: the provider's own, else the one its traffic last went to. */
export function probeCluster(p: Provider): string {
  if (p.cluster.length > 0) return p.cluster;
  const v = getSharedData(clusterKey(p));
  return v === null ? "" : String.UTF8.decode(v.value);
}
