// The arithmetic of Envoy's histograms (libcircllhist, "log-linear" bins), so /stats/prometheus
// reports what Envoy would for the same recorded values:
// - an integer v goes into the bin holding its two leading digits: 5 -> [5.0, 5.1),
//   123 -> [120, 130), 0 -> the zero bin;
// - a bucket `le=B` counts the bins whose UPPER edge is <= B (so a value of exactly 10 is not in
//   le="10": its bin is [10, 11));
// - the sum is each bin's midpoint times its count (123 counts as 125).

const POW10: number[] = Array.from({ length: 40 }, (_, i) => Number(`1e${i}`));

/** Bin of a non-negative integer: val in 10..99 (two digits), exp its decimal scale; val 0 = zero bin. */
export function binOf(value: bigint): { val: number; exp: number } {
  if (value <= 0n) return { val: 0, exp: 0 }; // Envoy records uint64; 0 lands in the zero bin
  let v = value;
  let scale = 1;
  if (v < 10n) {
    v *= 10n;
    scale -= 1;
  }
  while (v >= 100n) {
    v /= 10n;
    scale++;
  }
  return { val: Number(v), exp: scale };
}

function binLower(val: number, exp: number): number {
  return val === 0 ? 0 : (val / 10.0) * POW10[exp];
}

function binWidth(val: number, exp: number): number {
  return val === 0 ? 0 : POW10[exp] / 10.0;
}

export class LogLinearHistogram {
  // key = val + 100 * exp; kept sorted by value when read
  private readonly bins = new Map<number, number>();
  private total = 0;

  record(value: bigint): void {
    const { val, exp } = binOf(value);
    const key = exp * 100 + val;
    this.bins.set(key, (this.bins.get(key) ?? 0) + 1);
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  private sorted(): Array<{ lower: number; width: number; count: number }> {
    return [...this.bins.entries()]
      .map(([key, count]) => {
        const val = key % 100;
        const exp = (key - val) / 100;
        return { lower: binLower(val, exp), width: binWidth(val, exp), count };
      })
      .sort((a, b) => a.lower - b.lower);
  }

  /** hist_approx_sum: midpoints times counts, summed in bin order. */
  sum(): number {
    let s = 0.0;
    for (const b of this.sorted()) s += (b.lower + b.width / 2.0) * b.count;
    return s;
  }

  /** hist_approx_count_below for each threshold: samples in bins entirely at or below it. */
  countsBelow(thresholds: readonly number[]): number[] {
    const bins = this.sorted();
    return thresholds.map((t) => {
      let n = 0;
      for (const b of bins) {
        if (b.lower + b.width <= t) n += b.count;
        else break;
      }
      return n;
    });
  }

  /** hist_approx_quantile (quantiles ascending, each in [0, 1]); NaN for an empty histogram. */
  quantiles(qs: readonly number[]): number[] {
    const bins = this.sorted().filter((b) => b.count > 0);
    if (this.total === 0 || bins.length === 0) return qs.map(() => NaN);
    const out: number[] = [];
    let i = 0;
    let lowerCnt = 0;
    let upperCnt = bins[0].count;
    for (const q of qs) {
      const target = this.total * q;
      while (i < bins.length - 1 && upperCnt < target) {
        i++;
        lowerCnt = upperCnt;
        upperCnt = lowerCnt + bins[i].count;
      }
      const { lower, width } = bins[i];
      if (lowerCnt === target) out.push(lower);
      else if (upperCnt === target) out.push(lower + width);
      else if (width === 0) out.push(lower);
      else out.push(lower + ((target - lowerCnt) / (upperCnt - lowerCnt)) * width);
    }
    return out;
  }
}

/** Envoy's buckets when histogram_bucket_settings has no match. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];
