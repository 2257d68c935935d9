// proxy_log, proxy_get_log_level (cpp-host exports.cc log/get_log_level, Envoy Context::log).
// Messages below the current level are not decoded (Envoy's ENVOY_LOG filters the same way).

import { WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

/** Envoy prints "wasm log <plugin name> <root id> <vm id>: <message>". */
export function logSource(prefix: string): string {
  return prefix ? `wasm log ${prefix}` : "wasm log";
}

export const logGroup: HostGroup = {
  module: "env",
  signatures: { proxy_log: sig(3), proxy_get_log_level: sig(1) },
  make(vm) {
    const logger = vm.env.services.logger;
    return {
      proxy_log: guard((level: number, ptr: number, size: number) => {
        level >>>= 0;
        if (level > 5) return WasmResult.BadArgument;
        const ctx = vm.effective();
        vm.mem.check(ptr, size);
        if (level < vm.logLevel()) return WasmResult.Ok;
        logger.log(level, logSource(ctx.logPrefix()), vm.mem.readUtf8(ptr, size));
        return WasmResult.Ok;
      }),
      proxy_get_log_level: guard((ptr: number) => {
        vm.mem.writeU32(ptr, vm.logLevel());
        return WasmResult.Ok;
      }),
    };
  },
};
