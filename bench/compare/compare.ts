// `make compare`: our gateway (local runner + the three plugins) side by side with Portkey's
// open-source gateway, same mock upstream, same autocannon load, same request bodies.
// Each gateway and the mock run as their own process so /proc/<pid>/stat gives each one's CPU
// time; the load generator runs here. Ratios come from one run (the machine is shared and noisy).
//
//   node --import tsx bench/compare/compare.ts [--duration 10] [--connections 50] [--out bench/out/compare.md]
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import http from "node:http";
import autocannon from "autocannon";

const ROOT = resolve(import.meta.dirname, "..", "..");
const MOCK_PORT = 18190; // must match bench/compare/envoy.yaml
const OURS_PORT = 18191;
const OURS_ADMIN = 18192;
const PORTKEY_PORT = 18193;
const CLK_TCK = 100; // Linux USER_HZ (getconf CLK_TCK); /proc/<pid>/stat times are in these ticks

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const DURATION = Number(arg("duration", "10"));
const CONNECTIONS = Number(arg("connections", "50"));
const UNLOADED_DURATION = Number(arg("unloaded-duration", "3"));
const OUT = resolve(ROOT, arg("out", "bench/out/compare.md"));

// ~2 KB request bodies: a long user turn; the answer is capped at 64 tokens for every target.
const PROMPT = Array.from({ length: 40 }, (_, i) => `sentence ${i} about the gateway benchmark text`).join(" ");
const chatBody = (stream: boolean, model: string): string =>
  JSON.stringify({
    model,
    max_tokens: 64,
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content: PROMPT },
    ],
    ...(stream ? { stream: true } : {}),
  });
const anthropicBody = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  system: "You are a terse assistant.",
  messages: [{ role: "user", content: PROMPT }],
});

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}
interface Scenario {
  name: string;
  mock: Target;
  ours: Target;
  portkey: Target;
  /** a check that one answer is the real thing (not a fast error) */
  check: (body: string) => boolean;
}

const json = { "content-type": "application/json" };
const pk = (provider: string) => ({
  ...json,
  "x-portkey-provider": provider,
  "x-portkey-custom-host": `http://127.0.0.1:${MOCK_PORT}/v1`,
  authorization: "Bearer sk-compare",
});
const mockUrl = `http://127.0.0.1:${MOCK_PORT}`;
const oursUrl = `http://127.0.0.1:${OURS_PORT}`;
const pkUrl = `http://127.0.0.1:${PORTKEY_PORT}`;
const isChat = (b: string) => b.includes('"chat.completion"') && b.includes("echo: ");
const isStream = (b: string) => b.includes("chat.completion.chunk") && b.trimEnd().endsWith("data: [DONE]");

const SCENARIOS: Scenario[] = [
  {
    name: "non-streaming",
    mock: { url: `${mockUrl}/v1/chat/completions`, headers: { ...json, authorization: "Bearer sk-compare" }, body: chatBody(false, "gpt-4o-mini") },
    ours: { url: `${oursUrl}/v1/chat/completions`, headers: json, body: chatBody(false, "gpt-4o-mini") },
    portkey: { url: `${pkUrl}/v1/chat/completions`, headers: pk("openai"), body: chatBody(false, "gpt-4o-mini") },
    check: isChat,
  },
  {
    name: "streaming",
    mock: { url: `${mockUrl}/v1/chat/completions`, headers: { ...json, authorization: "Bearer sk-compare" }, body: chatBody(true, "gpt-4o-mini") },
    ours: { url: `${oursUrl}/v1/chat/completions`, headers: json, body: chatBody(true, "gpt-4o-mini") },
    portkey: { url: `${pkUrl}/v1/chat/completions`, headers: pk("openai"), body: chatBody(true, "gpt-4o-mini") },
    check: isStream,
  },
  {
    name: "openai->anthropic",
    // The mock alone answers the Anthropic request the gateways send it.
    mock: { url: `${mockUrl}/v1/messages`, headers: { ...json, "x-api-key": "sk-compare", "anthropic-version": "2023-06-01" }, body: anthropicBody },
    ours: { url: `${oursUrl}/v1/chat/completions`, headers: { ...json, "x-ai-tag": "anthropic" }, body: chatBody(false, "claude-sonnet-4-5") },
    portkey: { url: `${pkUrl}/v1/chat/completions`, headers: pk("anthropic"), body: chatBody(false, "claude-sonnet-4-5") },
    check: isChat,
  },
];

// ---- processes ----------------------------------------------------------------------------

const children: ChildProcess[] = [];
function start(name: string, args: string[]): ChildProcess {
  const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
  p.on("exit", (code) => {
    if (!stopping) {
      console.error(`${name} exited early (code ${code}):\n${err}`);
      process.exit(1);
    }
  });
  children.push(p);
  return p;
}
let stopping = false;
function stopAll(): void {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once("error", () => res(false));
    s.listen(port, "0.0.0.0", () => s.close(() => res(true)));
  });
}

async function waitFor(url: string, init: RequestInit, ok: (status: number) => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url, init);
      await r.text();
      if (ok(r.status)) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

// ---- measurements -------------------------------------------------------------------------

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  return Number(fields[11]) + Number(fields[12]); // utime (#14) + stime (#15)
}
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  bad: number; // non-2xx + errors + timeouts
  cpuUsPerReq: number;
  rssMB: number;
}

async function load(t: Target, connections: number, duration: number, pid?: number): Promise<Run> {
  const t0 = pid ? cpuTicks(pid) : 0;
  let peak = pid ? rssMB(pid) : NaN;
  const sampler = pid ? setInterval(() => (peak = Math.max(peak, rssMB(pid))), 200) : null;
  const r = await autocannon({ url: t.url, method: "POST", headers: t.headers, body: t.body, connections, duration });
  if (sampler) clearInterval(sampler);
  const ticks = pid ? cpuTicks(pid) - t0 : 0;
  const total = r.requests.total;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total,
    bad: r.non2xx + r.errors + r.timeouts,
    cpuUsPerReq: pid && total > 0 ? (ticks * (1e6 / CLK_TCK)) / total : NaN,
    rssMB: peak,
  };
}

/** One connection, one request at a time, timed with hrtime (autocannon rounds to whole ms). */
async function sequential(t: Target, seconds: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(t.url);
  const once = () =>
    new Promise<number>((res, rej) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: t.headers, agent }, (r) => {
        r.resume();
        r.on("end", () => (r.statusCode === 200 ? res(Number(process.hrtime.bigint() - t0) / 1e6) : rej(new Error(`HTTP ${r.statusCode}`))));
      });
      req.on("error", rej);
      req.end(t.body);
    });
  const times: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) times.push(await once());
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { rps: times.length / seconds, p50: q(0.5), p99: q(0.99), total: times.length, bad: 0, cpuUsPerReq: NaN, rssMB: NaN };
}

async function checkOnce(s: Scenario, which: "mock" | "ours" | "portkey"): Promise<void> {
  const t = s[which];
  const r = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
  const text = await r.text();
  const ok = which === "mock" ? r.status === 200 : r.status === 200 && s.check(text);
  if (!ok) throw new Error(`${s.name} via ${which}: HTTP ${r.status}, unexpected answer: ${text.slice(0, 300)}`);
}

// ---- report -------------------------------------------------------------------------------

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? (a / b).toFixed(2) : "n/a");

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown CPU";
  return `${os.availableParallelism()} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  for (const p of [MOCK_PORT, OURS_PORT, OURS_ADMIN, PORTKEY_PORT]) {
    if (!(await portFree(p))) throw new Error(`port ${p} is in use; bench/compare needs ${MOCK_PORT}-${PORTKEY_PORT}`);
  }
  const mock = start("mock", ["--import", "tsx", "host/mock/main.ts", "--port", String(MOCK_PORT)]);
  const ours = start("runner", ["--import", "tsx", "host/runner/main.ts", "-c", "bench/compare/envoy.yaml", "-l", "error"]);
  const portkey = start("portkey", [join("bench", "compare", "node_modules", "@portkey-ai", "gateway", "build", "start-server.js"), `--port=${PORTKEY_PORT}`]);
  await waitFor(`${mockUrl}/v1/models`, { headers: { authorization: "Bearer x" } }, (s) => s === 200);
  await waitFor(`http://127.0.0.1:${OURS_ADMIN}/ready`, {}, (s) => s === 200);
  await waitFor(`${pkUrl}/`, {}, (s) => s === 200);
  const concurrency = /server_concurrency\S* (\d+)/.exec(await (await fetch(`http://127.0.0.1:${OURS_ADMIN}/stats/prometheus`)).text())?.[1] ?? "?";

  const results: { s: Scenario; loaded: Record<string, Run>; unloaded: Record<string, Run> }[] = [];
  for (const s of SCENARIOS) {
    for (const w of ["mock", "ours", "portkey"] as const) await checkOnce(s, w);
    const pids = { mock: undefined, ours: ours.pid, portkey: portkey.pid } as Record<string, number | undefined>;
    const loaded: Record<string, Run> = {};
    const unloaded: Record<string, Run> = {};
    for (const w of ["mock", "ours", "portkey"] as const) {
      await load(s[w], CONNECTIONS, 2); // warm-up (JIT, keep-alive pools), not counted
      loaded[w] = await load(s[w], CONNECTIONS, DURATION, pids[w]);
      unloaded[w] = await sequential(s[w], UNLOADED_DURATION);
      console.error(`${s.name.padEnd(18)} ${w.padEnd(8)} ${f0(loaded[w].rps)} req/s  p50 ${loaded[w].p50} ms  p99 ${loaded[w].p99} ms  unloaded p50 ${f2(unloaded[w].p50)} ms  bad ${loaded[w].bad}`);
    }
    results.push({ s, loaded, unloaded });
  }
  void mock;

  const lines: string[] = [];
  lines.push(`# Our gateway vs Portkey gateway 1.15.2`, ``);
  lines.push(`Machine: ${machine()}. Run: ${new Date().toISOString()}.`);
  lines.push(`Load: autocannon ${CONNECTIONS} connections x ${DURATION} s per target (after a 2 s warm-up), plus one connection sending one request at a time for ${UNLOADED_DURATION} s (unloaded latency, timed with hrtime); ~${chatBody(false, "gpt-4o-mini").length} B request bodies, answers capped at 64 tokens.`);
  lines.push(`Ours: local runner (\`bench/compare/envoy.yaml\`, ai-statistics + ai-rate-limit + ai-proxy, ${concurrency} workers in one Node process). Portkey: \`start-server.js\` (one Node process). Both in front of the same mock (\`host/mock\`, its own process) on loopback; the load generator runs in a fourth process.`);
  lines.push(`Added latency = gateway p50 - mock-alone p50 in the same run. CPU = process CPU time (/proc/<pid>/stat utime+stime) / requests. RSS = peak during the loaded run.`, ``);
  lines.push(`| scenario | metric | mock alone | ours | Portkey | ours / Portkey | target | result |`);
  lines.push(`|---|---|---|---|---|---|---|---|`);
  let allPass = true;
  for (const { s, loaded: L, unloaded: U } of results) {
    const addL = (w: string) => Math.max(L[w].p50 - L.mock.p50, 0);
    const addU = (w: string) => Math.max(U[w].p50 - U.mock.p50, 0);
    const rpsR = L.ours.rps / L.portkey.rps;
    const addR = addL("portkey") > 0 ? addL("ours") / addL("portkey") : NaN;
    const rpsPass = rpsR >= 2;
    const addPass = Number.isFinite(addR) && addR <= 0.5;
    allPass &&= rpsPass && addPass && L.ours.bad === 0;
    const row = (metric: string, m: string, o: string, p: string, r: string, target = "", res = "") =>
      lines.push(`| ${s.name} | ${metric} | ${m} | ${o} | ${p} | ${r} | ${target} | ${res} |`);
    row("requests/s", f0(L.mock.rps), f0(L.ours.rps), f0(L.portkey.rps), rpsR.toFixed(2), ">= 2", rpsPass ? "PASS" : "MISS");
    row(`added p50 @${CONNECTIONS} conns (ms)`, "-", f1(addL("ours")), f1(addL("portkey")), Number.isFinite(addR) ? addR.toFixed(2) : "n/a", "<= 0.5", addPass ? "PASS" : "MISS");
    row(`p50 / p99 @${CONNECTIONS} conns (ms)`, `${L.mock.p50} / ${L.mock.p99}`, `${L.ours.p50} / ${L.ours.p99}`, `${L.portkey.p50} / ${L.portkey.p99}`, `${ratio(L.ours.p50, L.portkey.p50)} / ${ratio(L.ours.p99, L.portkey.p99)}`);
    row("added p50 @1 conn, unloaded (ms)", `(p50 ${f2(U.mock.p50)})`, f2(addU("ours")), f2(addU("portkey")), ratio(addU("ours"), addU("portkey")));
    row("CPU µs / request", "-", f0(L.ours.cpuUsPerReq), f0(L.portkey.cpuUsPerReq), ratio(L.ours.cpuUsPerReq, L.portkey.cpuUsPerReq));
    row("peak RSS (MB)", "-", f0(L.ours.rssMB), f0(L.portkey.rssMB), ratio(L.ours.rssMB, L.portkey.rssMB));
    if (L.ours.bad + L.portkey.bad > 0) row("failed responses (non-2xx, errors)", String(L.mock.bad), String(L.ours.bad), String(L.portkey.bad), "", "0", L.ours.bad === 0 ? "" : "MISS");
  }
  lines.push(``, `Overall: ${allPass ? "PASS" : "MISS"} (targets: >= 2x Portkey's requests/s and <= 1/2 its added p50 at ${CONNECTIONS} connections, every scenario).`);
  lines.push(``, `Reproduce: \`make compare\` (or \`bash bench/compare/run.sh --duration ${DURATION}\`).`);
  const md = lines.join("\n") + "\n";
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  console.log(md);
  console.log(`written to ${OUT}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
