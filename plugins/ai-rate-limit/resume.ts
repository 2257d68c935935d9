// Acting on a held stream from a root callback (on_tick, on_queue_ready): the host must be told
// which stream later calls (continue_stream, send_local_response) are for.
// The SDK does this internally for http-call and Redis responses but does not export it yet;
// this wraps the same two steps (proxy_set_effective_context + the SDK's current context id).
import { proxy_set_effective_context } from "../../assembly/abi/imports";
import { setCurrentContextId, streams } from "../../assembly/context";

/** Makes stream `id` the effective context; false when it no longer exists. */
export function enterStream(id: u32): bool {
  if (!streams.has(id)) return false;
  if (proxy_set_effective_context(id) != 0) return false;
  setCurrentContextId(id);
  return true;
}

/** Back to the root context after enterStream. */
export function leaveStream(rootId: u32): void {
  proxy_set_effective_context(rootId);
  setCurrentContextId(rootId);
}
