// The request side: find the API from the path, pick the provider (tags, model, weights, sticky
// hash; circuit-open providers skipped for the next healthy fallback), pick a key, then rewrite
// the request for that provider: :path, :authority, auth, the cluster header an Envoy route reads
// (`cluster_header`), x-ai-provider / x-ai-variant, and the body (edited or converted).
// With headerHold (default) the headers wait (StopIteration) until the body is read, so the model
// can choose the provider and the path; otherwise the choice is made from the headers alone.
import {
  FilterHeadersStatus, FilterDataStatus, BufferType, requestHeaders, getBuffer, replaceBuffer,
  setProperty, nowMillis, sendLocalResponse, HeaderPair, log, validateJson,
} from "../../assembly";
import { Api, detectApi, hasModelBody } from "./api";
import { RequestState, Target } from "./request-state";
import { HeaderLookup, decide } from "./routing";
import { nextRandom } from "./random";
import { scanBody } from "./body-fields";
import { utf8ErrorIn } from "../shared/utf8-check";
import { UpstreamRequest, buildUpstreamRequest, clientKeyFrom, CLIENT_AUTH_HEADERS } from "./upstream-request";
import { pickKey, keyText, KEY_NONE } from "./key-store";
import { requestHash } from "./cache-entry";
import { cacheLookup, sendDegraded } from "./degrade-cache";
import { sendError, PROVIDER_HEADER, VARIANT_HEADER } from "./attempts";
import { removeEndpointHeaders, setEndpointHeaders } from "./endpoint-headers";

class RequestHeaderLookup extends HeaderLookup {
  get(name: string): string | null {
    return requestHeaders.get(name);
  }
}

const HEADERS = new RequestHeaderLookup();

export function onRequestHeaders(s: RequestState, endOfStream: bool): FilterHeadersStatus {
  const cfg = s.cfg;
  const c = s.client;
  const path = requestHeaders.get(":path");
  c.path = path === null ? "" : path;
  c.api = detectApi(c.path);
  const authority = requestHeaders.get(":authority");
  c.authority = authority === null ? "" : authority;
  c.nowSeconds = <i64>(nowMillis() / 1000);
  // Routing headers are ours to set: a client must not pick a cluster by sending them.
  requestHeaders.remove(cfg.routing.clusterHeader);
  requestHeaders.remove(PROVIDER_HEADER);
  requestHeaders.remove(VARIANT_HEADER);
  removeEndpointHeaders(cfg.routing.endpointHeaderPrefix);

  if (c.api == Api.Unknown) return unknownPath(s);
  // Only POST (GET for the model list) is an API call; CORS preflights and the like pass.
  const method = requestHeaders.get(":method");
  if (method === null || method != (hasModelBody(c.api) ? "POST" : "GET")) {
    s.client.api = Api.Unknown;
    return FilterHeadersStatus.Continue;
  }
  c.clientKey = clientKeyFrom(requestHeaders.get("authorization"), requestHeaders.get("x-api-key"),
    requestHeaders.get("api-key"), requestHeaders.get("x-goog-api-key"));
  requestHeaders.remove("accept-encoding"); // bodies must be readable

  if (!hasModelBody(c.api)) {
    // GET /v1/models: no body, decide now.
    if (!chooseLive(s, "", stickyFromHeader(s))) return FilterHeadersStatus.StopIteration;
    const up = buildUpstreamRequest(s.live!.provider, c, "", keyOf(s, s.live!));
    if (up.failed) {
      answerBuildError(s, up);
      return FilterHeadersStatus.StopIteration;
    }
    s.liveUp = up;
    s.currentUp = up;
    applyHeaders(s, up);
    return FilterHeadersStatus.Continue;
  }
  if (endOfStream) {
    sendError(s, 400, "request body: required");
    return FilterHeadersStatus.StopIteration;
  }
  if (cfg.headerHold) {
    s.headersHeld = true;
    return FilterHeadersStatus.StopIteration;
  }
  // Headers go on now: choose from them alone (config guarantees no choice needs the body).
  if (!chooseLive(s, "", stickyFromHeader(s))) return FilterHeadersStatus.StopIteration;
  const t = s.live!;
  const p = t.provider;
  const early = new UpstreamRequest();
  early.path = p.upstreamPath(c.api, "", false, c.path);
  early.host = p.host();
  const key = keyOf(s, t);
  if (key.length > 0) p.addAuth(c.api, key, early.headers);
  p.addExtraHeaders(c.api, early.headers);
  if (early.path.length == 0) {
    sendError(s, 404, "provider '" + p.id + "' does not serve " + c.path);
    return FilterHeadersStatus.StopIteration;
  }
  applyHeaders(s, early);
  requestHeaders.remove("content-length"); // the body may change below
  return FilterHeadersStatus.Continue;
}

export function onRequestBody(s: RequestState, size: u32, endOfStream: bool): FilterDataStatus {
  if (s.answered || (s.live === null && !s.headersHeld)) return FilterDataStatus.Continue;
  if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
  const c = s.client;
  const body = getBuffer(BufferType.HttpRequestBody, 0, size);
  c.body = body;
  // Check the bytes first: String.UTF8.decode would hide ill-formed input (CE 01 -> one char)
  // from the JSON check, and every later step (edits, converters) trusts the decoded text.
  const bad = utf8ErrorIn(body);
  if (bad >= 0) {
    sendError(s, 400, "request body: invalid UTF-8 at byte " + bad.toString());
    return FilterDataStatus.StopIterationNoBuffer;
  }
  c.text = String.UTF8.decode(body);
  // The SDK's strict RFC 8259 check (the same one that guards the configuration).
  const syntax = validateJson(c.text);
  if (syntax.length > 0) {
    sendError(s, 400, "request body is not valid JSON: " + syntax);
    return FilterDataStatus.StopIterationNoBuffer;
  }
  const fields = scanBody(body, s.cfg.routing.stickyBodyField);
  if (fields.error !== null) {
    sendError(s, 400, fields.error!);
    return FilterDataStatus.StopIterationNoBuffer;
  }
  c.fields = fields;
  if (s.cfg.cache.enabled) {
    s.cacheHash = requestHash(body, <i32>c.api, c.model);
    s.cacheable = true;
  }
  if (s.headersHeld) {
    let sticky = stickyFromHeader(s);
    if (s.cfg.routing.stickyBodyField.length > 0) sticky = fields.sticky;
    if (!chooseLive(s, c.model, sticky)) return FilterDataStatus.StopIterationNoBuffer;
  }
  const t = s.live!;
  const up = buildUpstreamRequest(t.provider, c, t.model, keyOf(s, t));
  if (up.failed) {
    answerBuildError(s, up);
    return FilterDataStatus.StopIterationNoBuffer;
  }
  s.liveUp = up;
  s.currentUp = up;
  if (s.headersHeld) applyHeaders(s, up);
  if (up.body !== null) replaceBuffer(BufferType.HttpRequestBody, up.body!);
  return FilterDataStatus.Continue;
}

/** Unknown paths: rejected, or passed on untouched (host and auth still set for providers that
 *  forward any path: protocol "original" and generic). */
function unknownPath(s: RequestState): FilterHeadersStatus {
  if (s.cfg.rejectUnknownPaths) {
    sendError(s, 404, "unknown API path: " + s.client.path, "unknown_path");
    return FilterHeadersStatus.StopIteration;
  }
  const d = decide(s.cfg, HEADERS, "", stickyFromHeader(s), nextRandom());
  const p = d.provider;
  if (!p.original && !p.keepsClientPath()) return FilterHeadersStatus.Continue;
  s.client.clientKey = clientKeyFrom(requestHeaders.get("authorization"), requestHeaders.get("x-api-key"),
    requestHeaders.get("api-key"), requestHeaders.get("x-goog-api-key"));
  const k = pickKey(p, []);
  if (k == KEY_NONE) {
    sendError(s, 503, "provider '" + p.id + "' has no healthy key", "circuit_open");
    return FilterHeadersStatus.StopIteration;
  }
  s.variant = d.variant;
  setEndpointHeaders(s.cfg.routing.endpointHeaderPrefix, d.endpoint);
  const t = new Target(p, "", k);
  const up = buildUpstreamRequest(p, s.client, "", keyOf(s, t));
  s.live = t;
  s.current = t;
  s.liveUp = up;
  s.currentUp = up;
  applyHeaders(s, up);
  return FilterHeadersStatus.Continue;
}

function stickyFromHeader(s: RequestState): string {
  const h = s.cfg.routing.stickyHeader;
  if (h.length == 0) return "";
  const v = requestHeaders.get(h);
  return v === null ? "" : v;
}

function keyOf(s: RequestState, t: Target): string {
  return keyText(t.provider, t.key, s.client.clientKey);
}

/** Picks the live target: the routed provider, or the first healthy fallback when its keys are
 *  all out. false when the request was answered (degrade cache or 503). */
function chooseLive(s: RequestState, model: string, sticky: string): bool {
  const cfg = s.cfg;
  const d = decide(cfg, HEADERS, model, sticky, nextRandom());
  let t: Target | null = null;
  const k = pickKey(d.provider, []);
  if (k != KEY_NONE) t = new Target(d.provider, "", k);
  else {
    log.info("ai-proxy: provider '" + d.provider.id + "' is circuit-open, trying the fallback chain");
    const fb = cfg.routing.fallback;
    while (t === null && s.fallbackPos < fb.length) {
      const e = fb[s.fallbackPos++];
      const fk = pickKey(e.provider, []);
      if (fk != KEY_NONE) t = new Target(e.provider, e.model, fk);
    }
  }
  if (t === null) {
    const e = s.cacheable ? cacheLookup(cfg.cache, s.cacheHash) : null;
    if (e !== null) {
      s.answered = true;
      s.fromCache = true;
      sendDegraded(e);
    } else sendError(s, 503, "no healthy provider: every key is out (circuit open)", "circuit_open");
    return false;
  }
  s.live = t;
  s.current = t;
  s.triedKeys = [t.key];
  s.variant = t.provider === d.provider ? d.variant : (t.provider.variant.length > 0 ? t.provider.variant : t.provider.id);
  // The rule's endpoints belong to its provider's cluster, not to a fallback's.
  if (t.provider === d.provider) setEndpointHeaders(cfg.routing.endpointHeaderPrefix, d.endpoint);
  setProperty(["ai_proxy_provider"], String.UTF8.encode(t.provider.id));
  setProperty(["ai_proxy_variant"], String.UTF8.encode(s.variant));
  return true;
}

/** Rewrites the request headers for the live target. */
function applyHeaders(s: RequestState, up: UpstreamRequest): void {
  const p = s.live!.provider;
  if (up.path.length > 0) requestHeaders.replace(":path", up.path);
  if (up.host.length > 0) requestHeaders.replace(":authority", up.host);
  for (let i = 0; i < CLIENT_AUTH_HEADERS.length; i++) requestHeaders.remove(CLIENT_AUTH_HEADERS[i]);
  for (let i = 0; i < up.headers.length; i++) requestHeaders.replace(up.headers[i].key, up.headers[i].value);
  if (p.cluster.length > 0) requestHeaders.replace(s.cfg.routing.clusterHeader, p.cluster);
  requestHeaders.replace(PROVIDER_HEADER, p.id);
  requestHeaders.replace(VARIANT_HEADER, s.variant);
  if (up.body !== null) requestHeaders.remove("content-length");
}

function answerBuildError(s: RequestState, up: UpstreamRequest): void {
  if (up.errorBody.length > 0) {
    s.answered = true;
    sendLocalResponse(up.errorStatus, "ai_proxy_bad_request", String.UTF8.encode(up.errorBody),
      [new HeaderPair("content-type", "application/json")]);
    return;
  }
  sendError(s, up.errorStatus, up.error);
}
