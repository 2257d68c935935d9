// The response side of the live upstream request:
//   failure status  -> count it against the key; retry / fall back by http_call (the response is
//                      held and replaced), else the degrade cache, else the error passes on,
//                      rewritten in the client's protocol when the protocols differ or the
//                      body is not JSON (Envoy's plain-text local replies);
//   SSE             -> relayed per chunk (converted when needed); with headerHold and something
//                      left to try, the headers wait for the first event so an error event there
//                      can still be retried; a cut stream ends with an error event;
//   JSON            -> converted as a whole when the protocols differ, kept for the cache.
import {
  FilterHeadersStatus, FilterDataStatus, BufferType, responseHeaders, getBuffer, replaceBuffer,
  clusterName, log, setProperty,
} from "../../assembly";
import { clientProtocol } from "./api";
import { RequestState, BodyMode } from "./request-state";
import { StreamRelay, isErrorEvent } from "./stream-relay";
import { startNextAttempt, deliver } from "./attempts";
import { cacheLookup, cacheStore, sendDegraded, degradedHeaders, logDegraded } from "./degrade-cache";
import { SseParser } from "../shared/sse-parser";
import { JsonCursor, findMember, sliceStartOf, sliceEndOf, sliceString } from "../shared/json-scan";
import { statusForErrorType } from "../shared/errors";
import { pickKey, recordRequestResult } from "./key-store";
import { clientErrorBody } from "./client-error";
import { reasoningModeOf } from "./upstream-request";
import { ReasoningMode, editReasoningBody } from "./reasoning-content";

const CURSOR = new JsonCursor();

/** `error.type` of an SSE error event's data (OpenAI and Anthropic both carry one), or null. */
function errorType(data: string): string | null {
  const e = findMember(data, 0, data.length, "error", CURSOR);
  if (e < 0) return null;
  const t = findMember(data, sliceStartOf(e), sliceEndOf(e), "type", CURSOR);
  return t < 0 ? null : sliceString(data, sliceStartOf(t), sliceEndOf(t));
}

export function onResponseHeaders(s: RequestState, endOfStream: bool): FilterHeadersStatus {
  if (s.live === null || s.answered || s.liveUp === null) return FilterHeadersStatus.Continue;
  const st = responseHeaders.get(":status");
  const status: u32 = st === null ? 502 : <u32>I32.parseInt(st);
  s.status = status;
  s.liveCluster = clusterName();
  const t = s.live!;
  const up = s.liveUp!;
  recordRequestResult(t.provider, t.key, status, s.liveCluster);

  if (status < 200 || status >= 300) {
    s.lastStatus = status;
    s.lastUp = up;
    // With a body to come, the answer replaces this response in place; StopAll keeps that body
    // here and delivers it to on_response_body after continue_stream. Without one (headers-only
    // failure) there is nothing to put the answer into: a local reply it is.
    s.replaceHeld = !endOfStream;
    if (startNextAttempt(s, status)) {
      s.mode = BodyMode.Drop;
      return s.replaceHeld ? FilterHeadersStatus.StopAllIterationAndWatermark : FilterHeadersStatus.StopIteration;
    }
    // The cache stands in for unavailable providers only (fallbackOnStatus), not for bad requests.
    if (s.cfg.routing.fallbackOnStatus.matches(status) && answerFromCache(s)) {
      return s.replaceHeld ? FilterHeadersStatus.Continue : FilterHeadersStatus.StopIteration;
    }
    // A non-JSON error body (Envoy's own local replies: 504 `upstream request timeout`, 503
    // `upstream connect error...`, `no healthy upstream`; an HTML page) becomes an error in the
    // client's protocol with the text as its message. Local replies pass through encoder filters.
    const plain = status >= 400 && !endOfStream && !isJsonType(responseHeaders.get("content-type"));
    if (up.converter !== null || plain) {
      let mapped = <i32>status;
      if (up.converter !== null) mapped = up.converter!.error(<i32>status, "").status;
      if (<u32>mapped != status) responseHeaders.replace(":status", mapped.toString());
      s.errorStatus = <u32>mapped;
      responseHeaders.remove("content-length");
      responseHeaders.replace("content-type", "application/json");
      s.mode = plain ? BodyMode.BufferPlainError : BodyMode.BufferError;
    }
    return FilterHeadersStatus.Continue;
  }

  const ct = responseHeaders.get("content-type");
  if (ct !== null && ct.includes("text/event-stream")) {
    const relay = new StreamRelay(clientProtocol(s.client.api), up.upstreamProtocol, up.converter, up.converted, up.opts);
    if (s.cacheable) relay.startCapture(s.cfg.cache.maxEntryBytes);
    const rm = reasoningModeOf(t.provider, up, s.client.api);
    relay.editReasoning(rm);
    s.relay = relay;
    if (up.converter !== null || rm != ReasoningMode.Passthrough) responseHeaders.remove("content-length");
    // Something left to try: hold the headers until the first event says the stream is good.
    if (s.cfg.headerHold && canStillFailOver(s)) {
      s.mode = BodyMode.HoldFirst;
      return FilterHeadersStatus.StopIteration;
    }
    s.mode = BodyMode.Stream;
    return FilterHeadersStatus.Continue;
  }
  if (up.converter !== null) {
    responseHeaders.remove("content-length");
    responseHeaders.replace("content-type", "application/json");
    s.mode = BodyMode.BufferConvert;
  } else if (reasoningModeOf(t.provider, up, s.client.api) != ReasoningMode.Passthrough) {
    // Buffered whole to edit reasoning_content (BufferCache also stores it when cacheable).
    responseHeaders.remove("content-length");
    s.mode = BodyMode.BufferCache;
  } else if (s.cacheable) s.mode = BodyMode.BufferCache;
  return FilterHeadersStatus.Continue;
}

export function onResponseBody(s: RequestState, size: u32, endOfStream: bool): FilterDataStatus {
  const mode = s.mode;
  if (mode == BodyMode.Pass) return FilterDataStatus.Continue;
  if (mode == BodyMode.Replace) {
    // The failed upstream's bytes go nowhere; the answer goes out with the last chunk.
    replaceBuffer(BufferType.HttpResponseBody, endOfStream ? s.replacement! : new ArrayBuffer(0));
    return FilterDataStatus.Continue;
  }
  if (mode == BodyMode.Drop && s.relay !== null && s.relay!.heldFailure) {
    // A stream that failed at its first event, headers held: its body stays in Envoy's buffer
    // until it ends and the retry / fallback answer replaces it (attempts.ts deliver, or here
    // when the answer came first).
    s.relay!.heldFailureEnded = endOfStream;
    if (s.answered && endOfStream) {
      replaceBuffer(BufferType.HttpResponseBody, s.replacement!);
      s.mode = BodyMode.Pass;
      return FilterDataStatus.Continue;
    }
    return FilterDataStatus.StopIterationAndBuffer;
  }
  if (mode == BodyMode.Drop || s.answered) return FilterDataStatus.StopIterationNoBuffer;
  if (mode == BodyMode.Stream) return relayChunk(s, getBuffer(BufferType.HttpResponseBody, 0, size), endOfStream);
  if (mode == BodyMode.HoldFirst) return holdFirst(s, size, endOfStream);
  if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
  const body = getBuffer(BufferType.HttpResponseBody, 0, size);
  const up = s.liveUp!;
  if (mode == BodyMode.BufferPlainError) {
    const text = String.UTF8.decode(body);
    const message = text.length > 0 ? text : "upstream returned HTTP " + s.status.toString();
    const e = clientErrorBody(clientProtocol(s.client.api), s.errorStatus, message);
    replaceBuffer(BufferType.HttpResponseBody, String.UTF8.encode(e));
    return FilterDataStatus.Continue;
  }
  if (mode == BodyMode.BufferError) {
    const r = up.converter!.error(<i32>s.status, String.UTF8.decode(body));
    replaceBuffer(BufferType.HttpResponseBody, String.UTF8.encode(r.body));
    return FilterDataStatus.Continue;
  }
  let out = body;
  if (mode == BodyMode.BufferConvert) {
    const r = up.converter!.response(String.UTF8.decode(body), up.converted!, up.opts);
    if (r.error !== null) {
      // Headers (200) are gone: the body carries the error in the client's protocol.
      log.warn("ai-proxy: provider '" + s.live!.provider.id + "' answered with an unexpected body: " + r.error!.message);
      const e = up.converter!.clientErrorBody(r.error!);
      replaceBuffer(BufferType.HttpResponseBody, String.UTF8.encode(e));
      return FilterDataStatus.Continue;
    }
    out = String.UTF8.encode(r.body);
    replaceBuffer(BufferType.HttpResponseBody, out);
  } else {
    const rm = reasoningModeOf(s.live!.provider, up, s.client.api);
    if (rm != ReasoningMode.Passthrough) {
      const edited = editReasoningBody(String.UTF8.decode(body), rm);
      if (edited !== null) {
        out = String.UTF8.encode(edited!);
        replaceBuffer(BufferType.HttpResponseBody, out);
      }
    }
  }
  if (s.cacheable) cacheStore(s.cfg.cache, s.cacheHash, s.status, false, "application/json", out);
  return FilterDataStatus.Continue;
}

/** One SSE chunk through the relay; at the end, whatever the client still needs. */
function relayChunk(s: RequestState, chunk: ArrayBuffer, endOfStream: bool): FilterDataStatus {
  const relay = s.relay!;
  const converted = relay.push(chunk);
  let out = converted === null ? chunk : converted!;
  let changed = converted !== null;
  if (endOfStream) {
    const tail = relay.finish();
    if (tail.byteLength > 0) {
      out = concat(out, tail);
      changed = true;
    }
    if (!relay.clean) log.warn("ai-proxy: stream from provider '" + s.live!.provider.id + "' did not finish cleanly");
    else if (s.cacheable) {
      const cap = relay.captureBytes();
      if (cap !== null) cacheStore(s.cfg.cache, s.cacheHash, s.status, true, "text/event-stream", cap);
    }
  }
  if (changed) replaceBuffer(BufferType.HttpResponseBody, out);
  return FilterDataStatus.Continue;
}

/** Headers held: wait for the first complete event. An error there is a failure that can still
 *  be retried; anything else releases the stream. */
function holdFirst(s: RequestState, size: u32, endOfStream: bool): FilterDataStatus {
  const all = getBuffer(BufferType.HttpResponseBody, 0, size);
  const p = new SseParser();
  p.push(all);
  let ev = p.next();
  if (ev === null && endOfStream) ev = p.finish();
  if (ev === null && !endOfStream) return FilterDataStatus.StopIterationAndBuffer;
  let failStatus: u32 = 0;
  if (ev === null) failStatus = 502; // a 200 with nothing in it
  else if (isErrorEvent(ev)) {
    const type = errorType(ev.data);
    failStatus = type === null ? 502 : <u32>statusForErrorType(type);
  }
  if (failStatus != 0) {
    const t = s.live!;
    recordRequestResult(t.provider, t.key, failStatus, s.liveCluster);
    s.lastStatus = failStatus;
    s.lastUp = s.liveUp;
    // The answer replaces this response in place, as for a failure status: the headers wait
    // (StopIteration) and the failed body is held in Envoy's buffer, which deliver() empties
    // or fills with the answer, so filters before ai-proxy see the answer.
    const relay = s.relay!;
    relay.heldFailure = true;
    relay.heldFailureEnded = endOfStream;
    s.replaceHeld = true;
    if (startNextAttempt(s, failStatus)) {
      s.mode = BodyMode.Drop;
      return FilterDataStatus.StopIterationAndBuffer;
    }
    // From the cache: ended, deliver() put the answer in this (current) buffer and Continue
    // releases the held headers with it; else it goes in at the last chunk (above).
    if (s.cfg.routing.fallbackOnStatus.matches(failStatus) && answerFromCache(s)) {
      return endOfStream ? FilterDataStatus.Continue : FilterDataStatus.StopIterationAndBuffer;
    }
    relay.heldFailure = false;
    s.replaceHeld = false;
  }
  s.mode = BodyMode.Stream;
  return relayChunk(s, all, endOfStream);
}

/** application/json, application/problem+json, ...; a missing content-type is not JSON. */
function isJsonType(ct: string | null): bool {
  return ct !== null && ct.toLowerCase().includes("json");
}

function answerFromCache(s: RequestState): bool {
  const e = s.cacheable ? cacheLookup(s.cfg.cache, s.cacheHash) : null;
  if (e === null) return false;
  s.mode = BodyMode.Drop;
  s.fromCache = true;
  setProperty(["ai_proxy_cache"], String.UTF8.encode("degraded")); // before outer filters log
  if (!s.replaceHeld) {
    s.answered = true;
    sendDegraded(e);
    return true;
  }
  logDegraded();
  deliver(s, e.status, "ai_proxy_degraded_cache", e.body, degradedHeaders(e), false);
  return true;
}

/** True when a failure now could still be answered by a retry or a fallback. */
function canStillFailOver(s: RequestState): bool {
  const p = s.current!.provider;
  if (p.retry.enabled && s.retries < p.retry.maxRetries && pickKey(p, s.triedKeys) >= 0) return true;
  return s.fallbackPos < s.cfg.routing.fallback.length || s.cacheable;
}

function concat(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  const out = new ArrayBuffer(a.byteLength + b.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(a), a.byteLength);
  memory.copy(changetype<usize>(out) + <usize>a.byteLength, changetype<usize>(b), b.byteLength);
  return out;
}

