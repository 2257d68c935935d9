// `make bench`: CPU cost of the plugins in the Node host (V8), as numbers next to baselines measured
// in the same run, so a noisy shared machine changes both sides alike:
//   baseline A: V8's native JSON.parse + JSON.stringify of the same bodies (or event payloads);
//   baseline B: the same host stack with a pass-through module (bench/passthrough/) in place of
//               each plugin; plugin cost = stack with the plugin - stack with pass-through.
// Per-event costs are differential: (stream with 220 events - stream with 20 events) / 200.
// Also: .wasm sizes and linear-memory pages after warm-up vs after every bench request.
// Prints tables; exits 0 whatever the numbers (MISS rows are findings, not failures).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestStack } from "../host/testing.ts";
import { exchange, makeStack, pages, trapLines, type Exchange, type FilterSpec } from "./lib/chain.ts";
import { medianOf, rounds, type Probe } from "./lib/measure.ts";
import { ROOT } from "./lib/wasm.ts";
import * as T from "./lib/traffic.ts";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 11;
const TARGET_MS = quick ? 15 : 150;
const E_LO = 20;
const E_HI = 220;
const HEADERS = { "x-mse-consumer": "bench-consumer", authorization: "Bearer client-key" };

// ---- bodies ----------------------------------------------------------------------------------
const REQ_4K = T.openaiChatRequest(4096);
const REQ_4K_STREAM = T.openaiChatRequest(4096, { stream: true, includeUsage: true });
const ANTHROPIC_1K = T.anthropicResponse(1024);
const OPENAI_1K = T.openaiResponse(1024);
const anthropicEvents = (n: number) => T.anthropicStream(n - 6); // 6 framing events + deltas = n
const openaiEvents = (n: number) => T.openaiStream(n - 4); // role, finish, usage, [DONE] + deltas = n

// ---- baseline A ------------------------------------------------------------------------------
let sink = 0;
const jsonRoundTrip = (...bodies: string[]): Probe => () => {
  for (const b of bodies) sink += JSON.stringify(JSON.parse(b)).length;
};
const eventData = (e: string) => e.slice(e.indexOf("data: ") + 6).trimEnd();
const ANTHROPIC_DELTA_DATA = eventData(T.anthropicStream(1)[3]);
const OPENAI_DELTA_DATA = eventData(T.openaiStream(1)[1]);

// ---- stacks ----------------------------------------------------------------------------------
const PT: FilterSpec = { module: "passthrough" };
const PROXY_CLAUDE: FilterSpec = { module: "ai-proxy", config: T.PROXY_TO_CLAUDE };
const PROXY_SAME: FilterSpec = { module: "ai-proxy", config: T.PROXY_SAME };
const STATS: FilterSpec = { module: "ai-statistics", config: T.STATS };
const RL: FilterSpec = { module: "ai-rate-limit", config: T.RATE_LIMIT_OPEN };

interface Bench {
  name: string;
  st: TestStack;
  warmPages: number[];
  requests: number;
}
const benches: Bench[] = [];

async function stackFor(name: string, filters: FilterSpec[]): Promise<Bench> {
  const st = await makeStack(filters);
  const b: Bench = { name, st, warmPages: [], requests: 0 };
  benches.push(b);
  return b;
}

/** A probe that runs one exchange and checks the client got a 200 (a broken setup must not look fast). */
function probe(b: Bench, x: Exchange): Probe {
  const s = exchange(b.st, x);
  if (s.response.status !== 200 || !s.response.ended) {
    throw new Error(`${b.name}: setup answered ${s.response.status} ${s.details}: ${s.response.bodyText.slice(0, 300)}\n${trapLines(b.st).join("\n")}`);
  }
  return () => {
    exchange(b.st, x);
    b.requests++;
    if (b.st.accessLog.length > 512) b.st.accessLog.length = 0; // the stack keeps every entry
  };
}

function warm(b: Bench, p: Probe): void {
  for (let i = 0; i < 300; i++) p();
  b.warmPages = b.st.core.workers[0].slots.map((_, i) => pages(b.st, i));
}

// ---- table -----------------------------------------------------------------------------------
interface Row {
  scenario: string;
  unit: string;
  plugin: number;
  stackB: number | null;
  baseA: number | null;
  /** median over rounds of plugin / A */
  ratio: number | null;
  target: string;
  pass: boolean | null;
}
const rows: Row[] = [];

function verdict(ok: boolean | null): string {
  return ok === null ? "-" : ok ? "PASS" : "MISS";
}

const fmt = (n: number | null, d = 2) => (n === null ? "-" : n.toFixed(d));

function printTable(title: string, head: string[], body: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" | ") + " |";
  console.log(`\n${title}`);
  console.log(line(head));
  console.log("|" + w.map((x, i) => (i === 0 ? "-".repeat(x + 2) : "-".repeat(x + 1) + ":")).join("|") + "|");
  for (const r of body) console.log(line(r));
}

// ---- scenarios -------------------------------------------------------------------------------
async function perRequest(label: string, plugin: Bench, pt: Bench, x: Exchange, baseA: Probe, target: { us?: number; ratio?: number }): Promise<void> {
  const p = probe(plugin, x);
  const b = probe(pt, x);
  warm(plugin, p);
  warm(pt, b);
  const r = rounds({ plugin: p, pt: b, a: baseA }, { rounds: ROUNDS, targetMs: TARGET_MS });
  const cost = medianOf(ROUNDS, (i) => r.plugin[i] - r.pt[i]);
  const stackB = medianOf(ROUNDS, (i) => r.pt[i]);
  const a = medianOf(ROUNDS, (i) => r.a[i]);
  const ratio = medianOf(ROUNDS, (i) => (r.plugin[i] - r.pt[i]) / r.a[i]);
  const parts: string[] = [];
  let pass: boolean | null = null;
  if (target.us !== undefined) {
    parts.push(`<= ${target.us} us`);
    pass = cost <= target.us;
  }
  if (target.ratio !== undefined) {
    parts.push(`<= ${target.ratio}x A`);
    pass = (pass ?? true) && ratio <= target.ratio;
  }
  rows.push({ scenario: label, unit: "req", plugin: cost, stackB, baseA: a, ratio, target: parts.join(", ") || "-", pass });
}

async function perEvent(label: string, plugin: Bench, pt: Bench, x: Exchange, events: (n: number) => string[], baseA: Probe, targetUs?: number): Promise<void> {
  const lo = { ...x, events: events(E_LO) };
  const hi = { ...x, events: events(E_HI) };
  const pLo = probe(plugin, lo);
  const pHi = probe(plugin, hi);
  const bLo = probe(pt, lo);
  const bHi = probe(pt, hi);
  warm(plugin, pHi);
  warm(pt, bHi);
  const r = rounds({ pLo, pHi, bLo, bHi, a: baseA }, { rounds: ROUNDS, targetMs: TARGET_MS });
  const n = E_HI - E_LO;
  const ev = (i: number) => (r.pHi[i] - r.pLo[i] - (r.bHi[i] - r.bLo[i])) / n;
  const cost = medianOf(ROUNDS, ev);
  rows.push({
    scenario: label, unit: "event", plugin: cost,
    stackB: medianOf(ROUNDS, (i) => (r.bHi[i] - r.bLo[i]) / n),
    baseA: medianOf(ROUNDS, (i) => r.a[i]),
    ratio: medianOf(ROUNDS, (i) => ev(i) / r.a[i]),
    target: targetUs === undefined ? "-" : `<= ${targetUs} us`,
    pass: targetUs === undefined ? null : cost <= targetUs,
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const conv: Exchange = { headers: HEADERS, body: REQ_4K, response: ANTHROPIC_1K };
  const same: Exchange = { headers: HEADERS, body: REQ_4K, response: OPENAI_1K };
  const convStream: Exchange = { headers: HEADERS, body: REQ_4K_STREAM };

  const empty = await stackFor("host only (no wasm filter)", []);
  const pt1 = await stackFor("pass-through x1", [PT]);
  const pt3 = await stackFor("pass-through x3", [PT, PT, PT]);
  const proxyClaude = await stackFor("ai-proxy (OpenAI -> Anthropic)", [PROXY_CLAUDE]);
  const proxySame = await stackFor("ai-proxy (same protocol)", [PROXY_SAME]);
  const stats = await stackFor("ai-statistics", [STATS]);
  const rl = await stackFor("ai-rate-limit (local)", [RL]);
  const chain = await stackFor("chain: statistics + rate-limit + proxy", [STATS, RL, PROXY_CLAUDE]);

  // Host overhead: an empty stack vs one pass-through module (what a wasm filter costs at all).
  {
    const e = probe(empty, same);
    const p = probe(pt1, same);
    warm(empty, e);
    const r = rounds({ e, p }, { rounds: ROUNDS, targetMs: TARGET_MS });
    rows.push({ scenario: "host: stack without wasm filters (4 KB req + 1 KB resp)", unit: "req", plugin: medianOf(ROUNDS, (i) => r.e[i]), stackB: null, baseA: null, ratio: null, target: "-", pass: null });
    rows.push({ scenario: "host: one pass-through module, ABI overhead (B - no filter)", unit: "req", plugin: medianOf(ROUNDS, (i) => r.p[i] - r.e[i]), stackB: medianOf(ROUNDS, (i) => r.p[i]), baseA: null, ratio: null, target: "-", pass: null });
  }
  const reqResp = jsonRoundTrip(REQ_4K, ANTHROPIC_1K);
  await perRequest("ai-proxy OpenAI -> Anthropic, 4 KB req + 1 KB resp", proxyClaude, pt1, conv, reqResp, { us: 15, ratio: 1.5 });
  await perRequest("ai-proxy same protocol, 4 KB req + 1 KB resp", proxySame, pt1, same, jsonRoundTrip(REQ_4K, OPENAI_1K), {});
  await perEvent("ai-proxy stream Anthropic SSE -> OpenAI chunks", proxyClaude, pt1, convStream, anthropicEvents, jsonRoundTrip(ANTHROPIC_DELTA_DATA), 3);
  await perEvent("ai-proxy stream same protocol (pass-through)", proxySame, pt1, convStream, openaiEvents, jsonRoundTrip(OPENAI_DELTA_DATA), 1);
  await perRequest("ai-statistics non-streaming, 4 KB req + 1 KB resp", stats, pt1, same, jsonRoundTrip(OPENAI_1K), { us: 5 });
  await perEvent("ai-statistics per SSE event (OpenAI stream)", stats, pt1, convStream, openaiEvents, jsonRoundTrip(OPENAI_DELTA_DATA), 1);
  await perRequest("ai-rate-limit local-mode decision (whole request)", rl, pt1, same, jsonRoundTrip(REQ_4K), { us: 2 });
  await perRequest("three modules, OpenAI -> Anthropic per request", chain, pt3, conv, reqResp, {});
  await perEvent("three modules, Anthropic SSE -> OpenAI per event", chain, pt3, convStream, anthropicEvents, jsonRoundTrip(ANTHROPIC_DELTA_DATA), undefined);

  printTable(
    `CPU per request / event (median of ${ROUNDS} interleaved rounds; plugin = stack with plugin - same stack with pass-through; A = native JSON.parse+stringify of the same bodies)`,
    ["scenario", "per", "plugin us", "B: pass-through stack us", "A: JSON us", "plugin/A", "target", "result"],
    rows.map((r) => [r.scenario, r.unit, fmt(r.plugin), fmt(r.stackB), fmt(r.baseA), r.ratio === null ? "-" : fmt(r.ratio) + "x", r.target, verdict(r.pass)]),
  );

  // ---- sizes ---------------------------------------------------------------------------------
  const sizeRows: string[][] = [];
  for (const dir of ["dist", "dist/higress"]) {
    for (const f of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".wasm")).sort()) {
      const bytes = statSync(join(ROOT, dir, f)).size;
      const limit = f === "ai-proxy.wasm" ? 150 * 1024 : null;
      sizeRows.push([`${dir}/${f}`, (bytes / 1024).toFixed(1), limit ? "<= 150 KB" : "-", limit ? verdict(bytes <= limit) : "-"]);
    }
  }
  printTable(".wasm sizes", ["module", "KB", "target", "result"], sizeRows);

  // ---- memory ---------------------------------------------------------------------------------
  const memRows: string[][] = [];
  let traps = 0;
  for (const b of benches) {
    const slots = b.st.core.workers[0].slots;
    slots.forEach((_, i) => {
      const now = pages(b.st, i);
      const warmP = b.warmPages[i] ?? now;
      const name = slots.length > 1 ? `${b.name} [filter ${i}]` : b.name;
      memRows.push([name, String(b.requests), String(warmP), String(now), String(now - warmP), ((now - warmP) * 64).toString()]);
    });
    traps += trapLines(b.st).length;
  }
  printTable("linear memory per VM (64 KiB pages): after warm-up (300 requests) vs after the bench's requests", ["stack", "requests after warm-up", "pages warm", "pages end", "growth pages", "growth KiB"], memRows);
  console.log(`\ntraps during the bench: ${traps}; elapsed ${((performance.now() - t0) / 1000).toFixed(1)} s; machine: ${process.version}, ${(await import("node:os")).cpus().length} cpus${sink < 0 ? "" : ""}`);
  for (const b of benches) await b.st.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
