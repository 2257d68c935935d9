// `npm run stats [-- <admin-url>] [--by model,route] [--json]`: a summary of the ai-statistics
// metrics from a gateway's /stats/prometheus (the local runner, Envoy or Higress), one row per
// model and route: requests, success %, latency and TTFT percentiles, tokens.
// Percentiles are computed from the histogram buckets the way Prometheus's histogram_quantile
// does (linear interpolation inside the bucket), so they match the Grafana dashboard.
import { pathToFileURL } from "node:url";

const PREFIX = "route_upstream_model_consumer_metric_";
const LABELS: Record<string, string> = {
  model: "ai_model", route: "ai_route", consumer: "ai_consumer", cluster: "ai_cluster",
  provider: "ai_provider", variant: "ai_variant", request_model: "ai_request_model",
};

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset Envoy writes: no timestamps, no exemplars). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.lastIndexOf(" ");
    if (space < 0) continue;
    let name: string;
    const labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const end = line.lastIndexOf("}");
      parseLabels(line.slice(brace + 1, end), labels);
    } else {
      name = line.slice(0, space);
    }
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value) || line.endsWith("NaN")) out.push({ name, labels, value });
  }
  return out;
}

function parseLabels(s: string, into: Record<string, string>): void {
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) return;
    const key = s.slice(i, eq).trim();
    let j = eq + 2; // after ="
    let v = "";
    while (j < s.length && s[j] !== '"') {
      if (s[j] === "\\" && j + 1 < s.length) {
        const n = s[j + 1];
        v += n === "n" ? "\n" : n;
        j += 2;
      } else v += s[j++];
    }
    into[key] = v;
    i = j + 1;
    if (s[i] === ",") i++;
  }
}

/** Prometheus's histogram_quantile over cumulative buckets [(le, count)], le ascending. */
export function quantile(q: number, buckets: Array<[number, number]>): number {
  if (buckets.length === 0) return NaN;
  const b = [...buckets].sort((x, y) => x[0] - y[0]);
  const total = b[b.length - 1][1];
  if (total === 0) return NaN;
  const rank = q * total;
  let i = b.findIndex(([, c]) => c >= rank);
  if (i < 0) i = b.length - 1;
  if (b[i][0] === Infinity) return i > 0 ? b[i - 1][0] : NaN;
  const upper = b[i][0];
  const lower = i === 0 ? (upper > 0 ? 0 : upper) : b[i - 1][0];
  const below = i === 0 ? 0 : b[i - 1][1];
  const inBucket = b[i][1] - below;
  if (inBucket === 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

export interface Row {
  key: Record<string, string>;
  requests: number;
  success: number;
  latency: [number, number, number];
  ttft: [number, number, number];
  inputTokens: number;
  outputTokens: number;
}

/** Groups the samples by the chosen labels and summarises each group. */
export function summarise(samples: Sample[], by: string[]): Row[] {
  const rows = new Map<string, Row>();
  const hist = new Map<string, Map<number, number>>(); // "<group>\n<metric>" -> le -> count
  const keyOf = (s: Sample) => by.map((l) => s.labels[LABELS[l]] ?? "none");
  const row = (s: Sample): Row => {
    const k = keyOf(s);
    const id = k.join("\n");
    let r = rows.get(id);
    if (!r) {
      r = { key: Object.fromEntries(by.map((l, i) => [l, k[i]])), requests: 0, success: 0, latency: [NaN, NaN, NaN], ttft: [NaN, NaN, NaN], inputTokens: 0, outputTokens: 0 };
      rows.set(id, r);
    }
    return r;
  };
  for (const s of samples) {
    if (!s.name.startsWith(PREFIX)) continue;
    const metric = s.name.slice(PREFIX.length);
    if (metric === "ai_requests") {
      const r = row(s);
      r.requests += s.value;
      if (s.labels.ai_status === "2xx") r.success += s.value;
    } else if (metric === "input_token") row(s).inputTokens += s.value;
    else if (metric === "output_token") row(s).outputTokens += s.value;
    else if (metric === "ai_request_duration_ms_bucket" || metric === "ai_ttft_ms_bucket") {
      const id = keyOf(s).join("\n") + "\n" + metric;
      row(s);
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      const m = hist.get(id) ?? new Map<number, number>();
      m.set(le, (m.get(le) ?? 0) + s.value); // summed over the other labels, like sum by (le)
      hist.set(id, m);
    }
  }
  for (const [id, r] of rows) {
    for (const [metric, field] of [["ai_request_duration_ms_bucket", "latency"], ["ai_ttft_ms_bucket", "ttft"]] as const) {
      const m = hist.get(id + "\n" + metric);
      if (!m) continue;
      const b = [...m.entries()];
      r[field] = [quantile(0.5, b), quantile(0.95, b), quantile(0.99, b)];
    }
  }
  return [...rows.values()].sort((a, b) => b.requests - a.requests);
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

export function renderTable(rows: Row[], by: string[]): string {
  const head = [...by, "requests", "success%", "p50ms", "p95ms", "p99ms", "ttft50", "ttft95", "ttft99", "in_tok", "out_tok"];
  const body = rows.map((r) => [
    ...by.map((l) => r.key[l]),
    fmt(r.requests), r.requests > 0 ? fmt((100 * r.success) / r.requests, 1) : "-",
    ...r.latency.map((x) => fmt(x)), ...r.ttft.map((x) => fmt(x)),
    fmt(r.inputTokens), fmt(r.outputTokens),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < by.length ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

export async function main(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let url = "http://127.0.0.1:9901";
  let by = ["model", "route"];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--by") by = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "-h" || a === "--help") {
      out("usage: npm run stats -- [admin-url (default http://127.0.0.1:9901)] [--by model,route,consumer,cluster,provider,variant,request_model] [--json]\n");
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`stats: unknown option ${a}`);
      return 2;
    } else url = a;
  }
  const unknown = by.filter((l) => !(l in LABELS));
  if (by.length === 0 || unknown.length > 0) {
    console.error(`stats: --by takes ${Object.keys(LABELS).join(", ")}${unknown.length ? ` (not ${unknown.join(", ")})` : ""}`);
    return 2;
  }
  const target = url.replace(/\/+$/, "") + "/stats/prometheus";
  let text: string;
  try {
    const res = await fetch(target);
    if (!res.ok) {
      console.error(`stats: ${target} answered ${res.status}`);
      return 1;
    }
    text = await res.text();
  } catch (e) {
    console.error(`stats: cannot read ${target}: ${(e as Error).message}`);
    return 1;
  }
  const rows = summarise(parsePrometheus(text), by);
  if (json) out(JSON.stringify(rows, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
  else if (rows.length === 0) out("no ai-statistics metrics yet (send a request through the gateway)\n");
  else out(renderTable(rows, by));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
