// proxy_get_shared_data / proxy_set_shared_data (cpp-host exports.cc; store in ../shared-data.ts).
// Keys are scoped by the VM's vm_id.

import { WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const sharedDataGroup: HostGroup = {
  module: "env",
  signatures: { proxy_get_shared_data: sig(5), proxy_set_shared_data: sig(5) },
  make(vm) {
    const data = vm.env.shared.data;
    return {
      proxy_get_shared_data: guard((kp: number, ks: number, ptrPtr: number, sizePtr: number, casPtr: number) => {
        const key = vm.mem.readLatin1(kp, ks);
        const v = data.get(vm.vmId, key);
        if (!v) return WasmResult.NotFound;
        vm.mem.returnBytes(v.value, ptrPtr, sizePtr);
        vm.mem.writeU32(casPtr, v.cas);
        return WasmResult.Ok;
      }),
      proxy_set_shared_data: guard((kp: number, ks: number, vp: number, vs: number, cas: number) => {
        const key = vm.mem.readLatin1(kp, ks);
        const value = vm.mem.readBytes(vp, vs);
        return data.set(vm.vmId, key, value, cas >>> 0);
      }),
    };
  },
};
