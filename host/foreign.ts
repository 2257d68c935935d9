// Foreign functions (proxy_call_foreign_function) Envoy registers that make sense here:
// clear_route_cache (Envoy >= 1.33), compress / uncompress (zlib, like Envoy's). Others: NotFound.

import { deflateSync, inflateSync } from "node:zlib";
import { WasmResult } from "./enums.ts";
import type { Context } from "./context.ts";

export function callForeignFunction(ctx: Context, name: string, args: Uint8Array): { result: WasmResult; value?: Uint8Array } {
  switch (name) {
    case "clear_route_cache":
      ctx.clearRouteCache();
      return { result: WasmResult.Ok, value: new Uint8Array(0) };
    case "compress":
      return { result: WasmResult.Ok, value: deflateSync(args) };
    case "uncompress":
      try {
        return { result: WasmResult.Ok, value: inflateSync(args) };
      } catch {
        return { result: WasmResult.SerializationFailure, value: new Uint8Array(0) };
      }
    default:
      return { result: WasmResult.NotFound };
  }
}
