// /stats/prometheus in Envoy's text format (admin/prometheus_stats.cc):
// - families grouped by tag-extracted name, sorted; counters, then gauges, then histograms;
// - custom-namespace stats ("wasmcustom.") lose the prefix and get no "envoy_" prefix (and are
//   dropped if the rest starts with a digit); all others get "envoy_";
// - every character outside [a-zA-Z0-9_] in names becomes "_"; label values escape \ " and \n;
// - counters/gauges print `name{tags} value` (empty braces when there are no tags);
// - histograms print cumulative `_bucket{...,le="B"}` lines (B as %.32g), `le="+Inf"`, `_sum`
//   (%.32g) and `_count`.
import { MetricKind } from "../../contract.ts";
import { formatG } from "./format-number.ts";
import { CUSTOM_PREFIX, type Stat } from "./stats-store.ts";
import type { Tag } from "./tag-extractor.ts";

export interface RenderOptions {
  usedOnly?: boolean;
  filter?: RegExp | null; // applied to the full stat name, like Envoy's ?filter=
}

export function sanitizeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** Prometheus family name for a tag-extracted name; null when Envoy would skip it. */
export function metricName(extracted: string): string | null {
  if (extracted.startsWith(CUSTOM_PREFIX)) {
    const rest = sanitizeName(extracted.slice(CUSTOM_PREFIX.length));
    if (rest === "" || /^[0-9]/.test(rest)) return null;
    return rest;
  }
  return "envoy_" + sanitizeName(extracted);
}

/** Envoy sorts stat names token by token (its symbol table splits on "."). */
export function compareStatNames(a: string, b: string): number {
  const ta = a.split(".");
  const tb = b.split(".");
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] !== tb[i]) return ta[i] < tb[i] ? -1 : 1;
  }
  return ta.length - tb.length;
}

function formatTags(tags: Tag[]): string {
  return tags.map(([n, v]) => `${sanitizeName(n)}="${escapeLabelValue(v)}"`).join(",");
}

function shown(s: Stat, opts: RenderOptions): boolean {
  if (opts.usedOnly && !s.used) return false;
  if (opts.filter && !opts.filter.test(s.name)) return false;
  return true;
}

function families(stats: readonly Stat[], kind: MetricKind, opts: RenderOptions): Array<[string, Stat[]]> {
  const groups = new Map<string, Stat[]>();
  for (const s of stats) {
    if (s.kind !== kind || !shown(s, opts)) continue;
    const list = groups.get(s.extracted.name) ?? [];
    list.push(s);
    groups.set(s.extracted.name, list);
  }
  const out: Array<[string, Stat[]]> = [];
  for (const key of [...groups.keys()].sort(compareStatNames)) {
    const name = metricName(key);
    if (name === null) continue;
    out.push([name, groups.get(key)!.sort((x, y) => compareStatNames(x.name, y.name))]);
  }
  return out;
}

function histogramLines(name: string, s: Stat): string {
  const h = s.histogram!;
  const tags = formatTags(s.extracted.tags);
  const histTags = tags === "" ? "" : tags + ",";
  const counts = h.countsBelow(s.buckets);
  let out = "";
  s.buckets.forEach((b, i) => {
    out += `${name}_bucket{${histTags}le="${formatG(b)}"} ${counts[i]}\n`;
  });
  out += `${name}_bucket{${histTags}le="+Inf"} ${h.count}\n`;
  out += `${name}_sum{${tags}} ${formatG(h.sum())}\n`;
  out += `${name}_count{${tags}} ${h.count}\n`;
  return out;
}

export function renderPrometheus(stats: readonly Stat[], opts: RenderOptions = {}): string {
  let out = "";
  for (const [kind, type] of [
    [MetricKind.Counter, "counter"],
    [MetricKind.Gauge, "gauge"],
  ] as const) {
    for (const [name, group] of families(stats, kind, opts)) {
      out += `# TYPE ${name} ${type}\n`;
      for (const s of group) out += `${name}{${formatTags(s.extracted.tags)}} ${s.value}\n`;
    }
  }
  for (const [name, group] of families(stats, MetricKind.Histogram, opts)) {
    out += `# TYPE ${name} histogram\n`;
    for (const s of group) out += histogramLines(name, s);
  }
  return out;
}
