// Retries and fallbacks after a failed answer, before anything reached the client. Each attempt
// rebuilds the request for its target from the client's original body (another key of the same
// provider for `retryOnFailure`, else the next healthy `routing.fallback` entry, e.g.
// gpt-4o -> gpt-4o-mini -> self-hosted) and sends it with http_call; its answer, converted to the
// client's protocol, replaces the failed one. When nothing is left: the degrade cache, else the
// last error in the client's protocol.
import {
  HttpCallHandler, httpCall, httpCallResponseHeaders, getBuffer, BufferType, sendLocalResponse,
  HeaderPair, WasmResult, log, responseHeaders, continueResponse, setProperty, replaceBuffer,
} from "../../assembly";
import { replacementHeaders } from "./replacement-headers";
import { clientProtocol } from "./api";
import { RequestState, Target, BodyMode } from "./request-state";
import { UpstreamRequest, buildUpstreamRequest, reasoningModeOf } from "./upstream-request";
import { ReasoningMode, editReasoningBody } from "./reasoning-content";
import { pickKey, keyText, circuitOpen, recordRequestResult, KEY_NONE } from "./key-store";
import { StreamRelay } from "./stream-relay";
import { clientErrorBody } from "./client-error";
import { cacheLookup, cacheStore, degradedHeaders, logDegraded } from "./degrade-cache";

export const PROVIDER_HEADER = "x-ai-provider";
export const VARIANT_HEADER = "x-ai-variant";

class AttemptHandler extends HttpCallHandler {
  constructor(public s: RequestState, public target: Target, public up: UpstreamRequest, public cluster: string) {
    super();
  }

  onResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    const s = this.s;
    if (s.answered) return;
    let status: u32 = 502;
    let contentType = "";
    let body = new ArrayBuffer(0);
    let served: HeaderPair[] | null = null;
    if (numHeaders > 0) {
      served = httpCallResponseHeaders.pairs();
      const st = httpCallResponseHeaders.get(":status");
      status = st === null ? 502 : <u32>I32.parseInt(st);
      const ct = httpCallResponseHeaders.get("content-type");
      contentType = ct === null ? "" : ct;
      if (bodySize > 0) body = getBuffer(BufferType.HttpCallResponseBody, 0, bodySize);
    }
    recordRequestResult(this.target.provider, this.target.key, status, this.cluster);
    if (status >= 200 && status < 300) {
      answerSuccess(s, this.target, this.up, status, body, served);
      return;
    }
    s.lastStatus = status;
    s.lastBody = body;
    s.lastUp = this.up;
    if (!startNextAttempt(s, status)) answerFinal(s, served);
  }
}

/** Tries the next retry or fallback for a failure with `status`; false when none is left. */
export function startNextAttempt(s: RequestState, status: u32): bool {
  const cur = s.current;
  if (cur === null) return false;
  const p = cur.provider;
  if (p.retry.enabled && p.retry.onStatus.matches(status) && s.retries < p.retry.maxRetries) {
    const k = pickKey(p, s.triedKeys);
    if (k >= 0) {
      s.retries++;
      if (launch(s, new Target(p, cur.model, k), p.retry.retryTimeoutMs)) return true;
    }
  }
  const r = s.cfg.routing;
  if (!r.fallbackOnStatus.matches(status)) return false;
  while (s.fallbackPos < r.fallback.length) {
    const e = r.fallback[s.fallbackPos++];
    if (e.provider === p && e.model == cur.model) continue;
    if (circuitOpen(e.provider)) continue;
    const k = pickKey(e.provider, []);
    if (k == KEY_NONE) continue;
    s.triedKeys = [];
    s.retries = 0;
    if (launch(s, new Target(e.provider, e.model, k), e.provider.timeoutMs)) return true;
  }
  return false;
}

function launch(s: RequestState, t: Target, timeoutMs: u32): bool {
  const p = t.provider;
  const up = buildUpstreamRequest(p, s.client, t.model, keyText(p, t.key, s.client.clientKey));
  if (up.failed) {
    log.info("ai-proxy: skipping provider '" + p.id + "': " + up.error);
    return false;
  }
  let cluster = p.cluster;
  if (cluster.length == 0 && s.live !== null && s.live!.provider === p) cluster = s.liveCluster;
  if (cluster.length == 0) {
    log.warn("ai-proxy: provider '" + p.id + "' has no cluster for a retry call");
    return false;
  }
  const headers: HeaderPair[] = [
    new HeaderPair(":method", "POST"),
    new HeaderPair(":path", up.path),
    new HeaderPair(":authority", up.host.length > 0 ? up.host : s.client.authority),
    new HeaderPair("content-type", "application/json"),
    new HeaderPair(PROVIDER_HEADER, p.id),
    new HeaderPair(VARIANT_HEADER, s.variant),
  ];
  for (let i = 0; i < up.headers.length; i++) headers.push(up.headers[i]);
  const body = up.body !== null ? up.body! : s.client.body!;
  const r = httpCall(cluster, headers, body, timeoutMs, new AttemptHandler(s, t, up, cluster));
  if (r != WasmResult.Ok) {
    log.warn("ai-proxy: call to cluster '" + cluster + "' for provider '" + p.id + "' failed (" + (<i32>r).toString() + ")");
    return false;
  }
  s.attempts++;
  // Set now, not only in on_log: filters before ai-proxy log first.
  setProperty(["ai_proxy_attempts"], String.UTF8.encode(s.attempts.toString()));
  s.current = t;
  s.currentUp = up;
  s.triedKeys.push(t.key);
  log.info("ai-proxy: attempt " + s.attempts.toString() + " via provider '" + p.id + "'");
  return true;
}

/** A retry or fallback succeeded: its answer, in the client's protocol, replaces the failed one. */
function answerSuccess(s: RequestState, t: Target, up: UpstreamRequest, status: u32, body: ArrayBuffer, served: HeaderPair[] | null): void {
  const client = clientProtocol(s.client.api);
  let out = body;
  let contentType = "application/json";
  const conv = up.converter;
  if (up.stream) {
    contentType = "text/event-stream";
    const relay = new StreamRelay(client, up.upstreamProtocol, conv, up.converted, up.opts);
    relay.editReasoning(reasoningModeOf(t.provider, up, s.client.api));
    const converted = relay.push(body);
    const tail = relay.finish();
    out = concat(converted === null ? body : converted!, tail);
    if (s.cacheable && relay.clean) cacheStore(s.cfg.cache, s.cacheHash, status, true, contentType, out);
  } else {
    if (conv !== null) {
      const r = conv.response(String.UTF8.decode(body), up.converted!, up.opts);
      if (r.error !== null) {
        sendError(s, 502, "provider '" + t.provider.id + "' answered with an unexpected body: " + r.error!.message);
        return;
      }
      out = String.UTF8.encode(r.body);
    } else {
      const rm = reasoningModeOf(t.provider, up, s.client.api);
      if (rm != ReasoningMode.Passthrough) {
        const edited = editReasoningBody(String.UTF8.decode(body), rm);
        if (edited !== null) out = String.UTF8.encode(edited);
      }
    }
    if (s.cacheable) cacheStore(s.cfg.cache, s.cacheHash, status, false, contentType, out);
  }
  // The provider that answered, for log readers (ai-statistics reads this filter state).
  setProperty(["ai_proxy_provider"], String.UTF8.encode(t.provider.id));
  deliver(s, status, "ai_proxy_fallback", out, [
    new HeaderPair("content-type", contentType),
    new HeaderPair(PROVIDER_HEADER, t.provider.id),
  ], true, served, out === body);
}

/** Nothing left to try: the degrade cache, else the last error in the client's protocol (with the
 *  headers of the http_call response it came in, `served`). */
export function answerFinal(s: RequestState, served: HeaderPair[] | null = null): void {
  const unavailable = s.cfg.routing.fallbackOnStatus.matches(s.lastStatus);
  const e = s.cacheable && unavailable ? cacheLookup(s.cfg.cache, s.cacheHash) : null;
  if (e !== null) {
    s.fromCache = true;
    setProperty(["ai_proxy_cache"], String.UTF8.encode("degraded"));
    logDegraded();
    deliver(s, e.status, "ai_proxy_degraded_cache", e.body, degradedHeaders(e), true);
    return;
  }
  const up = s.lastUp;
  if (up !== null && up.converter !== null && s.lastBody.byteLength > 0) {
    const r = up.converter!.error(<i32>s.lastStatus, String.UTF8.decode(s.lastBody));
    deliver(s, <u32>r.status, "ai_proxy_upstream_error", String.UTF8.encode(r.body), [new HeaderPair("content-type", "application/json")], true, served, false);
    return;
  }
  if (up !== null && s.lastBody.byteLength > 0) {
    deliver(s, s.lastStatus, "ai_proxy_upstream_error", s.lastBody, [new HeaderPair("content-type", "application/json")], true, served, true);
    return;
  }
  sendError(s, s.lastStatus >= 400 ? s.lastStatus : 502, "every upstream attempt failed");
}

/** A local error in the client's protocol. */
export function sendError(s: RequestState, status: u32, message: string, code: string = ""): void {
  const body = clientErrorBody(clientProtocol(s.client.api), status, message, code);
  deliver(s, status, "ai_proxy_error", String.UTF8.encode(body), [new HeaderPair("content-type", "application/json")], true);
}

/** The final answer. With the failed upstream response held and its body still to come, it
 *  replaces that response in place (headers now, body in on_response_body), so the filters
 *  before ai-proxy see it: Envoy sends a local reply issued while response headers are in the
 *  encoder chain straight to the codec. The held response's headers are all replaced
 *  (replacement-headers.ts): `headers` (ai-proxy's) plus `served`, the served answer's own
 *  (`identity`: its bytes go out unchanged). `resume`: continue the held response (false when
 *  called from on_response_headers, which returns Continue itself). Else a local reply (request
 *  phase, or no body left to replace). */
export function deliver(s: RequestState, status: u32, details: string, body: ArrayBuffer, headers: HeaderPair[], resume: bool,
  served: HeaderPair[] | null = null, identity: bool = false): void {
  s.answered = true;
  const all = replacementHeaders(status, headers, served, identity);
  if (!s.replaceHeld) {
    sendLocalResponse(status, details, body, all.slice(1)); // :status is the call's own argument
    return;
  }
  responseHeaders.setPairs(all);
  s.replacement = body;
  s.mode = BodyMode.Replace;
  const relay = s.relay;
  if (relay !== null && relay.heldFailure) {
    // The failed stream's bytes sit in Envoy's buffer. Ended: the answer takes their place and
    // the response goes on. Not yet: it keeps buffering, and on_response_body swaps the answer
    // in at the last chunk (continuing now would leave Envoy's buffering flag set for the next
    // chunk: its body calls would see the drained buffer instead of the chunk).
    if (!relay.heldFailureEnded) {
      s.mode = BodyMode.Drop;
      return;
    }
    replaceBuffer(BufferType.HttpResponseBody, body);
    s.mode = BodyMode.Pass;
  }
  if (resume) continueResponse();
}

function concat(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  if (b.byteLength == 0) return a;
  const out = new ArrayBuffer(a.byteLength + b.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(a), a.byteLength);
  memory.copy(changetype<usize>(out) + <usize>a.byteLength, changetype<usize>(b), b.byteLength);
  return out;
}
