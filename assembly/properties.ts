// Host properties: a path is its segments joined by NUL ("request\0path"). Values are raw bytes:
// strings as is, integers as 8-byte little-endian, bools 1 byte.
// A PropertyPath made once (module level) holds the encoded path, so a per-request read costs
// the host call and the returned value only; the string[] forms encode into a scratch area.
import { proxy_get_property, proxy_set_property } from "./abi/imports";
import { WasmResult } from "./enums";
import {
  RET_PTR, RET_SIZE, clearReturnSlots, expectBuffer, takeReturnedBytes, takeReturnedString,
  takeReturnedI64, releaseReturned, pathBlock, releaseText, textLen1,
} from "./memory";

/** A property path encoded once: `const ROUTE = new PropertyPath(["xds", "route_name"])`. */
export class PropertyPath {
  readonly bytes: ArrayBuffer;
  constructor(segments: string[]) {
    this.bytes = String.UTF8.encode(segments.join("\0"));
  }
}

// Result of the last lookup: the host call, then one of the take* readers.
function lookup(p: usize, len: usize): bool {
  return proxy_get_property(p, len, RET_PTR, RET_SIZE) == WasmResult.Ok;
}

function lookupPath(path: string[]): bool {
  const p = pathBlock(path);
  const ok = lookup(p, textLen1);
  releaseText(p);
  return ok;
}

function lookupAt(path: PropertyPath): bool {
  return lookup(changetype<usize>(path.bytes), <usize>path.bytes.byteLength);
}

/** Raw value, or null when the property is missing (NotFound) or unreadable. */
export function getProperty(path: string[]): ArrayBuffer | null {
  expectBuffer();
  if (!lookupPath(path)) {
    releaseReturned(0);
    return null;
  }
  return takeReturnedBytes();
}

/** Value decoded as UTF-8, or null when missing. */
export function getPropertyString(path: string[]): string | null {
  clearReturnSlots();
  return lookupPath(path) ? takeReturnedString() : null;
}

/** Value as a little-endian integer (8 bytes: int/uint properties such as response.code); -1 when missing. */
export function getPropertyInt(path: string[]): i64 {
  clearReturnSlots();
  return lookupPath(path) ? takeReturnedI64() : -1;
}

/** getProperty with a pre-encoded path. */
export function getPropertyAt(path: PropertyPath): ArrayBuffer | null {
  expectBuffer();
  if (!lookupAt(path)) {
    releaseReturned(0);
    return null;
  }
  return takeReturnedBytes();
}

/** getPropertyString with a pre-encoded path. */
export function getPropertyStringAt(path: PropertyPath): string | null {
  clearReturnSlots();
  return lookupAt(path) ? takeReturnedString() : null;
}

/** getPropertyInt with a pre-encoded path. */
export function getPropertyIntAt(path: PropertyPath): i64 {
  clearReturnSlots();
  return lookupAt(path) ? takeReturnedI64() : -1;
}

/** Stores into Envoy's filter state under `wasm.<path>` (readable from the access log as
 *  %FILTER_STATE(wasm.<path>:PLAIN)%). */
export function setProperty(path: string[], value: ArrayBuffer): WasmResult {
  const p = pathBlock(path);
  const r = proxy_set_property(p, textLen1, changetype<usize>(value), <usize>value.byteLength);
  releaseText(p);
  return <WasmResult>r;
}

/** setProperty with a pre-encoded path. */
export function setPropertyAt(path: PropertyPath, value: ArrayBuffer): WasmResult {
  return <WasmResult>proxy_set_property(changetype<usize>(path.bytes), <usize>path.bytes.byteLength, changetype<usize>(value), <usize>value.byteLength);
}

// Made on first use (top-level code runs in the start section; lazy keeps it out of there).
let XDS_ROUTE_NAME: PropertyPath | null = null;
let ROUTE_NAME: PropertyPath | null = null;
let XDS_CLUSTER_NAME: PropertyPath | null = null;
let CLUSTER_NAME: PropertyPath | null = null;
let PLUGIN_ROOT_ID: PropertyPath | null = null;

/** First property present of `primary` then `fallback` (Envoy 1.33 removed the top-level names). */
function firstString(primary: PropertyPath, fallback: PropertyPath): string {
  let v = getPropertyStringAt(primary);
  if (v === null) v = getPropertyStringAt(fallback);
  return v === null ? "" : v;
}

/** Route name: xds.route_name, then route_name (older Envoy, Higress). "" when unnamed or none. */
export function routeName(): string {
  if (XDS_ROUTE_NAME === null) {
    XDS_ROUTE_NAME = new PropertyPath(["xds", "route_name"]);
    ROUTE_NAME = new PropertyPath(["route_name"]);
  }
  return firstString(XDS_ROUTE_NAME!, ROUTE_NAME!);
}

/** Upstream cluster name: xds.cluster_name, then cluster_name. "" when none. */
export function clusterName(): string {
  if (XDS_CLUSTER_NAME === null) {
    XDS_CLUSTER_NAME = new PropertyPath(["xds", "cluster_name"]);
    CLUSTER_NAME = new PropertyPath(["cluster_name"]);
  }
  return firstString(XDS_CLUSTER_NAME!, CLUSTER_NAME!);
}

/** plugin_root_id of the current plugin ("" when unavailable). */
export function pluginRootId(): string {
  if (PLUGIN_ROOT_ID === null) PLUGIN_ROOT_ID = new PropertyPath(["plugin_root_id"]);
  const v = getPropertyStringAt(PLUGIN_ROOT_ID!);
  return v === null ? "" : v;
}
