// Callbacks only Higress calls. scripts/build.mjs adds this file to Higress builds only, so a plain
// Envoy build neither exports nor needs them.
import { dispatchRedisCallResponse } from "../redis";
import { setCurrentContextId } from "../context";

/** Reply to proxy_redis_call (status 0 = Ok; the RESP reply is buffer 9, RedisCallResponse). */
export function proxy_on_redis_call_response(rootId: u32, token: u32, status: u32, responseSize: u32): void {
  setCurrentContextId(rootId);
  dispatchRedisCallResponse(token, status, responseSize);
}
