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

function typedValue(kv: MetadataKeyValue, raw: string): unknown {
  if (raw === "" || raw.length >= MAX_HEADER_VALUE_LEN) return undefined;
  if (kv.type === "STRING") return raw;
  // absl::SimpleAtod on the trimmed text: a decimal or hex float, inf/nan; not "" or trailing junk.
  const t = raw.trim();
  if (t === "" || !/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|inf|infinity|nan)$/i.test(t)) return undefined;
  const n = /^[+-]?0x/i.test(t) ? (t.startsWith("-") ? -1 : 1) * parseInt(t.replace(/^[+-]/, ""), 16) : Number(t.replace(/^\+/, "").replace(/^(-?)inf(inity)?$/i, "$1Infinity"));
  return n;
}
