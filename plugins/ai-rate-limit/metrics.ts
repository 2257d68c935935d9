// Plugin metrics (Envoy: wasmcustom.<name>; Prometheus: dots become underscores):
//   ai_rate_limit.allowed / .limited / .token_limited    requests admitted / refused by a window
//   ai_rate_limit.queued / .queue_full / .queue_timeout  concurrency queue
//   ai_rate_limit.circuit_open                           requests refused by an open breaker
//   ai_rate_limit.circuit_state.<cluster>                gauge: 0 closed, 1 open, 2 half-open
//   ai_rate_limit.store_error / .redis_unavailable       local CAS gave up / Redis unreachable
//   ai_rate_limit.rule.<rule>.limited                    per rule, for dashboards
import { Counter, Gauge } from "../../assembly";

export const allowed = new Counter("ai_rate_limit.allowed");
export const limited = new Counter("ai_rate_limit.limited");
export const tokenLimited = new Counter("ai_rate_limit.token_limited");
export const queued = new Counter("ai_rate_limit.queued");
export const queueFull = new Counter("ai_rate_limit.queue_full");
export const queueTimeout = new Counter("ai_rate_limit.queue_timeout");
export const circuitOpen = new Counter("ai_rate_limit.circuit_open");
export const storeError = new Counter("ai_rate_limit.store_error");
export const redisUnavailable = new Counter("ai_rate_limit.redis_unavailable");

const ruleLimited = new Map<string, Counter>();
const circuitGauges = new Map<string, Gauge>();

/** Metric names take the rule / cluster name with dots kept out (they separate stat tags). */
function metricSafe(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d;
    out += ok ? String.fromCharCode(c) : "_";
  }
  return out.length > 0 ? out : "_";
}

export function countRuleLimited(rule: string): void {
  if (!ruleLimited.has(rule)) ruleLimited.set(rule, new Counter("ai_rate_limit.rule." + metricSafe(rule) + ".limited"));
  ruleLimited.get(rule).increment(1);
}

export function setCircuitState(cluster: string, state: u8): void {
  if (!circuitGauges.has(cluster)) circuitGauges.set(cluster, new Gauge("ai_rate_limit.circuit_state." + metricSafe(cluster)));
  circuitGauges.get(cluster).set(<i64>state);
}
