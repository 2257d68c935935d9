// proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes (cpp-host exports.cc).
// Types past CallData (8) are BadArgument; Higress (0_2_100) adds RedisCallResponse (9).
// Reads clamp to the buffer; a start past the end or a zero length returns (0, 0) with Ok.

import { BUFFER_TYPE_MAX, WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const buffersGroup: HostGroup = {
  module: "env",
  signatures: { proxy_get_buffer_bytes: sig(5), proxy_get_buffer_status: sig(3), proxy_set_buffer_bytes: sig(5) },
  make(vm) {
    const maxType = vm.abi === "0_2_100" ? BUFFER_TYPE_MAX + 1 : BUFFER_TYPE_MAX;
    return {
      proxy_get_buffer_bytes: guard((type: number, start: number, length: number, ptrPtr: number, sizePtr: number) => {
        if (type >>> 0 > maxType) return WasmResult.BadArgument;
        const buf = vm.effective().getBuffer(type);
        if (!buf) return WasmResult.NotFound;
        start >>>= 0;
        length >>>= 0;
        const size = buf.length;
        if (start > size) length = 0;
        else if (start + length > size) length = size - start;
        const mem = vm.mem;
        if (length === 0) {
          mem.writeU32(ptrPtr, 0);
          mem.writeU32(sizePtr, 0);
          return WasmResult.Ok;
        }
        const p = mem.alloc(length); // may grow memory: use mem.u8 only after this
        buf.copyOut(start, length, mem.u8, p);
        mem.writeU32(ptrPtr, p);
        mem.writeU32(sizePtr, length);
        return WasmResult.Ok;
      }),
      proxy_get_buffer_status: guard((type: number, lengthPtr: number, flagsPtr: number) => {
        if (type >>> 0 > maxType) return WasmResult.BadArgument;
        const buf = vm.effective().getBuffer(type);
        if (!buf) return WasmResult.NotFound;
        vm.mem.writeU32(lengthPtr, buf.length);
        vm.mem.writeU32(flagsPtr, 0);
        return WasmResult.Ok;
      }),
      proxy_set_buffer_bytes: guard((type: number, start: number, length: number, dataPtr: number, dataSize: number) => {
        if (type >>> 0 > maxType) return WasmResult.BadArgument;
        const buf = vm.effective().getBuffer(type);
        if (!buf) return WasmResult.NotFound;
        const data = vm.mem.readBytes(dataPtr, dataSize);
        return buf.copyFrom(start >>> 0, length >>> 0, data);
      }),
    };
  },
};
