// Wall clock and the root context's tick timer.
import { proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds } from "./abi/imports";
import { RET_EXTRA } from "./memory";
import { WasmResult } from "./enums";

/** Wall clock, nanoseconds since the Unix epoch (the host's, never Date.now). */
export function nowNanos(): u64 {
  store<u64>(RET_EXTRA, 0);
  proxy_get_current_time_nanoseconds(RET_EXTRA);
  return load<u64>(RET_EXTRA);
}

/** Wall clock in milliseconds since the Unix epoch. */
export function nowMillis(): u64 {
  return nowNanos() / 1_000_000;
}

/** Arms the calling root context's timer: onTick every `ms` (0 disables). The first tick comes
 *  one period after this call. Call it from a RootContext callback (onConfigure / onVmStart). */
export function setTickPeriodMs(ms: u32): WasmResult {
  return <WasmResult>proxy_set_tick_period_milliseconds(ms);
}
