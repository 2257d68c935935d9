// Shared queues (cpp-host exports.cc and ContextBase::registerSharedQueue et al.).
// Registering from a stream context registers its root context (on_queue_ready goes to roots).
// The notification is posted to the registering VM's worker and finds the context at delivery
// time, in whatever VM currently serves that slot.

import { WasmResult } from "../enums.ts";
import { RootContext } from "../context.ts";
import { guard, sig, type HostGroup } from "./guard.ts";
import type { WasmVm } from "../vm.ts";

export function deliverQueueReady(vm: WasmVm, contextId: number, token: number): void {
  const ctx = vm.contexts.get(contextId);
  if (!(ctx instanceof RootContext) || vm.failed) return;
  vm.call(ctx, vm.exports.proxy_on_queue_ready, ctx.id, token);
}

export const queueGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_register_shared_queue: sig(3),
    proxy_resolve_shared_queue: sig(5),
    proxy_enqueue_shared_queue: sig(3),
    proxy_dequeue_shared_queue: sig(3),
  },
  make(vm) {
    const queues = vm.env.shared.queues;
    return {
      proxy_register_shared_queue: guard((np: number, ns: number, tokenPtr: number) => {
        const name = vm.mem.readLatin1(np, ns);
        const ctx = vm.effective();
        const rootId = ctx.root.id;
        const slot = vm.slot;
        const dispatcher = vm.env.dispatcher;
        const token = queues.register(vm.vmId, name, (t) => {
          setImmediate(() => dispatcher.event(() => deliverQueueReady(slot.current, rootId, t)));
        });
        vm.mem.writeU32(tokenPtr, token);
        return WasmResult.Ok;
      }),
      proxy_resolve_shared_queue: guard((vp: number, vs: number, np: number, ns: number, tokenPtr: number) => {
        const vmId = vm.mem.readLatin1(vp, vs);
        const name = vm.mem.readLatin1(np, ns);
        const token = queues.resolve(vmId === "" ? vm.vmId : vmId, name);
        if (vm.failed || token === 0) return WasmResult.NotFound;
        vm.mem.writeU32(tokenPtr, token);
        return WasmResult.Ok;
      }),
      proxy_enqueue_shared_queue: guard((token: number, dp: number, ds: number) => {
        const data = vm.mem.readBytes(dp, ds);
        return queues.enqueue(token >>> 0, data);
      }),
      proxy_dequeue_shared_queue: guard((token: number, ptrPtr: number, sizePtr: number) => {
        const r = queues.dequeue(token >>> 0);
        if (r.result !== WasmResult.Ok) return r.result;
        vm.mem.returnBytes(r.value!, ptrPtr, sizePtr);
        return WasmResult.Ok;
      }),
    };
  },
};
