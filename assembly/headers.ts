// Header maps of the current stream (or of the current http-call response).
// Envoy lower-cases keys; get() gives the first value only; remove() of a missing key is Ok;
// replace() sets or adds. Changing request headers in the request-headers phase clears Envoy's
// route cache (ABI 0.2.1), so a header set here can select the route.
import {
  proxy_get_header_map_pairs, proxy_set_header_map_pairs, proxy_get_header_map_value,
  proxy_add_header_map_value, proxy_replace_header_map_value, proxy_remove_header_map_value,
  proxy_get_header_map_size,
} from "./abi/imports";
import { MapType, WasmResult } from "./enums";
import {
  RET_PTR, RET_SIZE, RET_EXTRA, clearReturnSlots, takeReturnedString, releaseReturned,
  textBlock, releaseText, textLen1, textLen2,
} from "./memory";
import { HeaderPair, encodePairs, decodePairsAt } from "./pairs";

export class HeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** First value of `name`, or null when absent (or when the map is not available now). */
  get(name: string): string | null {
    // Name encoded into the SDK's scratch area and the value decoded straight from the host's
    // block: the returned string is the only allocation.
    const key = textBlock(name);
    clearReturnSlots();
    const r = proxy_get_header_map_value(<u32>this.mapType, key, textLen1, RET_PTR, RET_SIZE);
    releaseText(key);
    if (r != WasmResult.Ok) return null;
    return takeReturnedString();
  }

  /** True when `name` is present. */
  has(name: string): bool {
    return this.get(name) !== null;
  }

  add(name: string, value: string): WasmResult {
    const p = textBlock(name, value);
    const r = proxy_add_header_map_value(<u32>this.mapType, p, textLen1, p + textLen1, textLen2);
    releaseText(p);
    return <WasmResult>r;
  }

  replace(name: string, value: string): WasmResult {
    const p = textBlock(name, value);
    const r = proxy_replace_header_map_value(<u32>this.mapType, p, textLen1, p + textLen1, textLen2);
    releaseText(p);
    return <WasmResult>r;
  }

  remove(name: string): WasmResult {
    const p = textBlock(name);
    const r = proxy_remove_header_map_value(<u32>this.mapType, p, textLen1);
    releaseText(p);
    return <WasmResult>r;
  }

  /** All pairs in wire order; empty when the map is empty or not available now. */
  pairs(): HeaderPair[] {
    clearReturnSlots();
    const r = proxy_get_header_map_pairs(<u32>this.mapType, RET_PTR, RET_SIZE);
    if (r != WasmResult.Ok) return new Array<HeaderPair>();
    // Decoded straight from the host's block, which is then freed.
    const ptr = <usize>load<u32>(RET_PTR);
    const decoded = decodePairsAt(ptr, <usize>load<u32>(RET_SIZE));
    releaseReturned(ptr);
    return decoded === null ? new Array<HeaderPair>() : decoded;
  }

  /** Replaces the whole map (the host removes every header, then adds each pair). */
  setPairs(pairs: HeaderPair[]): WasmResult {
    const buf = encodePairs(pairs);
    return <WasmResult>proxy_set_header_map_pairs(<u32>this.mapType, changetype<usize>(buf), <usize>buf.byteLength);
  }

  /** Serialized byte size of the map as Envoy reports it (not the number of headers). */
  byteSize(): u32 {
    store<u32>(RET_EXTRA, 0);
    if (proxy_get_header_map_size(<u32>this.mapType, RET_EXTRA) != WasmResult.Ok) return 0;
    return load<u32>(RET_EXTRA);
  }
}

export const requestHeaders = new HeaderMap(MapType.RequestHeaders);
export const requestTrailers = new HeaderMap(MapType.RequestTrailers);
export const responseHeaders = new HeaderMap(MapType.ResponseHeaders);
export const responseTrailers = new HeaderMap(MapType.ResponseTrailers);
export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);
