// The plugin instance of one worker VM: parses the configuration once (with Higress `_rules_`
// per route), owns the shared-data stores, the streams waiting for a concurrency slot, the
// wake-up queue, the tick (queue deadlines, cleanup of idle keys, Redis re-init), and Redis
// warnings (rate limited: at most one per 10 s, with the count of suppressed ones).
import { JSON } from "json-as";
import {
  RootContext, HttpContext, RouteRules, ConfigParser, registerQueue, enqueue, dequeue, setTickPeriodMs,
  getSharedData, setSharedData, nowMillis, log, setEffectiveContext, routeName,
} from "../../assembly";
import { parseConfigObject } from "./config";
import { RateLimitConfig } from "./config-types";
import { HostKv } from "./host-kv";
import { LocalWindows, LocalSlots, LocalBreakers } from "./local-store";
import { casUpdate, Updater, RESULT_OK } from "./counter";
import { isIdle } from "./windows";
import { ClusterWindows, clusterFor, clusterModeAvailable, tickClusters } from "./cluster-api";
import { RateLimitStream } from "./stream";
import { Rejection } from "./reply";
import { Ledger } from "./ledger";
import { Hit } from "./select";
import * as metrics from "./metrics";

class Parser extends ConfigParser<RateLimitConfig> {
  parse(obj: JSON.Obj, path: string): RateLimitConfig | null {
    const r = parseConfigObject(obj, path);
    if (r.config === null) {
      this.error = r.error !== null ? r.error! : "invalid configuration";
      return null;
    }
    const c = r.config!;
    if (c.redis !== null && !clusterModeAvailable()) {
      this.error = (path.length > 0 ? path + "." : "") + "redis: cluster mode needs the Higress build (dist/higress/ai-rate-limit.wasm); remove `redis` for local mode";
      return null;
    }
    return c;
  }
}

/** Increments the shared VM sequence (tags this VM's wake-up queue). */
class NextSeq extends Updater {
  value: u32 = 0;
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    let v: u32 = 0;
    if (current !== null && current.byteLength == 4) v = load<u32>(changetype<usize>(current));
    this.value = v + 1;
    const b = new ArrayBuffer(4);
    store<u32>(changetype<usize>(b), this.value);
    return b;
  }
}

/** Empties an idle counter (keys stay, values become empty: shared data has no delete). */
class EmptyIfIdle extends Updater {
  nowMs: i64 = 0;
  root: RateLimitRoot | null = null;
  key: string = "";
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    if (current === null || current.byteLength == 0) return null;
    const spec = this.root!.windows.touched.keys.get(this.key);
    return isIdle(current, spec, this.nowMs) ? new ArrayBuffer(0) : null;
  }
}

const CLEANUP_EVERY_MS: i64 = 10_000;
const MAX_FREE: i32 = 64;
const WARN_EVERY_MS: i64 = 10_000;
const WARN_KEY: string = "airl:redis-warned-at";

export class RateLimitRoot extends RootContext {
  rules: RouteRules<RateLimitConfig> = new RouteRules<RateLimitConfig>();
  kv: HostKv = new HostKv();
  windows: LocalWindows = new LocalWindows(this.kv);
  slots: LocalSlots = new LocalSlots(this.kv);
  breakers: LocalBreakers = new LocalBreakers(this.kv);
  queueToken: u32 = 0;
  /** filled by a local window check that refuses; the refused stream then keeps it */
  scratchRej: Rejection = new Rejection();
  private waiters: Array<RateLimitStream> = new Array<RateLimitStream>();
  private freeLedgers: Ledger[] = [];
  /** every `_rules_` entry matches by route only: selection needs the route name alone */
  private routeOnly: bool = false;
  private lastRoute: string | null = null;
  private lastCfg: RateLimitConfig | null = null;
  private freeHits: Array<Hit[]> = [];
  private lastCleanup: i64 = 0;
  private lastWarn: i64 = 0;
  private suppressedWarnings: i32 = 0;
  private clusters: Map<usize, ClusterWindows> = new Map<usize, ClusterWindows>();

  createHttpContext(contextId: u32): HttpContext {
    const n = this.freeLedgers.length;
    if (n == 0) return new RateLimitStream(contextId, this, new Ledger(), []);
    return new RateLimitStream(contextId, this, this.freeLedgers.pop(), this.freeHits.pop());
  }

  /** Takes back a finished stream's ledger and hit list for the next stream (no per-request
   *  allocation of either once warm). */
  recycle(ledger: Ledger, hits: Hit[]): void {
    if (this.freeLedgers.length >= MAX_FREE) return;
    ledger.clear();
    hits.length = 0;
    this.freeLedgers.push(ledger);
    this.freeHits.push(hits);
  }

  onConfigure(configuration: string): bool {
    const rules = new RouteRules<RateLimitConfig>();
    if (!rules.parse(configuration, new Parser())) {
      log.error("ai-rate-limit: " + rules.error);
      return false;
    }
    if (rules.warning.length > 0) log.warn("ai-rate-limit: " + rules.warning);
    this.rules = rules;
    this.routeOnly = true;
    for (let i = 0; i < rules.rules.length; i++) {
      const m = rules.rules[i].match;
      if (m.domains.length > 0 || m.services.length > 0) this.routeOnly = false;
    }
    this.lastRoute = null;
    this.lastCfg = null;
    this.clusters.clear();
    let queues = false;
    if (rules.global !== null) queues = this.prepare(rules.global!) || queues;
    for (let i = 0; i < rules.rules.length; i++) queues = this.prepare(rules.rules[i].config) || queues;
    if (queues && this.queueToken == 0) {
      const seq = new NextSeq();
      casUpdate(this.kv, "airl:vm-seq", seq);
      this.queueToken = registerQueue("ai-rate-limit.wake." + seq.value.toString());
    }
    // Queue deadlines need a fine tick; otherwise the tick only cleans up and re-inits Redis.
    setTickPeriodMs(queues ? 20 : 1000);
    return true;
  }

  /** The config for the current request. With `_rules_` that match by route only (the usual
   *  Higress case) one property read decides, not route + authority + cluster, and a repeated
   *  route reuses the last answer. */
  select(): RateLimitConfig | null {
    const rules = this.rules;
    if (rules.rules.length == 0) return rules.global;
    if (!this.routeOnly) return rules.select();
    const route = routeName();
    const last = this.lastRoute;
    if (last !== null && last == route) return this.lastCfg;
    const c = rules.match(route, "", "");
    this.lastRoute = route;
    this.lastCfg = c;
    return c;
  }

  /** Per-config setup (Redis backends); true when the config has concurrency queues. */
  private prepare(cfg: RateLimitConfig): bool {
    if (cfg.redis !== null) {
      const b = clusterFor(cfg.redis!);
      if (b !== null) this.clusters.set(changetype<usize>(cfg), b);
    }
    return cfg.hasConcurrency;
  }

  clusterOf(cfg: RateLimitConfig): ClusterWindows | null {
    const id = changetype<usize>(cfg);
    return this.clusters.has(id) ? this.clusters.get(id) : null;
  }

  /** Counts an unreachable Redis and logs it, at most once per WARN_EVERY_MS for the whole
   *  Envoy (the last warning time is shared by the worker VMs). */
  redisDown(what: string): void {
    metrics.redisUnavailable.increment(1);
    const now = <i64>nowMillis();
    this.suppressedWarnings++;
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    const cur = getSharedData(WARN_KEY);
    if (cur !== null && cur.value.byteLength == 8 && now - load<i64>(changetype<usize>(cur.value)) < WARN_EVERY_MS) {
      this.lastWarn = load<i64>(changetype<usize>(cur.value));
      return;
    }
    const stamp = new ArrayBuffer(8);
    store<i64>(changetype<usize>(stamp), now);
    if (setSharedData(WARN_KEY, stamp, cur === null ? 0xffffffff : cur.cas) != RESULT_OK) return; // another worker warns
    this.lastWarn = now;
    const n = this.suppressedWarnings - 1;
    this.suppressedWarnings = 0;
    log.warn("ai-rate-limit: " + what + (n > 0 ? " (" + n.toString() + " more failures on this worker since its last warning)" : ""));
  }

  addWaiter(s: RateLimitStream): void {
    if (!this.waiters.includes(s)) this.waiters.push(s);
  }

  removeWaiter(s: RateLimitStream): void {
    const i = this.waiters.indexOf(s);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** Tells the VMs holding the given waiters that a slot of `key` is free. */
  notify(tokens: Array<u32>, key: string): void {
    if (tokens.length == 0) return;
    const msg = String.UTF8.encode(key);
    for (let i = 0; i < tokens.length; i++) enqueue(tokens[i], msg);
  }

  onQueueReady(queueId: u32): void {
    if (queueId != this.queueToken) return;
    const keys = new Array<string>();
    for (let m = dequeue(queueId); m !== null; m = dequeue(queueId)) {
      const k = String.UTF8.decode(m);
      if (!keys.includes(k)) keys.push(k);
    }
    // Oldest waiters first: they hold the earliest tickets.
    const list = this.waiters.slice(0);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (keys.includes(s.waitKey)) this.retry(s);
    }
  }

  private retry(s: RateLimitStream): void {
    if (!setEffectiveContext(s.id)) {
      this.removeWaiter(s);
      return;
    }
    s.retryQueued();
    setEffectiveContext(this.id);
  }

  onTick(): void {
    const now = <i64>nowMillis();
    // Deadlines, and a retry in case a wake-up was lost.
    if (this.waiters.length > 0) {
      const list = this.waiters.slice(0);
      for (let i = 0; i < list.length; i++) this.retry(list[i]);
    }
    if (now - this.lastCleanup >= CLEANUP_EVERY_MS) {
      this.lastCleanup = now;
      this.cleanup(now);
    }
    tickClusters(now);
  }

  /** Empties the counters this VM wrote whose windows have all passed. */
  private cleanup(now: i64): void {
    this.windows.touched.gen++; // forgotten keys must be noted again when used
    const touched = this.windows.touched.keys;
    const keys = touched.keys();
    const e = new EmptyIfIdle();
    e.nowMs = now;
    e.root = this;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const cur = getSharedData(k);
      if (cur === null || cur.value.byteLength == 0 || isIdle(cur.value, touched.get(k), now)) {
        e.key = k;
        if (cur !== null && cur.value.byteLength > 0) {
          if (setSharedData(k, new ArrayBuffer(0), cur.cas) != RESULT_OK) casUpdate(this.kv, k, e);
        }
        touched.delete(k);
      }
    }
  }
}
