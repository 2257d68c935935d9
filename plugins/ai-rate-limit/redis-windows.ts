// Cluster mode (Higress build only): windows counted in Redis through the Higress Redis ABI, so
// every gateway instance shares one count. One EVAL per request runs the check-and-add of all
// its counters atomically (lua.ts); corrections (token reconciliation, rollback) are EVALs whose
// answers are not awaited. Redis unreachable (non-zero status), an error reply, or a failed init
// (a wrong password is refused at once by proxy_redis_init) all come back as STORE_ERROR, and the
// request takes the configured failure mode without waiting; init is retried every 5 s.
import { BufferType, getBuffer, log, WasmResult } from "../../assembly";
import { RedisCallHandler, redisInit, redisCall } from "../../assembly/redis";
import { RedisConfig, LimitWindow } from "./config-types";
import { ClusterWindows, ClusterWaiter, ClusterProvider } from "./cluster-api";
import { Hit } from "./select";
import { Ledger } from "./ledger";
import { Rejection, KIND_REQUESTS, KIND_TOKENS, describeField } from "./reply";
import { ADMIT, REJECT, STORE_ERROR } from "./local-store";
import { EvalBatch, CHECK_AND_ADD_SCRIPT, ADJUST_SCRIPT } from "./lua";
import { decodeResp, RESP_ARRAY } from "./resp";
import { counterKey } from "./request-values";

export const REDIS_KEY_PREFIX: string = "ai-rate-limit:";
const REINIT_EVERY_MS: i64 = 5000;

class CheckReply extends RedisCallHandler {
  backend: RedisWindows;
  waiter: ClusterWaiter;
  ledger: Ledger;
  rej: Rejection;
  keys: string[] = [];
  windows: LimitWindow[] = [];
  costs: i64[] = [];
  rules: string[] = [];

  constructor(backend: RedisWindows, waiter: ClusterWaiter, ledger: Ledger, rej: Rejection) {
    super();
    this.backend = backend;
    this.waiter = waiter;
    this.ledger = ledger;
    this.rej = rej;
  }

  onResponse(status: u32, responseSize: u32): void {
    this.waiter.onClusterDecision(this.decide(status, responseSize));
  }

  private decide(status: u32, responseSize: u32): i32 {
    if (status != 0) return STORE_ERROR;
    const v = decodeResp(getBuffer(BufferType.RedisCallResponse, 0, responseSize));
    if (v.isError()) {
      this.backend.replyError(v.str);
      return STORE_ERROR;
    }
    const n = this.keys.length;
    if (v.type != RESP_ARRAY || v.items.length != 2 + 3 * n) {
      this.backend.replyError("unexpected reply shape");
      return STORE_ERROR;
    }
    const ok = v.items[0].asInt(0) == 1;
    if (!ok) {
      const i = <i32>v.items[1].asInt(1) - 1;
      if (i < 0 || i >= n) return STORE_ERROR;
      const w = this.windows[i];
      const rej = this.rej;
      rej.kind = w.tokens ? KIND_TOKENS : KIND_REQUESTS;
      rej.limit = w.spec.limit;
      rej.remaining = v.items[2 + 3 * i].asInt(0);
      rej.resetMs = v.items[3 + 3 * i].asInt(w.spec.windowMs);
      rej.what = describeField(w.field, w.tokens);
      rej.rule = this.rules[i];
      return REJECT;
    }
    for (let i = 0; i < n; i++) {
      const w = this.windows[i];
      const remaining = v.items[2 + 3 * i].asInt(0);
      const reset = v.items[3 + 3 * i].asInt(0);
      this.ledger.add(this.keys[i], w, v.items[4 + 3 * i].asInt(0), this.costs[i]);
      if (w.tokens) this.ledger.tokens.offer(w.spec.limit, remaining, reset);
      else this.ledger.requests.offer(w.spec.limit, remaining, reset);
    }
    return ADMIT;
  }
}

class IgnoreReply extends RedisCallHandler {
  backend: RedisWindows;
  constructor(backend: RedisWindows) {
    super();
    this.backend = backend;
  }
  onResponse(status: u32, responseSize: u32): void {
    if (status != 0) return;
    const v = decodeResp(getBuffer(BufferType.RedisCallResponse, 0, responseSize));
    if (v.isError()) this.backend.replyError(v.str);
  }
}

export class RedisWindows extends ClusterWindows {
  cfg: RedisConfig;
  private initOk: bool = false;
  private lastInit: i64 = 0;
  private batch: EvalBatch = new EvalBatch();

  constructor(cfg: RedisConfig) {
    super();
    this.cfg = cfg;
    this.init(0);
  }

  private init(nowMs: i64): void {
    this.lastInit = nowMs;
    const r = redisInit(this.cfg.cluster, this.cfg.username, this.cfg.password, <u32>this.cfg.timeoutMs);
    this.initOk = r == WasmResult.Ok;
    if (!this.initOk) log.error("ai-rate-limit: redis init of " + this.cfg.cluster + " failed (status " + (<i32>r).toString() + "); requests use failure_mode until it succeeds");
  }

  /** An error reply: authentication problems disable calls until a re-init succeeds. */
  replyError(message: string): void {
    if (message.startsWith("NOAUTH") || message.startsWith("WRONGPASS")) this.initOk = false;
  }

  ready(): bool {
    return this.initOk;
  }

  admit(waiter: ClusterWaiter, hits: Hit[], estimate: i64, nowMs: i64, ledger: Ledger, rej: Rejection): bool {
    ledger.reserved = estimate;
    const h = new CheckReply(this, waiter, ledger, rej);
    const b = this.batch;
    b.clear();
    for (let i = 0; i < hits.length; i++) {
      const hit = hits[i];
      const ws = hit.item.windows;
      for (let j = 0; j < ws.length; j++) {
        const w = ws[j];
        const cost: i64 = w.tokens ? estimate : 1;
        const key = REDIS_KEY_PREFIX + counterKey(w.keyPrefix, hit.value);
        b.addCheck(key, w.spec, cost);
        h.keys.push(key);
        h.windows.push(w);
        h.costs.push(cost);
        h.rules.push(hit.rule.name);
      }
    }
    if (h.keys.length == 0) return false;
    return redisCall(this.cfg.cluster, b.encode(CHECK_AND_ADD_SCRIPT, nowMs), h) == WasmResult.Ok;
  }

  private sendAdjust(nowMs: i64): void {
    if (this.batch.keys.length == 0 || !this.initOk) return;
    redisCall(this.cfg.cluster, this.batch.encode(ADJUST_SCRIPT, nowMs), new IgnoreReply(this));
  }

  reconcile(ledger: Ledger, actual: i64, nowMs: i64): void {
    const b = this.batch;
    b.clear();
    for (let i = 0; i < ledger.count; i++) {
      const c = ledger.at(i);
      if (!c.window!.tokens) continue;
      const delta = actual - c.cost;
      if (delta != 0) b.addAdjust(c.key, c.window!.spec, c.bucket, delta);
      c.cost = actual;
    }
    this.sendAdjust(nowMs);
  }

  rollback(ledger: Ledger, nowMs: i64): void {
    const b = this.batch;
    b.clear();
    for (let i = 0; i < ledger.count; i++) {
      const c = ledger.at(i);
      b.addAdjust(c.key, c.window!.spec, c.bucket, -c.cost);
    }
    ledger.count = 0;
    this.sendAdjust(nowMs);
  }

  tick(nowMs: i64): void {
    if (!this.initOk && nowMs - this.lastInit >= REINIT_EVERY_MS) this.init(nowMs);
  }
}

export class RedisProvider extends ClusterProvider {
  create(cfg: RedisConfig): ClusterWindows {
    return new RedisWindows(cfg);
  }
}
