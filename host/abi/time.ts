// proxy_get_current_time_nanoseconds (wall clock), proxy_set_tick_period_milliseconds (../ticks.ts).

import { WasmResult } from "../enums.ts";
import { setTickPeriod } from "../ticks.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const timeGroup: HostGroup = {
  module: "env",
  signatures: { proxy_get_current_time_nanoseconds: sig(1), proxy_set_tick_period_milliseconds: sig(1) },
  make(vm) {
    const clock = vm.clock;
    return {
      proxy_get_current_time_nanoseconds: guard((ptr: number) => {
        vm.mem.writeU64(ptr, clock.nowNanos());
        return WasmResult.Ok;
      }),
      proxy_set_tick_period_milliseconds: guard((period: number) => {
        setTickPeriod(vm.effective().root, period >>> 0);
        return WasmResult.Ok;
      }),
    };
  },
};
