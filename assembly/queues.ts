// Shared queues: registering a name reuses an existing queue; enqueue triggers onQueueReady on
// the root context that registered it; dequeue of an empty queue is Empty.
import {
  proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_enqueue_shared_queue, proxy_dequeue_shared_queue,
} from "./abi/imports";
import { WasmResult } from "./enums";
import { RET_PTR, RET_SIZE, RET_EXTRA, expectBuffer, takeReturnedBytes, releaseReturned } from "./memory";

/** Registers (or reuses) queue `name` for the calling root context; returns its token, 0 on error. */
export function registerQueue(name: string): u32 {
  const n = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  if (proxy_register_shared_queue(changetype<usize>(n), <usize>n.byteLength, RET_EXTRA) != WasmResult.Ok) return 0;
  return load<u32>(RET_EXTRA);
}

/** Token of queue `name` registered under vm_id `vmId`; 0 when not found. */
export function resolveQueue(vmId: string, name: string): u32 {
  const v = String.UTF8.encode(vmId);
  const n = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  if (proxy_resolve_shared_queue(changetype<usize>(v), <usize>v.byteLength, changetype<usize>(n), <usize>n.byteLength, RET_EXTRA) != WasmResult.Ok) return 0;
  return load<u32>(RET_EXTRA);
}

export function enqueue(token: u32, data: ArrayBuffer): WasmResult {
  return <WasmResult>proxy_enqueue_shared_queue(token, changetype<usize>(data), <usize>data.byteLength);
}

/** Next item, or null when empty (or unknown token). */
export function dequeue(token: u32): ArrayBuffer | null {
  expectBuffer(); // the item arrives in the ArrayBuffer returned (no copy)
  if (proxy_dequeue_shared_queue(token, RET_PTR, RET_SIZE) != WasmResult.Ok) {
    releaseReturned(0);
    return null;
  }
  return takeReturnedBytes();
}
