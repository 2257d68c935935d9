// The fuzz driver: per case (seed, index) it picks a target stack, builds a request and an upstream
// response from the case's Rng, drives them through the host's test stack, and checks: no trap, no
// hang (the stream ends within bounded steps), every plugin rejection a clear error in the
// client's protocol, bodies byte-identical where no conversion applies, converted output valid.
import type { TestStack, TestStream } from "../../host/testing.ts";
import { makeStack, trapLines, type FilterSpec } from "../../bench/lib/chain.ts";
import { PLUGINS } from "../../bench/lib/wasm.ts";
import * as T from "../../bench/lib/traffic.ts";
import { caseRng, type Rng } from "./rng.ts";
import { chunk, extraHeaders, requestBody, responsePlan, type Protocol } from "./inputs.ts";
import { equalBytes, errorJsonProblem, openaiJsonProblem, openaiStreamProblem, relayedStreamProblem, text, commonPrefix, openaiAnswerText, convertedRequestProblem } from "./checks.ts";
import { configCase, configProblem, loadConfig } from "./configs.ts";
import { isKnownFailure } from "./known-failures.ts";

/** How a target's output is checked. */
type Mode = "identical" | "proxy-same" | "converted";

interface Target {
  name: string;
  filters: FilterSpec[];
  mode: Mode;
  /** client protocols this target is fed (the upstream answers in the same one unless converted) */
  clients: Protocol[];
}

const RL_FUZZ = { rules: [{ name: "q", limit_by_per_consumer: "", query_per_minute: 100000000 }, { name: "t", token_per_minute: 1000000000000 }] };
const PROXY_ANTHROPIC = { provider: { type: "claude", apiTokens: ["sk-ant-fuzz"] } };

export const TARGETS: Target[] = [
  { name: "ai-statistics", filters: [{ module: "ai-statistics", config: T.STATS }], mode: "identical", clients: ["openai", "anthropic"] },
  { name: "ai-rate-limit", filters: [{ module: "ai-rate-limit", config: RL_FUZZ }], mode: "identical", clients: ["openai", "anthropic"] },
  { name: "ai-proxy openai->openai", filters: [{ module: "ai-proxy", config: T.PROXY_SAME }], mode: "proxy-same", clients: ["openai"] },
  { name: "ai-proxy anthropic->anthropic", filters: [{ module: "ai-proxy", config: PROXY_ANTHROPIC }], mode: "proxy-same", clients: ["anthropic"] },
  { name: "ai-proxy openai->anthropic", filters: [{ module: "ai-proxy", config: T.PROXY_TO_CLAUDE }], mode: "converted", clients: ["openai"] },
  { name: "chain stats+rate-limit+proxy", filters: [{ module: "ai-statistics", config: T.STATS }, { module: "ai-rate-limit", config: RL_FUZZ }, { module: "ai-proxy", config: T.PROXY_TO_CLAUDE }], mode: "converted", clients: ["openai"] },
];

export interface Failure {
  seed: number;
  index: number;
  target: string;
  what: string;
  problem: string;
  known?: string;
}

export interface Summary {
  cases: number;
  byTarget: Record<string, number>;
  byKind: Record<string, number>;
  outcomes: Record<string, number>;
  failures: Failure[];
  known: Failure[];
  ms: number;
}

const MAX_WAIT_MS = 400_000; // longer than every timeout a plugin or the router sets here
const enc = new TextEncoder();

/** Advances the fake clock until the stream ended (or MAX_WAIT_MS passed); false = hang. */
function settle(st: TestStack, s: TestStream, done: () => boolean): boolean {
  for (let waited = 0; !done(); waited += 1000) {
    for (const c of st.httpCalls) if (!c.answered && !c.aborted) c.fail("reset");
    if (waited >= MAX_WAIT_MS) return false;
    st.advance(1000);
  }
  return true;
}

export class Fuzzer {
  private stacks = new Map<string, TestStack>();
  readonly summary: Summary = { cases: 0, byTarget: {}, byKind: {}, outcomes: {}, failures: [], known: [], ms: 0 };

  constructor(readonly seed: number, readonly configShare = 0.02) {}

  private async stack(t: Target): Promise<TestStack> {
    let st = this.stacks.get(t.name);
    if (!st) {
      st = await makeStack(t.filters, { logLevel: 3 });
      this.stacks.set(t.name, st);
    }
    return st;
  }

  async close(): Promise<void> {
    for (const st of this.stacks.values()) await st.close();
    this.stacks.clear();
  }

  private record(index: number, target: string, what: string, problem: string | null): void {
    if (!problem) return;
    const f: Failure = { seed: this.seed, index, target, what, problem };
    const known = isKnownFailure(f);
    if (known) this.summary.known.push({ ...f, known });
    else this.summary.failures.push(f);
  }

  private count(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }

  /** Runs case `index`. */
  async run(index: number): Promise<void> {
    const t0 = performance.now();
    const r = caseRng(this.seed, index);
    this.summary.cases++;
    if (r.chance(this.configShare)) await this.configRun(r, index);
    else await this.trafficRun(r, index);
    this.summary.ms += performance.now() - t0;
  }

  private async configRun(r: Rng, index: number): Promise<void> {
    const plugin = r.pick(PLUGINS);
    const c = configCase(r, plugin);
    const o = await loadConfig(plugin, c.text);
    this.count(this.summary.byTarget, `${plugin} config`);
    this.count(this.summary.byKind, `config ${c.kind}`);
    this.count(this.summary.outcomes, o.loaded ? "config accepted" : "config rejected");
    this.record(index, `${plugin} config`, `config ${c.kind}: ${c.text.slice(0, 300)}`, configProblem(o));
  }

  private async trafficRun(r: Rng, index: number): Promise<void> {
    const t = r.pick(TARGETS);
    const st = await this.stack(t);
    const client = r.pick(t.clients);
    const req = requestBody(r, client);
    const wantStream = !!(req.json && typeof req.json === "object" && (req.json as Record<string, unknown>).stream === true);
    const upstreamProto = t.mode === "converted" ? "anthropic" : client;
    const plan = responsePlan(r, upstreamProto, wantStream);
    const path = client === "anthropic" ? "/v1/messages" : "/v1/chat/completions";
    const headers: [string, string][] = [[":method", "POST"], [":path", path], [":authority", "gw"], [":scheme", "http"], ["content-type", "application/json"], ["x-mse-consumer", `c${r.int(50)}`]];
    if (client === "anthropic") headers.push(["anthropic-version", "2023-06-01"]);
    const extra = extraHeaders(r);
    for (const [k, v] of extra) {
      const i = headers.findIndex((h) => h[0] === k);
      if (i >= 0 && r.chance(0.7)) headers[i] = [k, v];
      else headers.push([k, v]);
    }
    const what = `${t.name}: ${client} request ${req.kind} (${req.body.length} B${extra.length ? `, +${extra.length} headers` : ""}), upstream ${plan.kind} ${plan.status}${plan.reset ? " then reset" : ""}`;
    this.count(this.summary.byTarget, t.name);
    this.count(this.summary.byKind, `request ${req.kind}`);
    this.count(this.summary.byKind, `response ${plan.kind}`);

    const trapsBefore = trapLines(st).length;
    const s = st.stream();
    const fail = (p: string | null) => this.record(index, t.name, what, p);
    const pieces = chunk(r, req.body);
    s.sendRequestHeaders(headers);
    pieces.forEach((p, i) => {
      if (!s.ended) s.sendRequestBody(p, i === pieces.length - 1);
    });
    // the request must reach the upstream or be answered
    if (!settle(st, s, () => s.upstream !== null || s.ended || s.response.started)) {
      fail("hang: the request neither reached the upstream nor got an answer");
      return this.cleanup(st, s);
    }
    const up = s.upstream;
    const sent: Uint8Array[] = [];
    if (up && !up.aborted && !s.response.started) {
      up.respondHeaders({ ":status": String(plan.status), ...plan.headers });
      for (const p of plan.pieces) {
        if (up.aborted || s.ended) break;
        up.respondBody(p);
        sent.push(p);
      }
      if (!up.aborted && !s.ended) {
        if (plan.reset) up.fail("reset");
        else up.respondBody(new Uint8Array(0), true);
      }
    }
    if (!settle(st, s, () => s.response.ended || s.response.reset || s.ended)) fail("hang: the response never ended");

    const traps = trapLines(st).slice(trapsBefore);
    if (traps.length || s.details === "wasm_fail_stream") {
      fail(`trap: ${traps[0] ?? s.details}`);
      return this.cleanup(st, s);
    }
    const res = s.response;
    const details = s.details ?? "";
    this.count(this.summary.outcomes, `${t.name}: ${details || "none"} ${res.status}`);

    // plugin local replies: a clear error in the client's protocol
    if (/^ai_/.test(details) && res.status >= 400) fail(errorJsonProblem(res.bodyText, client));

    // the request as forwarded
    if (up && (t.mode === "identical" || t.mode === "proxy-same")) fail(forwardedRequestProblem(t, client, req.body, up.body, up.ended));
    if (up && up.ended && t.mode === "converted" && req.kind === "valid") fail(convertedRequestProblem(req.json as never, up.body));

    // the response as the client got it
    if (details === "via_upstream" && up) {
      const upstreamBytes = Buffer.concat(sent);
      const streamed = plan.status === 200 && plan.stream;
      if (t.mode === "identical") {
        if (!equalBytes(upstreamBytes, res.body) && !(res.reset && commonPrefix(upstreamBytes, res.body) === res.body.length)) {
          fail(`response body changed (upstream ${upstreamBytes.length} B, client ${res.body.length} B, first difference at ${commonPrefix(upstreamBytes, res.body)})`);
        }
      } else if (t.mode === "proxy-same" && !res.reset) {
        if (streamed) fail(relayedStreamProblem(upstreamBytes, res.body, client));
        else if (!equalBytes(upstreamBytes, res.body) && !(plan.status >= 400 && errorJsonProblem(res.bodyText, client) === null)) {
          fail(`same-protocol response changed (upstream ${upstreamBytes.length} B, client ${res.body.length} B, first difference at ${commonPrefix(upstreamBytes, res.body)})`);
        }
      } else if (t.mode === "converted" && !res.reset && res.ended) {
        const sse = (res.header("content-type") ?? "").startsWith("text/event-stream");
        fail(sse ? openaiStreamProblem(res.bodyText) : openaiJsonProblem(res.bodyText, res.status));
        if (plan.text !== undefined && res.status === 200) {
          const got = openaiAnswerText(res.bodyText, sse);
          if (got !== plan.text) fail(`converted answer text differs: got ${JSON.stringify(got?.slice(0, 160))}, want ${JSON.stringify(plan.text.slice(0, 160))}`);
        }
      }
    }
    this.cleanup(st, s);
  }

  private cleanup(st: TestStack, s: TestStream): void {
    if (!s.ended) s.reset();
    st.accessLog.length = 0;
    if (st.logs.length > 1000) st.logs.splice(0, st.logs.length);
    if (st.httpCalls.length > 1000) st.httpCalls.splice(0, st.httpCalls.length);
  }
}

/**
 * The request the upstream got, for targets that must not change bodies: ai-statistics and
 * ai-rate-limit forward every byte; ai-proxy on the same protocol with no model mapping changes
 * only what its README lists: `stream_options.include_usage: true` on streamed OpenAI requests.
 */
function forwardedRequestProblem(t: Target, client: Protocol, body: Uint8Array, got: Uint8Array, ended: boolean): string | null {
  if (!ended) return null; // still held/buffered, nothing to compare
  if (equalBytes(body, got)) return null;
  const where = `first difference at byte ${commonPrefix(body, got)} (client ${body.length} B, upstream ${got.length} B)`;
  if (t.mode === "identical" || client !== "openai") return `request body changed: ${where}`;
  let sentJson: Record<string, unknown> | undefined;
  let gotJson: unknown;
  try {
    sentJson = JSON.parse(text(body));
    gotJson = JSON.parse(text(got));
  } catch {
    return `request body changed (not JSON on one side): ${where}`;
  }
  if (!sentJson || typeof sentJson !== "object" || sentJson.stream !== true) return `request body changed although it is not a stream: ${where}`;
  const so = sentJson.stream_options;
  const expected = { ...sentJson, stream_options: { ...(so && typeof so === "object" && !Array.isArray(so) ? so : {}), include_usage: true } };
  if (JSON.stringify(sortKeys(expected)) === JSON.stringify(sortKeys(gotJson))) return null;
  return `request body changed beyond stream_options.include_usage: ${where}: ${JSON.stringify(text(got).slice(commonPrefix(body, got), commonPrefix(body, got) + 80))}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** Runs cases [from, from + count) of `seed`; `onProgress` every 1000 cases. */
export async function fuzz(seed: number, count: number, opts: { from?: number; onProgress?: (done: number, s: Summary) => void; configShare?: number } = {}): Promise<Summary> {
  const f = new Fuzzer(seed, opts.configShare);
  const from = opts.from ?? 0;
  try {
    for (let i = from; i < from + count; i++) {
      await f.run(i);
      if (opts.onProgress && (i - from + 1) % 1000 === 0) opts.onProgress(i - from + 1, f.summary);
    }
  } finally {
    await f.close();
  }
  return f.summary;
}

void enc;
