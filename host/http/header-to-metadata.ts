// envoy.filters.http.header_to_metadata, request side: request headers -> the stream's dynamic
// metadata (e.g. namespace "envoy.lb", which the router turns into subset load-balancing
// criteria). Follows source/extensions/filters/http/header_to_metadata/header_to_metadata_filter.cc:
// - the header's values joined with "," (getAllOfHeaderAsString); with `remove` the header is
//   removed whenever it is present, whichever action the rule has;
// - present: the rule's `value` if set, else the header's; an empty value writes nothing;
//   missing: the rule's `value` (config requires one);
// - STRING as is, NUMBER parsed as a double after trimming (not a number: nothing written);
//   values of 8 KiB or more (MAX_HEADER_VALUE_LEN) are dropped;
// - all rules first, then each namespace is merged into the stream's metadata once.
// Native filters do not clear the route cache, so removing a header does not re-route.

import type { HeaderToMetadataConfig, MetadataKeyValue } from "../contract.ts";
import type { HeaderMap } from "./header-map.ts";
import type { StreamInfo } from "./stream-info.ts";

export const DEFAULT_NAMESPACE = "envoy.filters.http.header_to_metadata";
const MAX_HEADER_VALUE_LEN = 8 * 1024;

export function applyHeaderToMetadata(cfg: HeaderToMetadataConfig, headers: HeaderMap, info: StreamInfo): void {
  let byNamespace: Map<string, Record<string, unknown>> | null = null;
  for (const rule of cfg.requestRules) {
    const value = headers.getAll(rule.header);
    if (value !== undefined && rule.remove) headers.remove(rule.header);
    const kv = value !== undefined ? rule.onPresent : rule.onMissing;
    if (!kv) continue;
    const v = typedValue(kv, kv.value !== "" ? kv.value : (value ?? ""));
    if (v === undefined) continue;
    const ns = kv.namespace !== "" ? kv.namespace : DEFAULT_NAMESPACE;
    if (byNamespace === null) byNamespace = new Map();
    let fields = byNamespace.get(ns);
    if (!fields) byNamespace.set(ns, (fields = {}));
    fields[kv.key] = v;
  }
  if (byNamespace !== null) for (const [ns, fields] of byNamespace) info.setDynamicMetadata(ns, fields);
}

// absl::SimpleAtod: surrounding whitespace, an optional "+", then what from_chars reads in its
// general format (decimal with exponent, inf/infinity, nan); the whole text must be consumed.
const DOUBLE = /^(?:\+(?!-))?(-?)(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(inf(?:inity)?)|(nan))$/i;

function typedValue(kv: MetadataKeyValue, raw: string): unknown {
  if (raw === "" || raw.length >= MAX_HEADER_VALUE_LEN) return undefined;
  if (kv.type === "STRING") return raw;
  const m = DOUBLE.exec(raw.trim());
  if (!m) return undefined;
  if (m[3]) return m[1] ? -Infinity : Infinity;
  if (m[4]) return NaN;
  return Number(m[1] + m[2]);
}
