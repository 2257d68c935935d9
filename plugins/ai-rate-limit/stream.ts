// One HTTP stream through the limiter. Order of checks:
//   1. circuit breaker of the upstream (open -> fast reply with Retry-After);
//   2. request and token windows of every rule that applies, all-or-nothing (token reservation =
//      estimate from the body, so the body is read first when a rule needs it);
//   3. concurrency slots; a full slot set queues the request (held with StopIteration, resumed
//      by the root context from on_queue_ready / on_tick) up to max_queue and max_queue_wait_ms.
// At the end (on_done, which Envoy calls for every stream: completion, client abort, reset, local
// reply) slots are released, token reservations reconciled with the usage the response reported,
// and the breaker told the outcome. Nothing is leaked when a client goes away mid-way.
import {
  HttpContext, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus, BufferType, HeaderPair,
  responseHeaders, getBuffer, bufferSize, sendLocalResponse, continueRequest, nowMillis, clusterName, requestHeaders,
  replaceBuffer, setEffectiveContext, WasmResult,
} from "../../assembly";
import { RateLimitConfig, ConcurrencyLimit, FAIL_CLOSED } from "./config-types";
import { HostRequest } from "./host-request";
import { Hit, selectLimits } from "./select";
import { Ledger, tokensToCharge } from "./ledger";
import { Rejection, buildReply, clientProtocol, describeField, KIND_TOKENS, KIND_CONCURRENCY, KIND_QUEUE_TIMEOUT, KIND_CIRCUIT_OPEN, KIND_STORE_FAILURE } from "./reply";
import { RequestFacts, scanRequestBody, estimateTokens, estimateInputTokens, mayUnderestimate, MODE_STRICT, MODE_ESTIMATE } from "./estimate";
import { CAP_NONE, capTarget, withOutputCap } from "./cap-injection";
import { scanHostRequestBody } from "./body-read";
import { exclusiveLimit } from "./exclusive";
import { ADMIT, REJECT, STORE_ERROR } from "./local-store";
import { SlotDecision, ACQUIRED, QUEUED, QUEUE_FULL, WAIT, GONE } from "./slots";
import { CLOSED } from "./breaker";
import { outcomeOf } from "./outcome";
import { addQuotaHeaders } from "./quota-headers";
import { counterKey } from "./request-values";
import { ClusterWaiter, ClusterWindows } from "./cluster-api";
import { ResponseUsage } from "./response-usage";
import { RateLimitRoot } from "./root";
import * as metrics from "./metrics";

const PH_PASS: u8 = 0; // nothing to limit
const PH_WAIT_BODY: u8 = 1;
const PH_CLUSTER: u8 = 2; // waiting for Redis
const PH_QUEUED: u8 = 3;
const PH_ADMITTED: u8 = 4;
const PH_REJECTED: u8 = 5;

const DONE_ADMIT: i32 = 0;
const DONE_REJECT: i32 = 1;
const PENDING: i32 = 2;

/** Registered under the root context, so the Redis reply arrives even when the stream is gone
 *  (the SDK drops replies to destroyed contexts): a charge made for a client that left is
 *  given back then. */
class ClusterReply extends ClusterWaiter {
  constructor(public stream: RateLimitStream, public backend: ClusterWindows) {
    super();
  }
  onClusterDecision(result: i32): void {
    const s = this.stream;
    if (!s.finished && setEffectiveContext(s.id)) s.clusterDecided(result);
    else s.abandonedDecision(result, this.backend);
  }
}

export class RateLimitStream extends HttpContext {
  cfg: RateLimitConfig | null = null;
  req: HostRequest = new HostRequest();
  facts: RequestFacts | null = null;
  hits: Hit[];
  ledger: Ledger;
  private rejObj: Rejection | null = null;
  phase: u8 = PH_PASS;
  /** we returned a Stop status and owe the stream a continueRequest */
  held: bool = false;
  startMs: i64 = 0;
  estimate: i64 = 0;
  inputEstimate: i64 = 0;
  private usingCluster: bool = false;
  // concurrency
  private slotIdx: i32 = 0;
  private slotKeys: string[] | null = null;
  private slotLimits: ConcurrencyLimit[] | null = null;
  ticket: u64 = 0;
  waitKey: string = "";
  waitLimit: ConcurrencyLimit | null = null;
  deadline: i64 = 0;
  private sd: SlotDecision | null = null;
  // breaker
  private brKey: string = "";
  private brProbe: bool = false;
  // response
  private status: u32 = 0;
  private responseStarted: bool = false;
  private ttfbMs: i64 = 0;
  private usage: ResponseUsage | null = null;
  finished: bool = false;
  /** the request body while deciding (enforce_max_tokens may rewrite it) */
  private body: ArrayBuffer | null = null;
  private capAt: u8 = CAP_NONE;
  /** strict mode: this request may underestimate, so it runs alone per token key */
  private exclusive: bool = false;

  /** `ledger` and `hits` come from the root's pool (recycle() returns them). */
  constructor(id: u32, root: RateLimitRoot, ledger: Ledger, hits: Hit[]) {
    super(id, root);
    this.ledger = ledger;
    this.hits = hits;
  }

  get limiter(): RateLimitRoot {
    return changetype<RateLimitRoot>(this.root);
  }

  /** Made on first use: most requests are never refused. */
  get rej(): Rejection {
    let r = this.rejObj;
    if (r === null) this.rejObj = r = new Rejection();
    return r;
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const cfg = this.limiter.select();
    if (cfg === null || cfg.empty) return FilterHeadersStatus.Continue;
    this.cfg = cfg;
    if (cfg.breaker !== null) {
      this.startMs = <i64>nowMillis();
      if (!this.checkBreaker(cfg)) return FilterHeadersStatus.StopIteration;
    }
    if (cfg.groups.length == 0) {
      this.phase = PH_ADMITTED;
      return FilterHeadersStatus.Continue;
    }
    if (cfg.needsBody && !endOfStream && this.bodyMatters(cfg)) {
      this.phase = PH_WAIT_BODY;
      if (cfg.estimate.enforceMaxTokens) {
        this.capAt = capTarget(this.req.path());
        // The body may get a cap member: Envoy re-frames it (as ai-proxy does for its rewrites).
        if (this.capAt != CAP_NONE) requestHeaders.remove("content-length");
      }
      if (!cfg.headerHold) {
        this.req.load(); // decided after the headers went on: read them now
        return FilterHeadersStatus.Continue;
      }
      this.held = true;
      return FilterHeadersStatus.StopIteration;
    }
    const r = this.decide();
    if (r == DONE_ADMIT) return FilterHeadersStatus.Continue;
    this.held = r == PENDING;
    return FilterHeadersStatus.StopIteration;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (this.phase == PH_CLUSTER || this.phase == PH_QUEUED || this.phase == PH_REJECTED) return FilterDataStatus.StopIterationAndBuffer;
    if (this.phase != PH_WAIT_BODY) return FilterDataStatus.Continue;
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    return this.decideWithBody(bodySize) ? FilterDataStatus.Continue : FilterDataStatus.StopIterationAndBuffer;
  }

  onRequestTrailers(numTrailers: u32): FilterTrailersStatus {
    if (this.phase == PH_WAIT_BODY) {
      const size = bufferSize(BufferType.HttpRequestBody);
      return this.decideWithBody(size > 0 ? <u32>size : 0) ? FilterTrailersStatus.Continue : FilterTrailersStatus.StopIteration;
    }
    if (this.phase == PH_CLUSTER || this.phase == PH_QUEUED || this.phase == PH_REJECTED) return FilterTrailersStatus.StopIteration;
    return FilterTrailersStatus.Continue;
  }

  /** Whether the decision needs the body: a rule keyed or matched by model, or a token limit
   *  among the limits that apply (selected now, from the headers alone). */
  private bodyMatters(cfg: RateLimitConfig): bool {
    if (cfg.needsModel) return true;
    selectLimits(cfg, this.req, this.hits);
    for (let i = 0; i < this.hits.length; i++) if (this.hits[i].item.hasTokenWindow()) return true;
    return false;
  }

  /** Whole body available: scan it, then decide. True when the request may go on now. */
  private decideWithBody(size: u32): bool {
    const f = new RequestFacts();
    if (size > 0) {
      if (this.capAt != CAP_NONE) {
        const body = getBuffer(BufferType.HttpRequestBody, 0, size); // may be rewritten: keep it
        scanRequestBody(body, f);
        this.body = body;
      } else {
        scanHostRequestBody(size, f);
      }
    }
    this.facts = f;
    this.req.bodyModel = f.model;
    const r = this.decide();
    this.body = null;
    if (r == DONE_ADMIT) {
      this.held = false;
      return true;
    }
    this.held = r == PENDING;
    return false;
  }

  private checkBreaker(cfg: RateLimitConfig): bool {
    const b = cfg.breaker!;
    let key = "airl:cb:" + clusterName();
    if (b.perProvider) {
      const p = requestHeaders.get("x-ai-provider");
      if (p !== null) key += "|" + p;
    }
    this.brKey = key;
    const d = this.limiter.breakers.admit(key, b.spec, <i64>nowMillis());
    if (d.changed) metrics.setCircuitState(key.substring(8), d.state);
    if (d.allowed) {
      this.brProbe = d.probe;
      return true;
    }
    this.brKey = ""; // refused here: no outcome to record
    metrics.circuitOpen.increment(1);
    const rej = this.rej;
    rej.kind = KIND_CIRCUIT_OPEN;
    rej.status = b.openStatus;
    rej.resetMs = d.retryAfterMs;
    rej.what = key.substring(8);
    this.reject();
    return false;
  }

  /** Windows, then slots. */
  private decide(): i32 {
    const cfg = this.cfg!;
    selectLimits(cfg, this.req, this.hits);
    if (this.hits.length == 0) {
      this.phase = PH_ADMITTED;
      return DONE_ADMIT;
    }
    let tokens = false;
    for (let i = 0; i < this.hits.length; i++) if (this.hits[i].item.hasTokenWindow()) tokens = true;
    if (tokens) {
      const f = this.facts !== null ? this.facts! : new RequestFacts();
      if (this.body !== null && !f.outputCapped()) this.writeCap(f);
      this.exclusive = cfg.estimate.mode == MODE_STRICT && mayUnderestimate(f);
      this.estimate = estimateTokens(f, cfg.estimate);
      this.inputEstimate = estimateInputTokens(f, cfg.estimate);
    }
    const root = this.limiter;
    const cluster: ClusterWindows | null = cfg.redis === null ? null : root.clusterOf(cfg);
    const now = <i64>nowMillis();
    if (cluster !== null) {
      this.usingCluster = true;
      if (cluster.ready()) {
        // Sent as the root: its reply must arrive even if this stream is destroyed meanwhile.
        setEffectiveContext(root.id);
        const sent = cluster.admit(new ClusterReply(this, cluster), this.hits, this.estimate, now, this.ledger, this.rej);
        setEffectiveContext(this.id);
        if (sent) {
          this.phase = PH_CLUSTER;
          return PENDING;
        }
      }
      root.redisDown("Redis not ready");
      return this.afterWindows(STORE_ERROR);
    }
    const r = root.windows.admit(this.hits, this.estimate, now, this.ledger, root.scratchRej);
    if (r == REJECT) {
      this.rejObj = root.scratchRej; // filled: this stream keeps it
      root.scratchRej = new Rejection();
    }
    return this.afterWindows(r);
  }

  /** enforce_max_tokens: the reserved output cap goes into the body. */
  private writeCap(f: RequestFacts): void {
    const e = this.cfg!.estimate;
    const b = withOutputCap(this.body!, f, this.capAt, e.openAiChatField, e.defaultMaxTokens);
    if (b !== null && replaceBuffer(BufferType.HttpRequestBody, b) == WasmResult.Ok) f.injectedCap = e.defaultMaxTokens;
  }

  /** The Redis answer for a stream that already ended (effective context: the root). */
  abandonedDecision(result: i32, backend: ClusterWindows): void {
    if (result != ADMIT || this.ledger.count == 0) return;
    backend.rollback(this.ledger, <i64>nowMillis()); // the backend that charged (even after a reconfigure)
    this.ledger.count = 0;
  }

  /** The Redis answer (effective context: this stream). */
  clusterDecided(result: i32): void {
    if (this.phase != PH_CLUSTER) return;
    if (result == STORE_ERROR) this.limiter.redisDown("Redis call failed");
    const r = this.afterWindows(result);
    if (r == DONE_ADMIT) this.resume();
  }

  private afterWindows(result: i32): i32 {
    const cfg = this.cfg!;
    if (result == STORE_ERROR) {
      metrics.storeError.increment(1);
      if (cfg.failureMode == FAIL_CLOSED) {
        this.rej.kind = KIND_STORE_FAILURE;
        this.rej.status = 503;
        this.rej.resetMs = 1000;
        this.reject();
        return DONE_REJECT;
      }
      this.ledger.clear(); // fail open: nothing was charged
    } else if (result == REJECT) {
      if (this.rej.kind == KIND_TOKENS) metrics.tokenLimited.increment(1);
      else metrics.limited.increment(1);
      metrics.countRuleLimited(this.rej.rule);
      this.rej.status = cfg.rejectedCode;
      this.reject();
      return DONE_REJECT;
    }
    this.slotIdx = 0;
    return this.acquireSlots();
  }

  /** Takes the slot of every hit with a concurrency limit, in order; may queue. */
  acquireSlots(): i32 {
    const root = this.limiter;
    let now: i64 = -1; // read only when some hit has a slot to take
    const n = this.hits.length;
    // Indexes n..2n-1: strict mode's one-at-a-time slot of each token key.
    const total = this.exclusive ? 2 * n : n;
    while (this.slotIdx < total) {
      const hit = this.hits[this.slotIdx % n];
      const c = this.slotIdx < n ? hit.item.concurrency : hit.item.hasTokenWindow() ? exclusiveLimit(hit.item) : null;
      if (c === null) {
        this.slotIdx++;
        continue;
      }
      if (now < 0) now = <i64>nowMillis();
      const key = this.ticket != 0 ? this.waitKey : counterKey(c.keyPrefix, hit.value);
      let d = this.sd;
      if (d === null) this.sd = d = new SlotDecision();
      if (!root.slots.acquire(key, c, now, this.ticket, root.queueToken, d)) {
        metrics.storeError.increment(1);
        if (this.cfg!.failureMode == FAIL_CLOSED) return this.refuse(KIND_STORE_FAILURE, 503, c);
        this.slotIdx++;
        continue;
      }
      if (d.result == ACQUIRED) {
        if (this.ticket != 0) root.removeWaiter(this);
        this.ticket = 0;
        if (this.slotKeys === null) {
          this.slotKeys = [];
          this.slotLimits = [];
        }
        this.slotKeys!.push(key);
        this.slotLimits!.push(c);
        this.slotIdx++;
        continue;
      }
      if (d.result == QUEUED) {
        this.ticket = d.ticket;
        this.waitKey = key;
        this.waitLimit = c;
        this.deadline = now + c.maxWaitMs;
        this.phase = PH_QUEUED;
        root.addWaiter(this);
        metrics.queued.increment(1);
        return PENDING;
      }
      if (d.result == WAIT) return PENDING;
      if (d.result == GONE) {
        // Our queue entry was dropped as stale (we were too slow to claim it): queue again.
        root.removeWaiter(this);
        this.ticket = 0;
        continue;
      }
      // QUEUE_FULL
      metrics.countRuleLimited(hit.rule.name);
      if (this.slotIdx >= n) return this.refuseExclusive(hit);
      metrics.queueFull.increment(1);
      return this.refuse(KIND_CONCURRENCY, this.cfg!.rejectedCode, c);
    }
    this.phase = PH_ADMITTED;
    metrics.allowed.increment(1);
    return DONE_ADMIT;
  }

  private refuse(kind: u8, status: u32, c: ConcurrencyLimit): i32 {
    this.giveBack();
    this.rej.kind = kind;
    this.rej.status = status;
    this.rej.limit = c.maxInFlight;
    this.rej.resetMs = kind == KIND_QUEUE_TIMEOUT ? 1000 : c.maxWaitMs > 1000 ? 1000 : c.maxWaitMs;
    this.reject();
    return DONE_REJECT;
  }

  /** Strict mode: another request of this token key that may underestimate is in flight. */
  private refuseExclusive(hit: Hit): i32 {
    this.giveBack();
    metrics.tokenLimited.increment(1);
    const rej = this.rej;
    rej.kind = KIND_TOKENS;
    rej.status = this.cfg!.rejectedCode;
    rej.remaining = 0;
    rej.resetMs = 1000;
    rej.rule = hit.rule.name;
    const ws = hit.item.windows;
    for (let i = 0; i < ws.length; i++) {
      if (ws[i].tokens) {
        rej.limit = ws[i].spec.limit;
        rej.what = describeField(ws[i].field, true);
        break;
      }
    }
    this.reject();
    return DONE_REJECT;
  }

  /** Returns window charges and slots (the request will not run). */
  private giveBack(): void {
    const root = this.limiter;
    const now = <i64>nowMillis();
    if (this.ledger.count > 0) {
      const cluster = this.usingCluster ? root.clusterOf(this.cfg!) : null;
      if (cluster !== null) cluster.rollback(this.ledger, now);
      else root.windows.rollback(this.ledger, now);
      this.ledger.count = 0;
    }
    this.releaseSlots(now);
    if (this.ticket != 0) {
      root.slots.cancel(this.waitKey, this.ticket, now);
      root.removeWaiter(this);
      this.ticket = 0;
    }
  }

  private releaseSlots(now: i64): void {
    const keys = this.slotKeys;
    if (keys === null) return;
    const limits = this.slotLimits!;
    const root = this.limiter;
    for (let i = 0; i < keys.length; i++) {
      const wake = root.slots.release(keys[i], limits[i], now);
      root.notify(wake, keys[i]);
    }
    keys.length = 0;
    limits.length = 0;
  }

  /** Called by the root (effective context: this stream) after a wake-up or on a tick. */
  retryQueued(): void {
    if (this.phase != PH_QUEUED) return;
    if (<i64>nowMillis() >= this.deadline) {
      metrics.queueTimeout.increment(1);
      this.refuse(KIND_QUEUE_TIMEOUT, this.cfg!.queueTimeoutCode, this.waitLimit!);
      return;
    }
    const r = this.acquireSlots();
    if (r == DONE_ADMIT) this.resume();
  }

  private resume(): void {
    if (this.held) {
      this.held = false;
      continueRequest();
    }
  }

  private reject(): void {
    this.phase = PH_REJECTED;
    const cfg = this.cfg!;
    // rejected_msg (Higress) is for limit rejections; breaker and queue replies keep the protocol body.
    const custom = this.rej.kind <= KIND_TOKENS || this.rej.kind == KIND_CONCURRENCY ? cfg.rejectedMsg : null;
    const reply = buildReply(this.rej, clientProtocol(this.req.path()), custom);
    const headers = new Array<HeaderPair>();
    for (let i = 0; i < reply.names.length; i++) headers.push(new HeaderPair(reply.names[i], reply.values[i]));
    this.held = false;
    sendLocalResponse(reply.status, this.rej.details(), String.UTF8.encode(reply.body), headers);
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    if (this.phase != PH_ADMITTED) return FilterHeadersStatus.Continue;
    const cfg = this.cfg!;
    const tokens = this.ledger.count > 0 && this.ledger.hasTokens();
    // Status and timing serve the breaker and the token settlement only.
    if (!tokens && this.brKey.length == 0 && !cfg.showQuotaHeaders) return FilterHeadersStatus.Continue;
    const s = responseHeaders.get(":status");
    this.status = s === null ? 0 : <u32>I32.parseInt(s);
    this.responseStarted = true;
    if (this.brKey.length > 0) this.ttfbMs = <i64>nowMillis() - this.startMs;
    if (cfg.showQuotaHeaders) addQuotaHeaders(this.ledger);
    if (tokens) {
      const ct = responseHeaders.get("content-type");
      this.usage = new ResponseUsage(ct !== null && ct.indexOf("text/event-stream") >= 0);
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (this.usage !== null && bodySize > 0) this.usage!.push(getBuffer(BufferType.HttpResponseBody, 0, bodySize));
    return FilterDataStatus.Continue;
  }

  onDone(): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
    // A stream waiting for Redis keeps its ledger: the reply may still arrive (ClusterReply).
    if (this.phase != PH_CLUSTER) this.limiter.recycle(this.ledger, this.hits);
  }

  private settle(): void {
    if (this.phase == PH_QUEUED || this.phase == PH_WAIT_BODY) {
      this.giveBack(); // the client left before the request was admitted
    } else if (this.phase == PH_ADMITTED) {
      const tokens = this.ledger.count > 0 && this.ledger.hasTokens();
      if (this.slotKeys === null && !tokens && this.brKey.length == 0) return; // nothing to settle
      const now = <i64>nowMillis();
      this.releaseSlots(now);
      if (tokens) this.settleTokens(now);
    }
    if (this.brKey.length > 0) this.recordOutcome(<i64>nowMillis());
  }

  private settleTokens(now: i64): void {
    const u = this.usage;
    const found = u !== null && u.found();
    const e = this.cfg!.estimate;
    let actual = tokensToCharge(
      found, found ? u!.total() : 0, this.responseStarted, this.status,
      this.inputEstimate, this.ledger.reserved, u !== null ? u.bytes : 0, e.bytesPerToken,
    );
    // upper_bound / strict: usage unknown (stream cut, client gone) keeps the whole reservation,
    // the most the provider can bill; only an error answer releases it.
    const failed = this.responseStarted && (this.status >= 400 || this.status == 0);
    if (!found && e.mode != MODE_ESTIMATE && !failed) actual = this.ledger.reserved;
    const cluster = this.usingCluster ? this.limiter.clusterOf(this.cfg!) : null;
    if (cluster !== null) cluster.reconcile(this.ledger, actual, now);
    else this.limiter.windows.reconcile(this.ledger, actual, now);
  }

  private recordOutcome(now: i64): void {
    const b = this.cfg!.breaker!;
    const o = outcomeOf(b, this.brProbe, this.phase == PH_ADMITTED && this.responseStarted, this.status, this.ttfbMs);
    const d = this.limiter.breakers.record(this.brKey, b.spec, now, o);
    if (d.changed || (d.state != CLOSED && o.probe)) metrics.setCircuitState(this.brKey.substring(8), d.state);
  }
}
