// proxy_define_metric / increment / record / get (cpp-host exports.cc; ids in ../metrics.ts).
// increment takes an i64 offset, record an i64 carrying a uint64 (BigInt in JavaScript).

import { WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const metricsGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_define_metric: sig(4),
    proxy_increment_metric: "i32,i64->i32",
    proxy_record_metric: "i32,i64->i32",
    proxy_get_metric: sig(2),
  },
  make(vm) {
    const m = vm.metrics;
    return {
      proxy_define_metric: guard((type: number, np: number, ns: number, idPtr: number) => {
        const name = vm.mem.readUtf8(np, ns);
        const r = m.define(type >>> 0, name);
        if (r.result !== WasmResult.Ok) return r.result;
        vm.mem.writeU32(idPtr, r.id);
        return WasmResult.Ok;
      }),
      proxy_increment_metric: guard((id: number, offset: bigint) => m.increment(id >>> 0, BigInt.asIntN(64, offset))),
      proxy_record_metric: guard((id: number, value: bigint) => m.record(id >>> 0, BigInt.asUintN(64, value))),
      proxy_get_metric: guard((id: number, ptr: number) => {
        const r = m.get(id >>> 0);
        if (r.result !== WasmResult.Ok) return r.result;
        vm.mem.writeU64(ptr, r.value);
        return WasmResult.Ok;
      }),
    };
  },
};
