// Seeded fuzz run: `npx tsx tests/fuzz/main.ts [--full] [--seed N] [--cases N] [--from I] [--case I]`.
// --full = 100,000 cases (make fuzz); default 5,000. --case I re-runs one case alone (fresh stacks).
// Prints a summary; exits 1 if any unknown failure was found.
import { fuzz, type Summary } from "./run.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg("--seed") ?? 1);
const one = arg("--case");
const count = one !== undefined ? 1 : Number(arg("--cases") ?? (process.argv.includes("--full") ? 100_000 : 5_000));
const from = one !== undefined ? Number(one) : Number(arg("--from") ?? 0);

function top(m: Record<string, number>, n = 40): string {
  return Object.entries(m).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${String(v).padStart(7)}  ${k}`).join("\n");
}

function print(s: Summary): void {
  console.log(`\nfuzz seed ${seed}: ${s.cases} cases (from ${from}) in ${(s.ms / 1000).toFixed(1)} s`);
  console.log(`targets:\n${top(s.byTarget)}`);
  console.log(`input kinds:\n${top(s.byKind)}`);
  console.log(`outcomes (target: response details + status):\n${top(s.outcomes, 60)}`);
  console.log(`known plugin bugs hit: ${s.known.length}`);
  const byKnown = new Map<string, number>();
  for (const k of s.known) byKnown.set(k.known!.split(":")[0], (byKnown.get(k.known!.split(":")[0]) ?? 0) + 1);
  for (const [k, v] of byKnown) console.log(`  ${v} x ${k}`);
  console.log(`FAILURES: ${s.failures.length}`);
  const groups = new Map<string, typeof s.failures>();
  for (const f of s.failures) {
    const key = f.target + " | " + f.problem.replace(/\d+/g, "N").slice(0, 90);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(f);
  }
  for (const [key, fs] of groups) {
    const f = fs[0];
    console.log(`\n- ${fs.length} x ${key}\n  e.g. --seed ${f.seed} --case ${f.index}: ${f.what}\n  ${f.problem.slice(0, 600)}`);
  }
}

const s = await fuzz(seed, count, {
  from,
  onProgress: (done, sum) => process.stderr.write(`\r${done}/${count} cases, ${sum.failures.length} failures, ${(sum.ms / 1000).toFixed(0)} s`),
});
process.stderr.write("\n");
print(s);
process.exit(s.failures.length ? 1 : 0);
