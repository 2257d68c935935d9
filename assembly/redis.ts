// Higress-only Redis calls (proxy_redis_init / proxy_redis_call). Import this module only from a
// plugin's higress.ts: plain Envoy refuses a module that imports these host functions.
// The reply arrives on the root context (proxy_on_redis_call_response, abi/exports-higress.ts);
// like http calls, the SDK makes the calling stream the effective context before the handler.
import { proxy_redis_init, proxy_redis_call } from "./abi/imports-higress";
import { WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";
import { currentContextId, setEffectiveContext } from "./context";

export abstract class RedisCallHandler {
  /** status 0 = reply available (getBuffer(BufferType.RedisCallResponse, 0, responseSize), RESP);
   *  non-zero = Redis could not be reached. */
  abstract onResponse(status: u32, responseSize: u32): void;
}

class PendingRedisCall {
  constructor(public contextId: u32, public handler: RedisCallHandler) {}
}

const pending = new Map<u32, PendingRedisCall>();

/** Connects the cluster (e.g. "outbound|6379||redis.static?db=0"). Call from onConfigure. */
export function redisInit(cluster: string, username: string, password: string, timeoutMs: u32): WasmResult {
  const c = String.UTF8.encode(cluster);
  const u = String.UTF8.encode(username);
  const p = String.UTF8.encode(password);
  return <WasmResult>proxy_redis_init(changetype<usize>(c), <usize>c.byteLength, changetype<usize>(u), <usize>u.byteLength, changetype<usize>(p), <usize>p.byteLength, timeoutMs);
}

/** Sends one RESP-encoded command (EVAL/EVALSHA included). */
export function redisCall(cluster: string, query: ArrayBuffer, handler: RedisCallHandler): WasmResult {
  const c = String.UTF8.encode(cluster);
  store<u32>(RET_EXTRA, 0);
  const r = proxy_redis_call(changetype<usize>(c), <usize>c.byteLength, changetype<usize>(query), <usize>query.byteLength, RET_EXTRA);
  if (r != WasmResult.Ok) return <WasmResult>r;
  pending.set(load<u32>(RET_EXTRA), new PendingRedisCall(currentContextId(), handler));
  return WasmResult.Ok;
}

/** @internal */
export function dispatchRedisCallResponse(token: u32, status: u32, responseSize: u32): void {
  if (!pending.has(token)) return;
  const call = pending.get(token);
  pending.delete(token);
  if (!setEffectiveContext(call.contextId)) return; // caller destroyed: drop
  call.handler.onResponse(status, responseSize);
}
