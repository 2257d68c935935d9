// Host extensions reached by name (proxy_call_foreign_function), and proxy_done for a root
// context whose onDone returned false. Envoy's foreign functions include e.g. `clear_route_cache`
// (Envoy >= 1.33, for modules above ABI 0.2.1; 0.2.1 modules get the cache cleared automatically).
import { proxy_call_foreign_function, proxy_done } from "./abi/imports";
import { WasmResult } from "./enums";
import { RET_PTR, RET_SIZE, clearReturnSlots, takeReturnedBytes } from "./memory";

export class ForeignResult {
  constructor(public result: WasmResult, public value: ArrayBuffer) {}
}

/** Calls host function `name` with raw `argument` bytes; NotFound when the host lacks it. */
export function callForeignFunction(name: string, argument: ArrayBuffer): ForeignResult {
  const n = String.UTF8.encode(name);
  clearReturnSlots();
  const r = <WasmResult>proxy_call_foreign_function(changetype<usize>(n), <usize>n.byteLength, changetype<usize>(argument), <usize>argument.byteLength, RET_PTR, RET_SIZE);
  return new ForeignResult(r, r == WasmResult.Ok ? takeReturnedBytes() : new ArrayBuffer(0));
}

/** Tells the host a root context that returned false from onDone has finished. */
export function done(): WasmResult {
  return <WasmResult>proxy_done();
}
