// Bootstrap stats_config: stats_tags, use_all_default_tags, histogram_bucket_settings.
import { Fields } from "./reader.ts";
import { readStringMatcher } from "./matchers.ts";
import type { HistogramBucketSpec, StatsConfigSpec, TagSpec } from "./types.ts";

export function readStatsConfig(f: Fields | null): StatsConfigSpec {
  const out: StatsConfigSpec = { tags: [], useAllDefaultTags: true, histogramBuckets: [] };
  if (!f) return out;
  for (const { f: t } of f.messages("stats_tags")) {
    const tag = readTag(t);
    if (tag) out.tags.push(tag);
  }
  out.useAllDefaultTags = f.bool("use_all_default_tags", true);
  for (const { f: h } of f.messages("histogram_bucket_settings")) {
    const spec = readBuckets(h);
    if (spec) out.histogramBuckets.push(spec);
  }
  f.done();
  return out;
}

function readTag(f: Fields): TagSpec | null {
  const name = f.requiredStr("tag_name");
  const hasRegex = f.has("regex");
  const hasFixed = f.has("fixed_value");
  let tag: TagSpec | null = null;
  if (hasRegex && hasFixed) f.problems.add(f.path, "regex and fixed_value are exclusive");
  else if (hasFixed) tag = { name, fixedValue: f.str("fixed_value") };
  else if (hasRegex) {
    const regex = f.str("regex");
    // Envoy compiles these with std::regex (ECMAScript grammar), close to JavaScript's.
    try {
      new RegExp(regex);
      tag = { name, regex };
    } catch (e) {
      f.problems.add(f.at("regex"), `invalid regex: ${(e as Error).message}`);
    }
  } else {
    f.problems.add(f.path, "regex or fixed_value is required (default tag names without a regex are not supported)");
  }
  f.done();
  return name === "" ? null : tag;
}

function readBuckets(f: Fields): HistogramBucketSpec | null {
  const m = f.message("match");
  const match = m ? readStringMatcher(m) : null;
  if (!m) f.problems.add(f.at("match"), "required");
  const buckets: number[] = [];
  f.list("buckets").forEach((b, i) => {
    const n = typeof b === "string" ? Number(b) : b;
    if (typeof n !== "number" || !Number.isFinite(n) || n <= 0) f.problems.add(`${f.at("buckets")}[${i}]`, "expected a number above 0");
    else buckets.push(n);
  });
  if (buckets.length === 0) f.problems.add(f.at("buckets"), "at least one bucket is required");
  if (new Set(buckets).size !== buckets.length) f.problems.add(f.at("buckets"), "bucket values must be unique");
  // Envoy sorts the configured buckets.
  const sorted = [...buckets].sort((a, b) => a - b);
  f.done();
  return match ? { match, buckets: sorted } : null;
}
