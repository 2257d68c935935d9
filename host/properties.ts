// proxy_get_property paths (Envoy Context::getProperty/findValue over the CEL attribute wrappers
// in source/extensions/filters/common/expr/context.cc).
//
// A path is segments joined by NUL ("request\0path"). Values are serialized as Envoy's
// serializeValue does: strings/bytes raw, int64/uint64 (timestamps and durations as int64 ns)
// 8-byte little-endian, bool 1 byte, maps as pairs. What Envoy answers NotFound for, this does too:
// - request.* header values read the filter's *current* request headers, which Envoy drops once
//   the headers phase continued (and brings back, read-only, in on_log);
// - xds.route_name with no route or a direct-response route; top-level route_name/cluster_name
//   (removed in Envoy 1.33);
// - anything about a stream from a root context.
// Unknown top-level names are looked up in the filter state as "wasm.<name>".
// Resolution is a plain switch per segment (this runs on every request of most plugins).

import { WasmResult } from "./enums.ts";
import type { HeaderMap } from "./http/header-map.ts";
import type { StreamInfo } from "./http/stream-info.ts";
import type { PluginInfo } from "./plugin-info.ts";
import { encodePairs } from "./memory.ts";
import type { HeaderPair } from "./contract.ts";

/** What a context exposes to property lookups. */
export interface PropertySource {
  info: StreamInfo | null;
  requestHeaders: HeaderMap | null;
  responseHeaders: HeaderMap | null;
  responseTrailers: HeaderMap | null;
  plugin: PluginInfo | null;
  rootId: string;
  vmId: string;
}

/** A value (bytes, or a byte string: one byte per char, written to the module as is) or a
 *  WasmResult error code. Strings stay strings so no Buffer is made per lookup. */
export type PropertyValue = Uint8Array | string;
type R = PropertyValue | WasmResult;

const NOT_FOUND = WasmResult.NotFound;
const EMPTY = new Uint8Array(0); // an empty string, or an empty protobuf message

const str = (v: string | undefined | null): R => (v == null ? NOT_FOUND : v);
const i64 = (v: number | bigint): Uint8Array => {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)));
  return b;
};

/** A header map as a CEL map: one entry per name, values joined with "," (getAllOfHeaderAsString). */
function headersMap(h: HeaderMap | null): Uint8Array {
  if (!h) return encodePairs([]);
  const seen = new Set<string>();
  const out: HeaderPair[] = [];
  for (const [k] of h.entries) {
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([k, h.getAll(k)!]);
  }
  return encodePairs(out);
}

/** headers[, name] */
function headers(h: HeaderMap | null, parts: string[], i: number): R {
  if (i === parts.length) return headersMap(h);
  if (i + 1 !== parts.length) return NOT_FOUND; // a string has no fields
  return str(h?.getAll(parts[i]));
}

/** A wrapper map itself (e.g. "request"): Envoy cannot list its keys. */
const WRAPPER = WasmResult.SerializationFailure;

function request(s: PropertySource, info: StreamInfo, parts: string[]): R {
  if (parts.length < 2) return WRAPPER;
  const h = s.requestHeaders;
  const key = parts[1];
  if (key === "headers") return headers(h, parts, 2);
  if (parts.length !== 2) return NOT_FOUND;
  switch (key) {
    case "path":
      return str(h?.get(":path"));
    case "url_path": {
      const p = h?.get(":path");
      if (p === undefined) return NOT_FOUND;
      const q = p.indexOf("?");
      return str(q < 0 ? p : p.slice(0, q));
    }
    case "host":
      return str(h?.get(":authority"));
    case "scheme":
      return str(h?.get(":scheme"));
    case "method":
      return str(h?.get(":method"));
    case "referer":
      return str(h?.get("referer"));
    case "useragent":
      return str(h?.get("user-agent"));
    case "id":
      return str(h?.get("x-request-id"));
    case "protocol":
      return str(info.protocol);
    case "time":
      return i64(info.startTimeNs);
    case "duration": {
      const d = info.requestDurationNs();
      return d === null ? NOT_FOUND : i64(d);
    }
    case "size": {
      const cl = h?.get("content-length");
      if (cl !== undefined) return /^\d+$/.test(cl) ? i64(BigInt(cl)) : NOT_FOUND;
      return i64(info.bytesReceived);
    }
    case "total_size":
      return i64(info.bytesReceived + (h ? h.byteSize() : 0));
    case "query": {
      if (!h) return NOT_FOUND;
      const p = h.get(":path") ?? "";
      const q = p.indexOf("?");
      if (q < 0) return EMPTY;
      const rest = p.slice(q + 1);
      const f = rest.indexOf("#");
      return str(f < 0 ? rest : rest.slice(0, f));
    }
  }
  return NOT_FOUND;
}

function response(s: PropertySource, info: StreamInfo, parts: string[]): R {
  if (parts.length < 2) return WRAPPER;
  const key = parts[1];
  if (key === "headers") return headers(s.responseHeaders, parts, 2);
  if (key === "trailers") return headers(s.responseTrailers, parts, 2);
  if (parts.length !== 2) return NOT_FOUND;
  switch (key) {
    case "code":
      return info.responseCode === null ? NOT_FOUND : i64(info.responseCode);
    case "code_details":
      return str(info.responseCodeDetails);
    case "flags":
      return i64(info.responseFlags);
    case "size":
      return i64(info.bytesSent);
    case "total_size": {
      const hb = s.responseHeaders ? s.responseHeaders.byteSize() : 0;
      const tb = s.responseTrailers ? s.responseTrailers.byteSize() : 0;
      return i64(info.bytesSent + hb + tb);
    }
    case "grpc_status": {
      const g = s.responseTrailers?.get("grpc-status") ?? s.responseHeaders?.get("grpc-status");
      return g !== undefined && /^\d+$/.test(g) ? i64(Number(g)) : NOT_FOUND;
    }
  }
  return NOT_FOUND;
}

function xds(info: StreamInfo | null, parts: string[]): R {
  if (parts.length === 1) return WRAPPER;
  if (parts.length !== 2) return NOT_FOUND;
  const route = info?.route && !info.route.route.directResponse ? info.route : null;
  switch (parts[1]) {
    case "node":
      return EMPTY;
    case "cluster_name":
      return str(info?.clusterName);
    case "cluster_metadata":
      return info?.clusterName ? EMPTY : NOT_FOUND;
    case "route_name":
      return str(route?.route.name);
    case "route_metadata":
    case "virtual_host_metadata":
      return route ? EMPTY : NOT_FOUND;
    case "virtual_host_name":
      return str(route?.vhost.name);
    case "filter_chain_name":
      return info ? EMPTY : NOT_FOUND;
  }
  return NOT_FOUND;
}

function peer(info: StreamInfo, local: boolean, parts: string[]): R {
  if (parts.length === 1) return WRAPPER;
  if (parts.length !== 2) return NOT_FOUND;
  const a = local ? info.downstreamLocal : info.downstreamRemote;
  if (parts[1] === "address") return str(a.address);
  if (parts[1] === "port") return i64(a.port);
  return NOT_FOUND;
}

function resolve(s: PropertySource, parts: string[]): R {
  const top = parts[0];
  const info = s.info;
  switch (top) {
    case "xds":
      return xds(info, parts);
    case "plugin_name":
      return parts.length === 1 && s.plugin ? str(s.plugin.name) : NOT_FOUND;
    case "plugin_root_id":
      return parts.length === 1 ? str(s.rootId) : NOT_FOUND;
    case "plugin_vm_id":
      return parts.length === 1 ? str(s.vmId) : NOT_FOUND;
  }
  if (!info) return NOT_FOUND;
  switch (top) {
    case "request":
      return request(s, info, parts);
    case "response":
      return response(s, info, parts);
    case "source":
      return peer(info, false, parts);
    case "destination":
      return peer(info, true, parts);
    case "connection":
      if (parts.length !== 2) return NOT_FOUND;
      if (parts[1] === "id") return i64(info.connectionId);
      if (parts[1] === "mtls") return new Uint8Array([0]);
      if (parts[1] === "requested_server_name") return EMPTY;
      return NOT_FOUND;
    case "upstream":
      return parts.length === 2 && parts[1] === "request_attempt_count" ? i64(info.upstreamStarted ? 1 : 0) : NOT_FOUND;
    case "metadata":
      return parts.length === 1 ? EMPTY : NOT_FOUND;
    case "connection_id":
      return parts.length === 1 ? i64(info.connectionId) : NOT_FOUND;
    case "filter_state": {
      if (parts.length !== 2) return NOT_FOUND;
      return info.filterState.get(parts[1]) ?? NOT_FOUND;
    }
  }
  if (parts.length !== 1) return NOT_FOUND; // filter state values are bytes: no fields
  return info.filterState.get("wasm." + top) ?? NOT_FOUND;
}

// Split paths by path text: plugins read the same few paths on every request. Bounded, as a
// module could send any number of distinct paths.
const PATHS_MAX = 256;
const splitPaths = new Map<string, string[]>();

function split(path: string): string[] {
  let parts = splitPaths.get(path);
  if (parts === undefined) {
    parts = path.split("\u0000");
    if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    if (splitPaths.size >= PATHS_MAX) splitPaths.clear();
    splitPaths.set(path, parts);
  }
  return parts;
}

export function getProperty(s: PropertySource, path: string): R {
  if (path.length === 0) return WasmResult.SerializationFailure;
  return resolve(s, split(path));
}
