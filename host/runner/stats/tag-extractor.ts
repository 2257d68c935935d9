// Envoy's tag extraction (stats_config.stats_tags plus a few default tags): turns a flat stat
// name into a tag-extracted name and tags, the way Envoy's TagProducer does:
// - each regex runs on the full original name (not on what earlier regexes left);
// - capture group 1 is removed from the name; the tag value is group 2 if the regex has one,
//   else group 1; removals from every extractor add up;
// - extractors whose regex starts with a literal first token ("^wasmcustom\.") only run on
//   names with that first token, after all extractors without one; defaults come before the
//   bootstrap's stats_tags; a second extractor with an already-produced tag name is skipped.
import type { TagSpec } from "../config/types.ts";

export type Tag = [name: string, value: string];

export interface Extracted {
  name: string; // tag-extracted name
  tags: Tag[];
}

interface Extractor {
  name: string;
  prefix: string; // first token this extractor is limited to ("" = every name)
  substr: string; // cheap pre-filter, as Envoy's default extractors have
  regex: RegExp | null; // null = fixed value
  fixedValue: string;
}

// The default extractors for the stats the runner itself produces (http.*, cluster.*,
// listener.*, *_rq_<code>). Envoy has more, for stats no part of the runner emits.
const DEFAULTS: Array<[name: string, regex: string, substr: string]> = [
  ["envoy.response_code", "_rq(_(\\d{3}))$", "_rq_"],
  ["envoy.response_code_class", "_rq_(\\d)xx$", "_rq_"],
  ["envoy.cluster_name", "^cluster\\.(([^\\.]+)\\.).*", ""],
  ["envoy.http_conn_manager_prefix", "^listener(?=\\.).*?\\.http\\.((.*?)\\.)", ".http."],
  ["envoy.http_conn_manager_prefix", "^http\\.((.*?)\\.)", ""],
  ["envoy.listener_address", "^listener\\.(((?:[_.\\d]*|[_\\[\\]aAbBcCdDeEfF\\d]*))\\.)", ""],
];

/** Envoy's extractRegexPrefix: "^name\." or "^name$" limits the extractor to that first token. */
export function regexPrefix(regex: string): string {
  if (!regex.startsWith("^")) return "";
  for (let i = 1; i < regex.length; i++) {
    const c = regex[i];
    if (/[A-Za-z0-9_]/.test(c)) continue;
    if (i === 1) return "";
    const rest = regex.slice(i);
    const last = i === regex.length - 1;
    if ((!last && (rest.startsWith("\\.") || rest.startsWith("(?=\\."))) || (last && c === "$")) return regex.slice(1, i);
    return "";
  }
  return "";
}

export class TagProducer {
  private readonly withoutPrefix: Extractor[] = [];
  private readonly byPrefix = new Map<string, Extractor[]>();
  private readonly nameCounts = new Map<string, number>();
  private readonly cache = new Map<string, Extracted>();

  constructor(tags: TagSpec[], useAllDefaultTags = true) {
    if (useAllDefaultTags) for (const [name, regex, substr] of DEFAULTS) this.add(name, regex, substr);
    for (const t of tags) {
      if (t.fixedValue !== undefined) this.addExtractor({ name: t.name, prefix: "", substr: "", regex: null, fixedValue: t.fixedValue });
      else if (t.regex !== undefined) this.add(t.name, t.regex, "");
    }
  }

  private add(name: string, regex: string, substr: string): void {
    this.addExtractor({ name, prefix: regexPrefix(regex), substr, regex: new RegExp(regex, "d"), fixedValue: "" });
  }

  private addExtractor(e: Extractor): void {
    this.nameCounts.set(e.name, (this.nameCounts.get(e.name) ?? 0) + 1);
    if (e.prefix === "") this.withoutPrefix.push(e);
    else {
      const list = this.byPrefix.get(e.prefix) ?? [];
      list.push(e);
      this.byPrefix.set(e.prefix, list);
    }
  }

  extract(statName: string): Extracted {
    const hit = this.cache.get(statName);
    if (hit) return hit;
    const tags: Tag[] = [];
    const remove: Array<[number, number]> = [];
    const produced = new Set<string>();
    const dot = statName.indexOf(".");
    const prefixed = dot >= 0 ? (this.byPrefix.get(statName.slice(0, dot)) ?? []) : [];
    for (const e of [...this.withoutPrefix, ...prefixed]) {
      const shared = (this.nameCounts.get(e.name) ?? 0) > 1;
      if (shared && produced.has(e.name)) continue;
      if (this.apply(e, statName, tags, remove) && shared) produced.add(e.name);
    }
    const out = { name: removeRanges(statName, remove), tags };
    this.cache.set(statName, out);
    return out;
  }

  private apply(e: Extractor, statName: string, tags: Tag[], remove: Array<[number, number]>): boolean {
    if (e.regex === null) {
      tags.push([e.name, e.fixedValue]);
      return true;
    }
    if (e.substr !== "" && !statName.includes(e.substr)) return false;
    const m = e.regex.exec(statName);
    if (!m || m.length < 2) return false;
    const value = m.length > 2 ? m[2] : m[1];
    tags.push([e.name, value ?? ""]);
    const span = m.indices?.[1];
    if (span) remove.push([span[0], span[1]]);
    return true;
  }
}

/** Removes the union of [start, end) ranges. */
function removeRanges(s: string, ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return s;
  const drop = new Uint8Array(s.length);
  for (const [a, b] of ranges) drop.fill(1, a, b);
  let out = "";
  for (let i = 0; i < s.length; i++) if (!drop[i]) out += s[i];
  return out;
}
