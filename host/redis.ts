// Higress's Redis ABI (ABI 0_2_100 only): proxy_redis_init / proxy_redis_call, answered by
// proxy_on_redis_call_response(root_id, token, status, response_size) on the root context, with
// the RESP reply readable as buffer type 9 during that callback.
// init answers at once (Higress creates the client synchronously); the connector's verdict is
// kept, and calls wait for it: a failed init makes every call report that status.

import { WasmResult } from "./enums.ts";
import type { RootContext } from "./context.ts";
import type { WasmVm } from "./vm.ts";

const EMPTY = new Uint8Array(0);

/** Per VM: the init result of each cluster name. */
const inits = new WeakMap<WasmVm, Map<string, Promise<number>>>();

export function redisInit(vm: WasmVm, cluster: string, username: string, password: string, timeoutMs: number): WasmResult {
  const redis = vm.env.services.redis;
  if (!redis) return WasmResult.BadArgument;
  let m = inits.get(vm);
  if (!m) inits.set(vm, (m = new Map()));
  const p = redis.init(cluster, username, password, timeoutMs).catch(() => WasmResult.InternalFailure);
  m.set(cluster, p);
  return WasmResult.Ok;
}

export function redisCall(root: RootContext, cluster: string, query: Uint8Array): { result: WasmResult; token: number } {
  const vm = root.vm;
  const redis = vm.env.services.redis;
  const init = inits.get(vm)?.get(cluster);
  if (!redis || !init) return { result: WasmResult.BadArgument, token: 0 };
  const token = vm.nextRedisCallId++;
  let cancelled = false;
  root.pending.set(-token, { cancel: () => (cancelled = true) });
  const deliver = (status: number, reply: Uint8Array): void => {
    vm.env.dispatcher.event(() => {
      if (cancelled || !root.pending.delete(-token)) return;
      root.redisResponse = reply;
      try {
        vm.call(root, vm.exports.proxy_on_redis_call_response, root.id, token, status, reply.length);
      } finally {
        root.redisResponse = null;
      }
    });
  };
  init
    .then((status) => (status !== 0 ? { status, reply: EMPTY } : redis.call(cluster, query)))
    .then(
      (r) => deliver(r.status, r.reply),
      () => deliver(WasmResult.InternalFailure, EMPTY),
    );
  return { result: WasmResult.Ok, token };
}
