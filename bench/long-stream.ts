// `make long-stream`: one streaming response of 1,000,000 SSE events (--events N) through
// ai-statistics in the host's test stack (--chain: ai-statistics + ai-rate-limit + ai-proxy
// converting to Anthropic), for an OpenAI stream ending in a usage chunk and an Anthropic stream
// (--provider openai|anthropic|both, default both). Prints the VM's linear memory every 10 % of
// the events and the time per event, then asserts (exit 1 with the reasons):
//   - linear memory of every VM does not grow after the first 10,000 events;
//   - the token counts in the ai_log record and the Higress counters are exact;
//   - the client got every byte, no trap.
// Events go one per body chunk (--per-chunk N to batch), as an upstream flushes them.
import { makeStack, pages, trapLines, type FilterSpec } from "./lib/chain.ts";
import { openaiEvent, anthropicEvent, type LongStream } from "./lib/long-stream-events.ts";
import * as T from "./lib/traffic.ts";
import { MetricKind } from "../host/contract.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const EVENTS = Number(arg("--events") ?? 1_000_000);
const PER_CHUNK = Math.max(1, Number(arg("--per-chunk") ?? 1));
const PROVIDERS = (arg("--provider") ?? "both") === "both" ? ["openai", "anthropic"] : [arg("--provider")!];
const CHAIN = process.argv.includes("--chain");
const WARM = Math.min(10_000, Math.floor(EVENTS / 10));
const STEP = Math.max(1, Math.floor(EVENTS / 10));
const INPUT_TOKENS = 812;

/** Drops what the test stream keeps of the client's body (every chunk, for `response`): the run
 *  checks the VM and the byte count, and a million chunks would fill the Node heap. */
function dropClientChunks(s: object): void {
  (s as unknown as { chunks: Uint8Array[] }).chunks.length = 0;
}

async function run(kind: string): Promise<string[]> {
  const filters: FilterSpec[] = CHAIN
    ? [{ module: "ai-statistics", config: T.STATS }, { module: "ai-rate-limit", config: T.RATE_LIMIT_OPEN }, { module: "ai-proxy", config: T.PROXY_TO_CLAUDE }]
    : [{ module: "ai-statistics", config: T.STATS }];
  // Through the chain the client speaks OpenAI and the upstream Anthropic; alone, the upstream's
  // protocol is the client's.
  const upstreamKind = CHAIN ? "anthropic" : kind;
  if (CHAIN && kind !== "openai") return [];
  const ev: LongStream = upstreamKind === "openai" ? openaiEvent : anthropicEvent;
  const st = await makeStack(filters);
  const names = filters.map((f) => f.module);
  const memRow = () => filters.map((_, f) => pages(st, f));
  const s = st.stream(0);
  const path = "/v1/chat/completions";
  const body = CHAIN || kind === "openai" ? T.openaiChatRequest(1200, { stream: true, includeUsage: true }) : T.anthropicRequest(1200, { stream: true });
  s.sendRequestHeaders({ ":method": "POST", ":path": kind === "anthropic" && !CHAIN ? "/v1/messages" : path, ":authority": "gw", ":scheme": "http", "content-type": "application/json", "x-mse-consumer": "long" });
  s.sendRequestBody(body, true);
  if (!s.upstream) throw new Error(`${kind}: no upstream request opened (${s.response.status} ${s.response.bodyText.slice(0, 200)})`);
  s.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });

  console.log(`\n${CHAIN ? "chain (statistics + rate-limit + proxy, OpenAI client, Anthropic upstream)" : `ai-statistics, ${kind} stream`}: ${EVENTS} events, ${PER_CHUNK} per chunk`);
  console.log(["events".padStart(9), ...names.map((n) => n.padStart(14)), "us/event".padStart(9)].join(" "));
  const start = memRow();
  console.log(["start".padStart(9), ...start.map((p) => String(p).padStart(14)), "".padStart(9)].join(" "));
  let warm = start;
  let peak = start;
  let clientBytes = 0;
  const count = (x: object) => {
    for (const c of (x as unknown as { chunks: Uint8Array[] }).chunks) clientBytes += c.length;
    dropClientChunks(x);
  };
  const t0 = performance.now();
  let tStep = t0;
  let pending = "";
  let sent = 0;
  let upstreamBytes = 0;
  for (let i = 0; i < EVENTS; i++) {
    pending += ev.event(i, EVENTS, INPUT_TOKENS);
    if (++sent === PER_CHUNK || i === EVENTS - 1) {
      upstreamBytes += pending.length; // ASCII
      s.respondBody(pending);
      pending = "";
      sent = 0;
    }
    const n = i + 1;
    if (n % 1000 === 0) {
      count(s);
      peak = memRow().map((p, f) => Math.max(p, peak[f]));
    }
    if (n === WARM) warm = memRow();
    if (n % STEP === 0) {
      const now = performance.now();
      const us = ((now - tStep) * 1000) / STEP;
      tStep = now;
      console.log([String(n).padStart(9), ...memRow().map((p) => String(p).padStart(14)), us.toFixed(2).padStart(9)].join(" "));
    }
  }
  s.respondBody("", true);
  count(s);
  const total = performance.now() - t0;
  const end = memRow();
  peak = end.map((p, f) => Math.max(p, peak[f]));
  console.log(`${((total * 1000) / EVENTS).toFixed(2)} us per event over the whole stream (host + ${names.join(" + ")})`);

  const problems: string[] = [];
  names.forEach((name, f) => {
    if (peak[f] > warm[f]) problems.push(`${kind}: ${name} linear memory grew after ${WARM} events: ${warm[f]} -> ${peak[f]} pages`);
  });
  if (!s.ended || s.response.status !== 200) problems.push(`${kind}: stream did not end with 200 (status ${s.response.status}, ended ${s.ended})`);
  if (!CHAIN && clientBytes !== upstreamBytes) problems.push(`${kind}: client got ${clientBytes} bytes, upstream sent ${upstreamBytes}`);
  const out = ev.outputTokens(EVENTS);
  const raw = s.filterState("ai_log");
  if (raw === undefined) problems.push(`${kind}: no ai_log`);
  else {
    const log = JSON.parse(JSON.parse(`"${raw}"`)) as Record<string, unknown>;
    console.log(`ai_log: input_token ${log.input_token}, output_token ${log.output_token}, total_token ${log.total_token}, anomalies ${JSON.stringify(log.anomalies ?? [])}`);
    if (log.input_token !== INPUT_TOKENS || log.output_token !== out || log.total_token !== INPUT_TOKENS + out) {
      problems.push(`${kind}: ai_log tokens ${log.input_token}/${log.output_token}/${log.total_token}, expected ${INPUT_TOKENS}/${out}/${INPUT_TOKENS + out}`);
    }
    if (log.anomalies !== undefined) problems.push(`${kind}: anomalies ${JSON.stringify(log.anomalies)}`);
  }
  const outName = st.stats.names.find((n) => n.endsWith(".metric.output_token"));
  const counted = outName === undefined ? -1 : Number(st.stats.value(MetricKind.Counter, outName) ?? -1n);
  if (counted !== out) problems.push(`${kind}: counter ${outName ?? "output_token"} = ${counted}, expected ${out}`);
  const traps = trapLines(st);
  if (traps.length) problems.push(`${kind}: ${traps.length} traps, first: ${traps[0]}`);
  await st.close();
  return problems;
}

async function main(): Promise<void> {
  const problems: string[] = [];
  for (const p of PROVIDERS) problems.push(...(await run(p)));
  if (problems.length) {
    console.log(`\nLONG STREAM FAILED:\n${problems.map((p) => "  - " + p).join("\n")}`);
    process.exit(1);
  }
  console.log("\nLONG STREAM PASSED");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
