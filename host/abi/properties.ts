// proxy_get_property / proxy_set_property (cpp-host exports.cc; values in ../properties.ts).

import { getProperty } from "../properties.ts";
import { WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const propertiesGroup: HostGroup = {
  module: "env",
  signatures: { proxy_get_property: sig(4), proxy_set_property: sig(4) },
  make(vm) {
    return {
      proxy_get_property: guard((pathPtr: number, pathSize: number, ptrPtr: number, sizePtr: number) => {
        const ctx = vm.effective();
        const path = vm.mem.readLatin1(pathPtr, pathSize);
        const r = getProperty(ctx.propertySource(), path);
        if (typeof r === "number") return r;
        if (typeof r === "string") vm.mem.returnLatin1(r, ptrPtr, sizePtr);
        else vm.mem.returnBytes(r, ptrPtr, sizePtr);
        return WasmResult.Ok;
      }),
      proxy_set_property: guard((kp: number, ks: number, vp: number, vs: number) => {
        const ctx = vm.effective();
        const path = vm.mem.readLatin1(kp, ks);
        const value = vm.mem.readBytes(vp, vs);
        return ctx.setProperty(path, value);
      }),
    };
  },
};
