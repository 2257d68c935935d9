// Header map functions (cpp-host exports.cc, Envoy Context::get/add/replace/remove/...HeaderMap*).
// - a map not available in this callback: BadArgument (NotFound in on_log); a missing key: NotFound;
// - get_header_map_pairs of an unavailable map is Ok with an empty result (Envoy's headerMapToPairs);
// - get_header_map_size needs the mutable map and returns its byte size;
// - every change of the request headers tells the stream (route cache, see http/wasm-filter.ts).

import { MAP_TYPE_MAX, WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const headersGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_get_header_map_value: sig(5),
    proxy_add_header_map_value: sig(5),
    proxy_replace_header_map_value: sig(5),
    proxy_remove_header_map_value: sig(3),
    proxy_get_header_map_pairs: sig(3),
    proxy_set_header_map_pairs: sig(3),
    proxy_get_header_map_size: sig(2),
  },
  make(vm) {
    return {
      proxy_get_header_map_value: guard((type: number, kp: number, ks: number, ptrPtr: number, sizePtr: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const ctx = vm.effective();
        const key = vm.mem.readLatin1(kp, ks);
        const map = ctx.getConstMap(type);
        if (!map) return ctx.accessLogPhase ? WasmResult.NotFound : WasmResult.BadArgument;
        const v = map.get(key);
        if (v === undefined) return WasmResult.NotFound;
        vm.mem.returnLatin1(v, ptrPtr, sizePtr);
        return WasmResult.Ok;
      }),
      proxy_add_header_map_value: guard((type: number, kp: number, ks: number, vp: number, vs: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const ctx = vm.effective();
        const key = vm.mem.readLatin1(kp, ks);
        const value = vm.mem.readLatin1(vp, vs);
        const map = ctx.getMap(type);
        if (!map) return WasmResult.BadArgument;
        map.add(key, value);
        ctx.headersModified(type);
        return WasmResult.Ok;
      }),
      proxy_replace_header_map_value: guard((type: number, kp: number, ks: number, vp: number, vs: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const ctx = vm.effective();
        const key = vm.mem.readLatin1(kp, ks);
        const value = vm.mem.readLatin1(vp, vs);
        const map = ctx.getMap(type);
        if (!map) return WasmResult.BadArgument;
        map.set(key, value);
        ctx.headersModified(type);
        return WasmResult.Ok;
      }),
      proxy_remove_header_map_value: guard((type: number, kp: number, ks: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const ctx = vm.effective();
        const key = vm.mem.readLatin1(kp, ks);
        const map = ctx.getMap(type);
        if (!map) return WasmResult.BadArgument;
        map.remove(key);
        ctx.headersModified(type);
        return WasmResult.Ok;
      }),
      proxy_get_header_map_pairs: guard((type: number, ptrPtr: number, sizePtr: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const map = vm.effective().getConstMap(type);
        vm.mem.returnPairs(map ? map.entries : [], ptrPtr, sizePtr);
        return WasmResult.Ok;
      }),
      proxy_set_header_map_pairs: guard((type: number, ptr: number, size: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const ctx = vm.effective();
        const list = vm.mem.readPairs(ptr, size);
        const map = ctx.getMap(type);
        if (!map) return WasmResult.BadArgument;
        map.replaceAll(list);
        ctx.headersModified(type);
        return WasmResult.Ok;
      }),
      proxy_get_header_map_size: guard((type: number, ptr: number) => {
        if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
        const map = vm.effective().getMap(type);
        if (!map) return WasmResult.BadArgument;
        vm.mem.writeU32(ptr, map.byteSize());
        return WasmResult.Ok;
      }),
    };
  },
};
