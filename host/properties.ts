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

type Value =
  | { k: "bytes"; v: Uint8Array }
  | { k: "str"; v: string }
  | { k: "i64"; v: bigint }
  | { k: "u64"; v: bigint }
  | { k: "bool"; v: boolean }
  | { k: "map"; get(key: string): Value | undefined; pairs(): [string, Value][] };

const str = (v: string | undefined | null): Value | undefined => (v == null ? undefined : { k: "str", v });
const i64 = (v: number | bigint): Value => ({ k: "i64", v: BigInt(v) });
const u64 = (v: number | bigint): Value => ({ k: "u64", v: BigInt(v) });
const EMPTY_MSG: Value = { k: "bytes", v: new Uint8Array(0) }; // an empty protobuf message

function headersValue(h: HeaderMap | null): Value {
  return {
    k: "map",
    get: (key) => str(h?.getAll(key)),
    pairs: () => {
      if (!h) return [];
      const seen = new Set<string>();
      const out: [string, Value][] = [];
      for (const [k] of h.entries) {
        if (seen.has(k)) continue;
        seen.add(k);
        out.push([k, { k: "str", v: h.getAll(k)! }]);
      }
      return out;
    },
  };
}

function mapOf(fields: Record<string, () => Value | undefined>): Value {
  return {
    k: "map",
    get: (key) => (Object.hasOwn(fields, key) ? fields[key]() : undefined),
    pairs: () => [], // Envoy's wrapper maps do not list their keys
  };
}

function pathOf(h: HeaderMap | null): string | undefined {
  return h?.get(":path");
}

function requestValue(s: PropertySource, info: StreamInfo): Value {
  const h = s.requestHeaders;
  return mapOf({
    headers: () => headersValue(h),
    time: () => i64(info.startTimeNs),
    size: () => {
      const cl = h?.get("content-length");
      if (cl !== undefined) return /^\d+$/.test(cl) ? i64(BigInt(cl)) : undefined;
      return i64(info.bytesReceived);
    },
    total_size: () => i64(info.bytesReceived + (h ? h.byteSize() : 0)),
    duration: () => {
      const d = info.requestDurationNs();
      return d === null ? undefined : i64(d);
    },
    protocol: () => str(info.protocol),
    path: () => str(pathOf(h)),
    url_path: () => {
      const p = pathOf(h);
      if (p === undefined) return undefined;
      const q = p.indexOf("?");
      return str(q < 0 ? p : p.slice(0, q));
    },
    host: () => str(h?.get(":authority")),
    scheme: () => str(h?.get(":scheme")),
    method: () => str(h?.get(":method")),
    referer: () => str(h?.get("referer")),
    id: () => str(h?.get("x-request-id")),
    useragent: () => str(h?.get("user-agent")),
    query: () => {
      if (!h) return undefined;
      const p = h.get(":path") ?? "";
      const q = p.indexOf("?");
      if (q < 0) return str("");
      const rest = p.slice(q + 1);
      const f = rest.indexOf("#");
      return str(f < 0 ? rest : rest.slice(0, f));
    },
  });
}

function responseValue(s: PropertySource, info: StreamInfo): Value {
  return mapOf({
    code: () => (info.responseCode === null ? undefined : i64(info.responseCode)),
    size: () => i64(info.bytesSent),
    headers: () => headersValue(s.responseHeaders),
    trailers: () => headersValue(s.responseTrailers),
    flags: () => i64(info.responseFlags),
    grpc_status: () => {
      const g = s.responseTrailers?.get("grpc-status") ?? s.responseHeaders?.get("grpc-status");
      return g !== undefined && /^\d+$/.test(g) ? i64(Number(g)) : undefined;
    },
    total_size: () =>
      i64(info.bytesSent + (s.responseHeaders ? s.responseHeaders.byteSize() : 0) + (s.responseTrailers ? s.responseTrailers.byteSize() : 0)),
    code_details: () => str(info.responseCodeDetails),
  });
}

function peerValue(info: StreamInfo, local: boolean): Value {
  const a = local ? info.downstreamLocal : info.downstreamRemote;
  return mapOf({ address: () => str(a.address), port: () => i64(a.port) });
}

function xdsValue(info: StreamInfo | null): Value {
  const route = () => (info?.route && !info.route.route.directResponse ? info.route : null);
  return mapOf({
    node: () => EMPTY_MSG,
    cluster_name: () => str(info?.clusterName),
    cluster_metadata: () => (info?.clusterName ? EMPTY_MSG : undefined),
    route_name: () => str(route()?.route.name),
    route_metadata: () => (route() ? EMPTY_MSG : undefined),
    virtual_host_name: () => str(route()?.vhost.name),
    virtual_host_metadata: () => (route() ? EMPTY_MSG : undefined),
    filter_chain_name: () => (info ? str("") : undefined),
  });
}

function filterStateValue(info: StreamInfo): Value {
  return {
    k: "map",
    get: (key) => {
      const v = info.filterState.get(key);
      return v ? { k: "bytes", v } : undefined;
    },
    pairs: () => [],
  };
}

function topLevel(s: PropertySource, name: string): Value | undefined {
  const info = s.info;
  switch (name) {
    case "xds":
      return xdsValue(info);
    case "plugin_name":
      return s.plugin ? str(s.plugin.name) : undefined;
    case "plugin_root_id":
      return str(s.rootId);
    case "plugin_vm_id":
      return str(s.vmId);
  }
  if (!info) return undefined;
  switch (name) {
    case "request":
      return requestValue(s, info);
    case "response":
      return responseValue(s, info);
    case "connection":
      return mapOf({
        mtls: () => ({ k: "bool", v: false }),
        requested_server_name: () => str(""),
        id: () => u64(info.connectionId),
      });
    case "upstream":
      return mapOf({
        request_attempt_count: () => u64(info.upstreamStarted ? 1 : 0),
      });
    case "source":
      return peerValue(info, false);
    case "destination":
      return peerValue(info, true);
    case "metadata":
      return EMPTY_MSG;
    case "filter_state":
      return filterStateValue(info);
    case "connection_id":
      return u64(info.connectionId);
  }
  const state = info.filterState.get("wasm." + name);
  return state ? { k: "bytes", v: state } : undefined;
}

const latin1 = (s: string): Uint8Array => Buffer.from(s, "latin1");

function serialize(v: Value): Uint8Array | null {
  switch (v.k) {
    case "bytes":
      return v.v;
    case "str":
      return latin1(v.v);
    case "i64":
    case "u64": {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, v.v));
      return b;
    }
    case "bool":
      return new Uint8Array([v.v ? 1 : 0]);
    case "map": {
      const pairs: HeaderPair[] = [];
      for (const [k, x] of v.pairs()) {
        const sv = serialize(x);
        if (!sv) return null;
        pairs.push([k, Buffer.from(sv).toString("latin1")]);
      }
      return encodePairs(pairs);
    }
  }
}

export function getProperty(s: PropertySource, path: string): { result: WasmResult; value?: Uint8Array } {
  const parts = path.split("\u0000");
  if (path.endsWith("\u0000")) parts.pop();
  if (path.length === 0) return { result: WasmResult.SerializationFailure };
  let value = topLevel(s, parts[0]);
  if (!value) return { result: WasmResult.NotFound };
  for (let i = 1; i < parts.length; i++) {
    if (value.k !== "map") return { result: WasmResult.NotFound };
    const next: Value | undefined = value.get(parts[i]);
    if (!next) return { result: WasmResult.NotFound };
    value = next;
  }
  const out = serialize(value);
  if (!out) return { result: WasmResult.SerializationFailure };
  return { result: WasmResult.Ok, value: out };
}
