// proxy_http_call with the response delivered to the stream that made the call.
// The host calls proxy_on_http_call_response on the ROOT context; the SDK remembers
// token -> (calling context, handler), makes the caller the effective context, then calls the
// handler. If the caller is gone the response is dropped (Envoy cancels such calls anyway).
import { proxy_http_call } from "./abi/imports";
import { WasmResult } from "./enums";
import { HeaderPair, encodePairs } from "./pairs";
import { RET_EXTRA } from "./memory";
import { currentContextId, setEffectiveContext } from "./context";

export abstract class HttpCallHandler {
  /** numHeaders 0 = the call failed or was reset (getStatus() then reports 11 BrokenConnection).
   *  Timeouts and connect failures arrive as normal responses (e.g. 504 from Envoy).
   *  Read the response with httpCallResponseHeaders and getBuffer(HttpCallResponseBody, ...). */
  abstract onResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void;
}

class PendingCall {
  constructor(public contextId: u32, public handler: HttpCallHandler) {}
}

const pending = new Map<u32, PendingCall>();

/** Calls `cluster` (an upstream cluster name). headers must hold :method, :path, :authority.
 *  timeoutMs 0 = no timeout. Returns Ok, or BadArgument (unknown cluster, missing pseudo-header). */
export function httpCall(cluster: string, headers: HeaderPair[], body: ArrayBuffer | null, timeoutMs: u32, handler: HttpCallHandler): WasmResult {
  const up = String.UTF8.encode(cluster);
  const h = encodePairs(headers);
  const t = encodePairs(new Array<HeaderPair>());
  const bodyPtr: usize = body === null ? 0 : changetype<usize>(body);
  const bodyLen: usize = body === null ? 0 : <usize>body.byteLength;
  store<u32>(RET_EXTRA, 0);
  const r = proxy_http_call(
    changetype<usize>(up), <usize>up.byteLength,
    changetype<usize>(h), <usize>h.byteLength,
    bodyPtr, bodyLen,
    changetype<usize>(t), <usize>t.byteLength,
    timeoutMs, RET_EXTRA,
  );
  if (r != WasmResult.Ok) return <WasmResult>r;
  pending.set(load<u32>(RET_EXTRA), new PendingCall(currentContextId(), handler));
  return WasmResult.Ok;
}

/** Number of calls waiting for a response (for tests and shutdown). */
export function pendingHttpCalls(): i32 {
  return pending.size;
}

/** @internal Routes a response to its caller. */
export function dispatchHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  if (!pending.has(token)) return;
  const call = pending.get(token);
  pending.delete(token);
  // Caller destroyed (unknown here, or refused by the host): drop the response.
  if (!setEffectiveContext(call.contextId)) return;
  call.handler.onResponse(numHeaders, bodySize, numTrailers);
}

/** @internal Forgets calls made by a context being deleted. */
export function dropHttpCallsOf(contextId: u32): void {
  if (pending.size == 0) return;
  const tokens = pending.keys();
  for (let i = 0; i < tokens.length; i++) {
    const t = unchecked(tokens[i]);
    if (pending.get(t).contextId == contextId) pending.delete(t);
  }
}
