// ai-statistics: token usage, latency and anomaly metrics plus an access-log record for AI calls,
// without ever holding a body back: every chunk continues at once and is read on the side
// (SSE bodies event by event, JSON bodies by top-level member capture).
// Phases: request headers (start time, path, header attributes) -> request body (model, stream,
// body attributes) -> response headers (status, stream?, anomaly header) -> response body (first
// byte time, usage, streamed attributes) -> response end: metrics + log -> on_log: the same for a
// request whose response never ended (client abort, reset).
import {
  RootContext, HttpContext, registerRootContext, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus,
  BufferType, MapType, responseHeaders, getPropertyString, getPropertyInt, setProperty,
  routeName, clusterName, nowNanos, log, RouteRules,
} from "../../assembly";
import { StatsConfig, StatsConfigParser } from "./config";
import { RequestState } from "./request-state";
import { Source, Builtin } from "./attribute-config";
import { BuiltinPaths } from "./builtin-attributes";
import { apiOf, modelFromPath } from "./request-info";
import { LabelLimiter, MetricLabels, labelValue } from "./metric-names";
import { MetricRegistry, MetricSet } from "./metrics";
import { LogRecord } from "./log-record";
import { feedBody } from "./body-bytes";
import { HeaderScan } from "./header-scan";
import { jsonEscape } from "../shared/json-string";
import { SLOW, UPSTREAM_ERROR, anomalyNames, isUpstreamErrorStatus } from "./anomalies";
import { finalUsage, outcomeOf, bodyErrorType, numbersOf, logRecordOf, builtinUsageValue, anomaliesOf, errorTypeFor } from "./report";

/** Filter state ai-proxy writes with the chosen provider and variant. */
const PROXY_PROVIDER_STATE = "ai_proxy_provider";
const PROXY_VARIANT_STATE = "ai_proxy_variant";

/** Header maps read in one host call each (callbacks never nest: one per VM). */
const HEADERS = new HeaderScan();

/** Request states kept for reuse per VM: beyond this many concurrent streams, new ones allocate. */
const MAX_FREE_STATES = 32;

class StatsRoot extends RootContext {
  rules: RouteRules<StatsConfig> = new RouteRules<StatsConfig>();
  registry: MetricRegistry = new MetricRegistry();
  builtins: BuiltinPaths = new BuiltinPaths();
  // Client-influenced dimensions are capped (see metric-names.ts).
  models: LabelLimiter = new LabelLimiter(200);
  requestModels: LabelLimiter = new LabelLimiter(200);
  consumers: LabelLimiter = new LabelLimiter(200);
  providers: LabelLimiter = new LabelLimiter(200);
  variants: LabelLimiter = new LabelLimiter(200);
  errors: LabelLimiter = new LabelLimiter(200);
  // Route and cluster names come from Envoy's configuration (bounded): only interned.
  routes: LabelLimiter = new LabelLimiter(i32.MAX_VALUE);
  clusters: LabelLimiter = new LabelLimiter(i32.MAX_VALUE);
  private lastRaw: MetricLabels = new MetricLabels();
  private scratch: MetricLabels = new MetricLabels();
  /** request states of finished streams, reused by new ones (bounded) */
  private freeStates: RequestState[] = [];
  /** the log record, rewritten by every report (reports never nest) */
  record: LogRecord = new LogRecord();

  takeState(cfg: StatsConfig): RequestState {
    const free = this.freeStates;
    if (free.length == 0) return new RequestState(cfg);
    const st = free.pop();
    st.reset(cfg);
    return st;
  }

  giveState(st: RequestState): void {
    st.release();
    if (this.freeStates.length < MAX_FREE_STATES) this.freeStates.push(st);
  }
  private lastSet: MetricSet | null = null;

  onConfigure(configuration: string): bool {
    const rules = new RouteRules<StatsConfig>();
    if (!rules.parse(configuration, new StatsConfigParser())) {
      log.error("ai-statistics: configuration rejected: " + rules.error);
      return false;
    }
    if (rules.warning.length > 0) log.warn("ai-statistics: " + rules.warning);
    this.rules = rules;
    this.lastSet = null; // the limits below may change what a value maps to
    const g = rules.global;
    const max = g !== null ? g.maxLabelValues : 200;
    this.models.max = max;
    this.requestModels.max = max;
    this.consumers.max = max;
    this.providers.max = max;
    this.variants.max = max;
    this.errors.max = max;
    return true;
  }

  /** The metric set of a request's dimensions. The raw values of the previous request are kept:
   *  when they repeat (the common case), cleaning, capping and the lookup are skipped; the result
   *  is the same, as a limiter's answer for a value never changes once given. No allocation
   *  unless the combination is new. */
  metricSetFor(st: RequestState, model: string): MetricSet {
    const last = this.lastSet;
    const raw = this.lastRaw;
    if (last !== null && raw.route == st.route && raw.cluster == st.cluster && raw.model == model &&
        raw.consumer == st.consumer && raw.provider == st.provider &&
        raw.requestModel == st.requestModel && raw.variant == st.variant) return last;
    const l = this.scratch;
    l.route = this.routes.admit(labelValue(st.route));
    l.cluster = this.clusters.admit(labelValue(st.cluster));
    l.model = this.models.admit(labelValue(model));
    l.consumer = this.consumers.admit(labelValue(st.consumer));
    l.provider = this.providers.admit(labelValue(st.provider));
    l.requestModel = this.requestModels.admit(labelValue(st.requestModel));
    l.variant = this.variants.admit(labelValue(st.variant));
    const set = this.registry.forLabels(l);
    raw.route = st.route;
    raw.cluster = st.cluster;
    raw.model = model;
    raw.consumer = st.consumer;
    raw.provider = st.provider;
    raw.requestModel = st.requestModel;
    raw.variant = st.variant;
    this.lastSet = set;
    return set;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new StatsStream(contextId, this);
  }
}

class StatsStream extends HttpContext {
  st: RequestState | null = null;

  private get statsRoot(): StatsRoot {
    return changetype<StatsRoot>(this.root);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const cfg = this.statsRoot.rules.select();
    if (cfg === null) return FilterHeadersStatus.Continue;
    const h = HEADERS;
    h.load(MapType.RequestHeaders);
    const path = h.get(":path");
    const p = path === null ? "" : path!;
    if (!cfg.pathEnabled(p)) {
      h.release();
      return FilterHeadersStatus.Continue;
    }
    const st = this.statsRoot.takeState(cfg);
    st.startNanos = nowNanos();
    st.path = p;
    st.api = apiOf(p);
    this.st = st;
    this.readRequestAiHeaders(st, h);
    const attrs = cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (a.source == Source.Fixed) st.values.set(i, a.value);
      else if (a.source == Source.RequestHeader) st.values.set(i, h.get(a.value));
    }
    h.release();
    if (endOfStream) this.requestDone(st);
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const st = this.st;
    if (st === null) return FilterDataStatus.Continue;
    if (bodySize > 0) feedBody(BufferType.HttpRequestBody, bodySize, st.request);
    if (endOfStream) this.requestDone(st);
    return FilterDataStatus.Continue;
  }

  onRequestTrailers(numTrailers: u32): FilterTrailersStatus {
    const st = this.st;
    if (st !== null) this.requestDone(st);
    return FilterTrailersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const st = this.st;
    if (st === null) return FilterHeadersStatus.Continue;
    const h = HEADERS;
    h.load(MapType.ResponseHeaders);
    const status = h.get(":status");
    st.status = status === null ? 0 : I32.parseInt(status!);
    const ct = h.get("content-type");
    st.contentType = ct === null ? "" : ct!;
    st.stream = st.contentType.toLowerCase().includes("text/event-stream");
    const cfg = st.cfg;
    if (cfg.contentTypeEnabled(st.contentType)) st.startResponse(st.stream, this.statsRoot.builtins);
    const attrs = cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (a.source == Source.ResponseHeader) st.values.set(i, h.get(a.value));
    }
    h.release();
    this.readLateAiHeaders(st);
    if (cfg.anomalyHeader.length > 0) {
      // Only what is known before the headers leave: slowness so far and the status.
      let f: u32 = 0;
      if (cfg.slowThresholdMs > 0 && st.msSinceStart(nowNanos()) > cfg.slowThresholdMs) f |= SLOW;
      if (isUpstreamErrorStatus(st.status)) f |= UPSTREAM_ERROR;
      if (f != 0) responseHeaders.replace(cfg.anomalyHeader, anomalyNames(f).join(","));
    }
    if (endOfStream) this.responseDone(st);
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const st = this.st;
    if (st === null || st.reported) return FilterDataStatus.Continue;
    if (bodySize > 0) {
      if (st.firstByteNanos == 0) st.firstByteNanos = nowNanos();
      const r = st.response;
      if (r !== null) feedBody(BufferType.HttpResponseBody, bodySize, r);
    }
    if (endOfStream) this.responseDone(st);
    return FilterDataStatus.Continue;
  }

  onResponseTrailers(numTrailers: u32): FilterTrailersStatus {
    const st = this.st;
    if (st !== null && !st.reported) this.responseDone(st);
    return FilterTrailersStatus.Continue;
  }

  onDone(): void {
    // on_log came first (Envoy: on_log, on_done, on_delete): nothing reads the state any more.
    const st = this.st;
    if (st === null) return;
    this.st = null;
    if (st.reported) this.statsRoot.giveState(st);
  }

  onLog(): void {
    const st = this.st;
    if (st === null || st.reported) return;
    // The response never ended here: the client left, or the upstream reset.
    if (st.status == 0) {
      const code = getPropertyInt(["response", "code"]);
      if (code > 0) st.status = <i32>code;
    }
    this.report(st);
  }

  /** At the request headers: consumer, provider, variant (when a filter before this one set
   *  them) and the session id. */
  private readRequestAiHeaders(st: RequestState, h: HeaderScan): void {
    const cfg = st.cfg;
    const consumer = h.get(cfg.consumerHeader);
    if (consumer !== null) st.consumer = consumer!;
    const provider = h.get(cfg.providerHeader);
    if (provider !== null) st.provider = provider!;
    const variant = h.get(cfg.variantHeader);
    if (variant !== null) st.variant = variant!;
    const sessions = cfg.sessionHeaders;
    for (let i = 0, n = sessions.length; i < n; i++) {
      const s = h.get(unchecked(sessions[i]));
      if (s !== null && s!.length > 0) {
        st.sessionId = s!;
        break;
      }
    }
  }

  /** Once the response starts (or at the end when it never did): what a later filter (ai-proxy)
   *  set after us. Past the request phase Envoy may no longer expose the request headers to this
   *  filter, so ai-proxy's filter state (wasm.ai_proxy_provider, then wasm.ai_proxy_variant, which
   *  it writes only with a provider) is read when the header is absent. The consumer is read
   *  again only when it was absent. */
  private readLateAiHeaders(st: RequestState): void {
    st.aiHeadersRead = true;
    const cfg = st.cfg;
    const h = HEADERS;
    h.load(MapType.RequestHeaders);
    if (st.consumer.length == 0) {
      const consumer = h.get(cfg.consumerHeader);
      if (consumer !== null) st.consumer = consumer!;
    }
    const provider = h.get(cfg.providerHeader);
    const variant = h.get(cfg.variantHeader);
    h.release();
    if (provider !== null) st.provider = provider!;
    else if (st.provider.length == 0) {
      const p = getPropertyString([PROXY_PROVIDER_STATE]);
      if (p !== null) st.provider = p!;
    }
    if (variant !== null) st.variant = variant!;
    else if (st.variant.length == 0 && st.provider.length > 0) {
      const v = getPropertyString([PROXY_VARIANT_STATE]);
      if (v !== null) st.variant = v!;
    }
  }

  private requestDone(st: RequestState): void {
    const req = st.request;
    req.finish();
    st.requestModel = req.model.length > 0 ? req.model : modelFromPath(st.path);
    const cfg = st.cfg;
    if (!cfg.needRequestBody) return;
    const body = req.body();
    if (body === null) return;
    const attrs = cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (a.source == Source.RequestBody) st.values.set(i, a.path!.valueText(body));
      else if (a.builtin == Builtin.Question) st.values.set(i, this.statsRoot.builtins.questionOf(body));
    }
  }

  private responseDone(st: RequestState): void {
    st.responseEnded = true;
    const r = st.response;
    if (r !== null) r.finish();
    this.report(st);
  }

  /** Writes the metrics, the log record and span attributes once. */
  private report(st: RequestState): void {
    st.reported = true;
    st.endNanos = nowNanos();
    // code_details tells an upstream answer from a local reply (5xx/429) and names resets; a
    // response that ended normally with another status needs neither.
    if (!st.responseEnded || isUpstreamErrorStatus(st.status)) {
      const details = getPropertyString(["response", "code_details"]);
      if (details !== null) st.codeDetails = details!;
    }
    if (st.route.length == 0) st.route = routeName();
    if (st.cluster.length == 0) st.cluster = clusterName();
    if (!st.aiHeadersRead) this.readLateAiHeaders(st);
    const cfg = st.cfg;
    const root = this.statsRoot;

    const u = finalUsage(st);
    const o = outcomeOf(st, u);
    const flags = anomaliesOf(o, cfg.slowThresholdMs, cfg.slowTtftMs);
    const errorType = root.errors.admit(labelValue(errorTypeFor(o, flags, bodyErrorType(st))));
    const resp = st.response;
    const chatId = resp !== null ? resp.tracker.id : "";

    if (cfg.metrics || cfg.higressMetrics) {
      root.metricSetFor(st, u.model.length > 0 ? u.model : st.requestModel).record(numbersOf(st, u, o, flags, errorType), cfg.higressMetrics, cfg.metrics);
    }

    // Attributes first: a configured key replaces the default member of the same name.
    const rec = root.record.reset(cfg.logEscaped, cfg.hasLogAttributes);
    const attrs = cfg.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = unchecked(attrs[i]);
      if (!a.applyToLog && !a.applyToSpan) continue;
      let v: string | null = null;
      if (a.source == Source.Builtin && a.builtin != Builtin.Question && a.builtin != Builtin.Answer) {
        v = builtinUsageValue(a.builtin, u);
        if (v === null && a.defaultValue.length > 0) v = a.defaultValue;
      } else {
        v = st.values.get(i, a.defaultValue);
      }
      if (v === null) continue;
      const value = v!;
      if (a.applyToLog) {
        if (a.asSeparateLogField) setProperty([a.key], String.UTF8.encode(cfg.logEscaped ? jsonEscape(value) : value));
        else rec.str(a.key, value);
      }
      if (a.applyToSpan) {
        const spanKey = a.traceSpanKey.length > 0 ? a.traceSpanKey : a.key;
        setProperty(["trace_span_tag." + spanKey], String.UTF8.encode(value));
      }
    }
    logRecordOf(rec, st, u, o, flags, errorType, chatId);
    setProperty([cfg.logKey], rec.utf8());
  }
}

registerRootContext("ai-statistics", (id: u32): RootContext => new StatsRoot(id));
