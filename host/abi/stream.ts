// Stream control and context plumbing (cpp-host exports.cc): continue/close stream,
// send_local_response (forces the current callback's status to Stop), get_status (root context),
// set_effective_context, done, call_foreign_function.

import { STREAM_TYPE_MAX, WasmResult } from "../enums.ts";
import { callForeignFunction } from "../foreign.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const streamGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_continue_stream: sig(1),
    proxy_close_stream: sig(1),
    proxy_send_local_response: sig(8),
    proxy_get_status: sig(3),
    proxy_set_effective_context: sig(1),
    proxy_done: sig(0),
    proxy_call_foreign_function: sig(6),
  },
  make(vm) {
    return {
      proxy_continue_stream: guard((type: number) => {
        if (type >>> 0 > STREAM_TYPE_MAX) return WasmResult.BadArgument;
        return vm.effective().continueStream(type >>> 0);
      }),
      proxy_close_stream: guard((type: number) => {
        if (type >>> 0 > STREAM_TYPE_MAX) return WasmResult.BadArgument;
        return vm.effective().closeStream(type >>> 0);
      }),
      proxy_send_local_response: guard(
        (code: number, dp: number, ds: number, bp: number, bs: number, hp: number, hs: number, grpc: number) => {
          const ctx = vm.effective();
          const details = vm.mem.readLatin1(dp, ds);
          const body = vm.mem.readBytes(bp, bs);
          const headers = vm.mem.readPairs(hp, hs);
          const r = ctx.sendLocalResponse(code >>> 0, body, headers, grpc | 0, details);
          if (r === WasmResult.Ok) vm.stopNext = true;
          return r;
        },
      ),
      proxy_get_status: guard((codePtr: number, ptrPtr: number, sizePtr: number) => {
        const root = vm.effective().root;
        vm.mem.writeU32(codePtr, root.statusCode);
        vm.mem.returnLatin1(root.statusMessage, ptrPtr, sizePtr);
        return WasmResult.Ok;
      }),
      proxy_set_effective_context: guard((id: number) => {
        id >>>= 0;
        if (!vm.contexts.has(id)) return WasmResult.BadArgument;
        vm.effectiveId = id;
        return WasmResult.Ok;
      }),
      proxy_done: guard(() => {
        const root = vm.effective().root;
        if (!vm.pendingDone.delete(root)) return WasmResult.NotFound;
        return WasmResult.Ok;
      }),
      proxy_call_foreign_function: guard((np: number, ns: number, ap: number, as: number, rpp: number, rsp: number) => {
        const name = vm.mem.readLatin1(np, ns);
        const args = vm.mem.readBytes(ap, as);
        const r = callForeignFunction(vm.effective(), name, args);
        if (r.result === WasmResult.NotFound && r.value === undefined) return WasmResult.NotFound;
        let address = 0;
        const value = r.value ?? new Uint8Array(0);
        if (rpp >>> 0 !== 0 && value.length > 0) {
          address = vm.mem.alloc(value.length);
          vm.mem.u8.set(value, address);
        }
        if (rpp >>> 0 !== 0) vm.mem.writeU32(rpp, address);
        if (rsp >>> 0 !== 0) vm.mem.writeU32(rsp, value.length);
        return r.result;
      }),
    };
  },
};
