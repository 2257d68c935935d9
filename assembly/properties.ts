// Host properties: a path is its segments joined by NUL ("request\0path"). Values are raw bytes:
// strings as is, integers as 8-byte little-endian, bools 1 byte.
import { proxy_get_property, proxy_set_property } from "./abi/imports";
import { WasmResult } from "./enums";
import { RET_PTR, RET_SIZE, clearReturnSlots, takeReturnedBytes } from "./memory";

function encodePath(path: string[]): ArrayBuffer {
  return String.UTF8.encode(path.join("\0"));
}

/** Raw value, or null when the property is missing (NotFound) or unreadable. */
export function getProperty(path: string[]): ArrayBuffer | null {
  const p = encodePath(path);
  clearReturnSlots();
  const r = proxy_get_property(changetype<usize>(p), <usize>p.byteLength, RET_PTR, RET_SIZE);
  if (r != WasmResult.Ok) return null;
  return takeReturnedBytes();
}

/** Value decoded as UTF-8, or null when missing. */
export function getPropertyString(path: string[]): string | null {
  const v = getProperty(path);
  return v === null ? null : String.UTF8.decode(v);
}

/** Value as a little-endian integer (8 bytes: int/uint properties such as response.code). */
export function getPropertyInt(path: string[]): i64 {
  const v = getProperty(path);
  if (v === null || v.byteLength < 8) return -1;
  return load<i64>(changetype<usize>(v));
}

/** Stores into Envoy's filter state under `wasm.<path>` (readable from the access log as
 *  %FILTER_STATE(wasm.<path>:PLAIN)%). */
export function setProperty(path: string[], value: ArrayBuffer): WasmResult {
  const p = encodePath(path);
  return <WasmResult>proxy_set_property(changetype<usize>(p), <usize>p.byteLength, changetype<usize>(value), <usize>value.byteLength);
}

/** First property present of `primary` then `fallback` (Envoy 1.33 removed the top-level names). */
function firstString(primary: string[], fallback: string[]): string {
  let v = getPropertyString(primary);
  if (v === null) v = getPropertyString(fallback);
  return v === null ? "" : v;
}

/** Route name: xds.route_name, then route_name (older Envoy, Higress). "" when unnamed or none. */
export function routeName(): string {
  return firstString(["xds", "route_name"], ["route_name"]);
}

/** Upstream cluster name: xds.cluster_name, then cluster_name. "" when none. */
export function clusterName(): string {
  return firstString(["xds", "cluster_name"], ["cluster_name"]);
}

/** plugin_root_id of the current plugin ("" when unavailable). */
export function pluginRootId(): string {
  const v = getPropertyString(["plugin_root_id"]);
  return v === null ? "" : v;
}
