// ai-rate-limit decision cost (issue #5): CPU per request of the plugin in a one-filter stack minus
// the same stack with the pass-through module, same exchange, measured in interleaved rounds
// (bench/lib/measure.ts), so the noisy shared machine hits both sides alike. Rows: a request-count
// rule keyed by a header (decided in the headers phase, body never read) and a token rule (body
// scanned, reservation reconciled with the response's usage). Uses the current sources (cached
// build), not dist/; --baseline <file.wasm> adds the same rows for another build of the plugin
// (e.g. one made from an older commit) measured in the same run.
//   npx tsx bench/rate-limit-decision.ts [--quick] [--baseline <file.wasm>]
import { createTestStack, type TestStack } from "../host/testing.ts";
import type { RouteConfiguration } from "../host/contract.ts";
import { exchange, trapLines, VM_ID, type Exchange } from "./lib/chain.ts";
import { medianOf, rounds, type Probe } from "./lib/measure.ts";
import { passthroughWasm } from "./lib/wasm.ts";
import { CLUSTERS, ROUTES, openaiChatRequest, openaiResponse } from "./lib/traffic.ts";
import { pluginBuild } from "../tests/lib/cached-build.ts";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 15;
const TARGET_MS = quick ? 15 : 150;
const TARGET_US = 2;
const bi = process.argv.indexOf("--baseline");
const BASELINE = bi > 0 ? process.argv[bi + 1] : null;

const HEADERS = { "x-mse-consumer": "bench-consumer" };
const X: Exchange = { headers: HEADERS, body: openaiChatRequest(4096), response: openaiResponse(1024) };

const SCENARIOS: { name: string; config: unknown }[] = [
  { name: "request-count rule keyed by header (no body read)", config: { rules: [{ name: "per-consumer", limit_by_per_consumer: "", query_per_minute: 100000000 }] } },
  { name: "token rule (4 KB body scanned, usage reconciled)", config: { rules: [{ name: "tokens", limit_by_per_consumer: "", token_per_minute: 1000000000 }] } },
  { name: "token rule, upper_bound + enforce_max_tokens", config: { rules: [{ name: "tokens", limit_by_per_consumer: "", token_per_minute: 1000000000 }], token_estimate: { mode: "upper_bound", enforce_max_tokens: true } } },
];

function stack(wasm: string, config: unknown): Promise<TestStack> {
  return createTestStack({
    filters: [{ wasm, name: "f", rootId: "ai-rate-limit", vmId: VM_ID, configuration: config === undefined ? "" : JSON.stringify(config), allowOnHeadersStopIteration: true }],
    routes: ROUTES as RouteConfiguration, clusters: CLUSTERS, concurrency: 1, logLevel: 3,
  });
}

function probe(st: TestStack, name: string): Probe {
  const s = exchange(st, X);
  if (s.response.status !== 200) throw new Error(`${name}: setup answered ${s.response.status} ${s.details}\n${trapLines(st).join("\n")}`);
  const p = () => {
    exchange(st, X);
    if (st.accessLog.length > 512) st.accessLog.length = 0;
  };
  for (let i = 0; i < 300; i++) p();
  return p;
}

async function main(): Promise<void> {
  const builds: [string, string][] = [["", pluginBuild("ai-rate-limit", "envoy")]];
  if (BASELINE) builds.push([" [baseline build]", BASELINE]);
  const rows: string[][] = [];
  for (const sc of SCENARIOS) {
    // a fresh pass-through stack per scenario, made with the plugin stacks (same JIT history)
    const pt = await stack(passthroughWasm(), undefined);
    const probes: Record<string, Probe> = { pt: probe(pt, "pass-through") };
    const stacks: TestStack[] = [pt];
    for (const [label, wasm] of builds) {
      const st = await stack(wasm, sc.config);
      stacks.push(st);
      probes[label] = probe(st, sc.name + label);
    }
    // every build of this scenario and the pass-through stack in the same interleaved rounds
    const r = rounds(probes, { rounds: ROUNDS, targetMs: TARGET_MS });
    const base = medianOf(ROUNDS, (i) => r.pt[i]);
    const ptMin = Math.min(...r.pt);
    builds.forEach(([label], k) => {
      const cost = medianOf(ROUNDS, (i) => r[label][i] - r.pt[i]);
      // least-disturbed rounds of each side: less sensitive to other load on the machine
      const minCost = Math.min(...r[label]) - ptMin;
      const traps = trapLines(stacks[k + 1]).length;
      rows.push([sc.name + label, cost.toFixed(2), minCost.toFixed(2), base.toFixed(2), `<= ${TARGET_US} us`, traps ? `TRAPS ${traps}` : cost <= TARGET_US ? "PASS" : "MISS"]);
    });
    for (const st of stacks) await st.close();
  }
  const head = ["ai-rate-limit local mode, per request (4 KB chat + 1 KB answer)", "plugin us", "min-round plugin us", "pass-through stack us", "target", "result"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => "| " + c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join(" | ") + " |";
  console.log(`\nCPU per request, median of ${ROUNDS} interleaved rounds; plugin us = stack with plugin - same stack with pass-through (median of per-round differences; the result column judges it); min-round = fastest plugin round - fastest pass-through round`);
  console.log(line(head));
  console.log("|" + w.map((x, i) => (i === 0 ? "-".repeat(x + 2) : "-".repeat(x + 1) + ":")).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
