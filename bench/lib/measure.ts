// CPU time per iteration on a noisy machine: every probe of a scenario is measured in the same
// round, rounds interleave the probes (so a noisy moment hits all of them), and the derived numbers
// (differences, ratios) are computed per round, then the median over rounds is reported.

export type Probe = () => void;

export interface Sample {
  /** CPU µs (user + system, whole process) per iteration */
  cpu: number;
  /** wall µs per iteration */
  wall: number;
}

/** Runs `fn` `iters` times and returns CPU and wall time per iteration. */
export function time(fn: Probe, iters: number): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  const wall = (performance.now() - t0) * 1000;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / iters, wall: wall / iters };
}

/** Iterations that take about `targetMs` of wall time (after a warm-up of as long). */
export function calibrate(fn: Probe, targetMs: number): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const ms = performance.now() - t0;
    if (ms >= targetMs / 4 || n >= 1 << 22) return Math.max(1, Math.round((n * targetMs) / Math.max(ms, 0.001)));
    n *= 2;
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measures named probes in `rounds` interleaved rounds (each probe ~`targetMs` per round) and
 * returns, per probe, the CPU µs per iteration of every round (index = round).
 */
export function rounds(probes: Record<string, Probe>, opts: { rounds?: number; targetMs?: number } = {}): Record<string, number[]> {
  const names = Object.keys(probes);
  const iters: Record<string, number> = {};
  for (const n of names) {
    iters[n] = calibrate(probes[n], opts.targetMs ?? 40); // also the warm-up
    time(probes[n], iters[n]);
  }
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const r = opts.rounds ?? 7;
  for (let i = 0; i < r; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const n of order) out[n][i] = time(probes[n], iters[n]).cpu;
  }
  return out;
}

/** Median over rounds of f(round index). */
export function medianOf(n: number, f: (i: number) => number): number {
  return median(Array.from({ length: n }, (_, i) => f(i)));
}
