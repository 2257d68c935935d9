// `make soak`: 1,000,000 requests (or --requests N; --consumers N distinct consumers, default 200) through ai-statistics + ai-rate-limit +
// ai-proxy in the host's test stack: mixed streaming / non-streaming, OpenAI same-protocol and
// conversions to Anthropic and Gemini, one hot consumer over its 5 req/s limit (429s), the fake
// clock moving 1 ms per request (windows roll, cleanup ticks run). Prints the linear-memory curve
// per VM every 10 % of the run and the shared-data size, then asserts (exit 1 with the reasons):
//   - growth per VM after warm-up <= 64 KiB;
//   - steady state <= 2 MiB of linear memory per VM;
//   - shared data does not grow after warm-up beyond the configured caps (key count and bytes
//     stay within the warm-up's size plus the rate limiter's per-key windows of live keys);
//   - no trap, every request answered.
import { exchange, makeStack, pages, sharedDataSize, trapLines, VM_ID, type Exchange } from "./lib/chain.ts";
import * as T from "./lib/traffic.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const N = Number(arg("--requests") ?? 1_000_000);
const CONSUMERS = Number(arg("--consumers") ?? 200);
const WARMUP = Math.min(10_000, Math.floor(N / 10));
const STEP = Math.max(1, Math.floor(N / 10));
const FILTERS = ["ai-statistics", "ai-rate-limit", "ai-proxy"];

// Pre-built traffic (bodies are generated once; the mix picks by request number).
const REQ = { small: T.openaiChatRequest(800), big: T.openaiChatRequest(6000), stream: T.openaiChatRequest(1200, { stream: true, includeUsage: true }) };
const MIX: { name: string; x: Exchange; weight: number }[] = [
  { name: "openai json", weight: 30, x: { body: REQ.small, response: T.openaiResponse(1024) } },
  { name: "openai stream", weight: 20, x: { body: REQ.stream, events: T.openaiStream(12) } },
  { name: "claude json", weight: 15, x: { headers: { "x-target": "claude" }, body: REQ.big, response: T.anthropicResponse(1024) } },
  { name: "claude stream", weight: 15, x: { headers: { "x-target": "claude" }, body: REQ.stream, events: T.anthropicStream(12) } },
  { name: "gemini json", weight: 5, x: { headers: { "x-target": "gem" }, body: REQ.small, response: T.geminiResponse(800) } },
  { name: "gemini stream", weight: 5, x: { headers: { "x-target": "gem" }, body: REQ.stream, events: T.geminiStream(8) } },
  { name: "upstream 500", weight: 2, x: { body: REQ.small, status: 500, response: '{"error":{"message":"boom","type":"server_error"}}' } },
  { name: "bad request", weight: 3, x: { body: '{"model":5,"messages":"x"}', response: "{}" } },
  { name: "hot consumer (limited)", weight: 5, x: { headers: { "x-mse-consumer": "hot" }, body: REQ.small, response: T.openaiResponse(256) } },
];
const TABLE: number[] = MIX.flatMap((m, i) => Array(m.weight).fill(i));

async function main(): Promise<void> {
  const st = await makeStack([
    { module: "ai-statistics", config: T.STATS },
    { module: "ai-rate-limit", config: T.RATE_LIMIT_SOAK },
    { module: "ai-proxy", config: T.PROXY_MIXED },
  ]);
  const memRow = () => FILTERS.map((_, f) => pages(st, f));
  const start = memRow();
  const curve: { at: number; pages: number[]; shared: { keys: number; bytes: number } }[] = [];
  const statuses = new Map<string, number>();
  let unanswered = 0;
  let warm: number[] = start;
  let warmShared = sharedDataSize(st);
  let peak = [...start];
  const t0 = performance.now();
  for (let i = 1; i <= N; i++) {
    const m = MIX[TABLE[(i * 7919) % TABLE.length]];
    const consumer = m.x.headers?.["x-mse-consumer"] ?? `c${i % CONSUMERS}`;
    const s = exchange(st, { ...m.x, headers: { "x-mse-consumer": consumer, ...m.x.headers } });
    if (!s.ended) {
      unanswered++;
      s.reset();
    }
    const key = `${m.name} ${s.response.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    st.advance(1);
    if (i % 1000 === 0) {
      st.accessLog.length = 0;
      if (st.logs.length > 1000) st.logs.splice(0, st.logs.length - 100);
      const p = memRow();
      peak = peak.map((x, f) => Math.max(x, p[f]));
    }
    if (i === WARMUP) {
      warm = memRow();
      warmShared = sharedDataSize(st);
    }
    if (i % STEP === 0 || i === N) {
      curve.push({ at: i, pages: memRow(), shared: sharedDataSize(st) });
      process.stderr.write(`\r${i}/${N} requests, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  process.stderr.write("\n");
  const end = memRow();
  const traps = trapLines(st);

  console.log(`soak: ${N} requests through ai-statistics + ai-rate-limit + ai-proxy in ${((performance.now() - t0) / 1000).toFixed(1)} s (warm-up ${WARMUP})`);
  console.log("\nlinear memory per VM (64 KiB pages) and shared data (vm_id " + VM_ID + ")");
  console.log(["requests".padStart(9), ...FILTERS.map((f) => f.padStart(14)), "shared keys".padStart(12), "shared bytes".padStart(13)].join(" "));
  console.log(["start".padStart(9), ...start.map((p) => String(p).padStart(14)), "".padStart(12), "".padStart(13)].join(" "));
  for (const c of curve) console.log([String(c.at).padStart(9), ...c.pages.map((p) => String(p).padStart(14)), String(c.shared.keys).padStart(12), String(c.shared.bytes).padStart(13)].join(" "));
  console.log("\nresponses (mix entry, status):");
  for (const [k, v] of [...statuses].sort()) console.log(`  ${String(v).padStart(8)}  ${k}`);

  const problems: string[] = [];
  FILTERS.forEach((name, f) => {
    const growth = (end[f] - warm[f]) * 64;
    if (growth > 64) problems.push(`${name}: linear memory grew ${growth} KiB after warm-up (${warm[f]} -> ${end[f]} pages; limit 64 KiB)`);
    const steadyMiB = (peak[f] * 64) / 1024;
    if (steadyMiB > 2) problems.push(`${name}: steady state ${steadyMiB.toFixed(2)} MiB of linear memory (${peak[f]} pages; limit 2 MiB)`);
  });
  // Shared data: ai-proxy keeps a fixed set of keys; ai-rate-limit one key per (rule, window, consumer)
  // with 16 + 8K bytes, emptied when the window has passed. After warm-up every consumer has been seen,
  // so the key count must not grow and the bytes must stay within what the warm-up held.
  const endShared = sharedDataSize(st);
  if (endShared.keys > warmShared.keys) problems.push(`shared data keys grew after warm-up: ${warmShared.keys} -> ${endShared.keys}`);
  if (endShared.bytes > warmShared.bytes * 1.1 + 4096) problems.push(`shared data bytes grew after warm-up: ${warmShared.bytes} -> ${endShared.bytes}`);
  if (traps.length) problems.push(`${traps.length} traps, first: ${traps[0]}`);
  if (unanswered) problems.push(`${unanswered} requests never finished`);
  const limited = [...statuses].filter(([k]) => k.startsWith("hot") && k.endsWith(" 429")).reduce((a, [, v]) => a + v, 0);
  if (N >= 10_000 && limited === 0) problems.push("no request of the hot consumer was rate-limited (the limit did not act)");
  console.log(`\nshared data: after warm-up ${warmShared.keys} keys / ${warmShared.bytes} B, at the end ${endShared.keys} keys / ${endShared.bytes} B`);
  await st.close();
  if (problems.length) {
    console.log(`\nSOAK FAILED:\n${problems.map((p) => "  - " + p).join("\n")}`);
    process.exit(1);
  }
  console.log("\nSOAK PASSED");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
