// /stats in Envoy's plain-text form: `name: value` for counters and gauges (sorted together by
// name), then one line per histogram with its quantiles as "P<q>(interval,cumulative)".
// The runner merges histograms on every read, so it has no flush interval: the interval
// quantiles print as "nan", as Envoy's do when an interval recorded nothing.
import { MetricKind } from "../../contract.ts";
import { formatG6, formatShortest } from "./format-number.ts";
import { compareStatNames, type RenderOptions } from "./prometheus.ts";
import type { Stat } from "./stats-store.ts";

const QUANTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

function shown(s: Stat, opts: RenderOptions): boolean {
  return (!opts.usedOnly || s.used) && (!opts.filter || opts.filter.test(s.name));
}

export function renderStatsText(stats: readonly Stat[], opts: RenderOptions = {}): string {
  const numeric = stats.filter((s) => s.kind !== MetricKind.Histogram && shown(s, opts));
  const hists = stats.filter((s) => s.kind === MetricKind.Histogram && shown(s, opts));
  let out = "";
  for (const s of numeric.sort((a, b) => compareStatNames(a.name, b.name))) out += `${s.name}: ${s.value}\n`;
  for (const s of hists.sort((a, b) => compareStatNames(a.name, b.name))) {
    const h = s.histogram!;
    if (h.count === 0) {
      out += `${s.name}: No recorded values\n`;
      continue;
    }
    const cumulative = h.quantiles(QUANTILES);
    const parts = QUANTILES.map((q, i) => `P${formatG6(100 * q)}(nan,${formatShortest(cumulative[i])})`);
    out += `${s.name}: ${parts.join(" ")}\n`;
  }
  return out;
}

/**
 * /stats?format=json in Envoy's shape: {"stats": [{"name", "value"}..., {"histograms":
 * {"supported_quantiles": [...], "computed_quantiles": [{"name", "values": [{"interval",
 * "cumulative"}]}]}}]}, NaN as null.
 */
export function renderStatsJson(stats: readonly Stat[], opts: RenderOptions = {}): string {
  const sorted = [...stats].filter((x) => shown(x, opts)).sort((a, b) => compareStatNames(a.name, b.name));
  const list: unknown[] = sorted.filter((s) => s.kind !== MetricKind.Histogram).map((s) => ({ name: s.name, value: Number(s.value) }));
  const hists = sorted.filter((s) => s.kind === MetricKind.Histogram);
  if (hists.length > 0) {
    const nul = (v: number) => (Number.isNaN(v) ? null : v);
    list.push({
      histograms: {
        supported_quantiles: QUANTILES.map((q) => 100 * q),
        computed_quantiles: hists.map((s) => ({
          name: s.name,
          values: s.histogram!.quantiles(QUANTILES).map((v) => ({ interval: null, cumulative: nul(v) })),
        })),
      },
    });
  }
  return JSON.stringify({ stats: list });
}
