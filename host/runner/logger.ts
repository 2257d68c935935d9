// Logger and Clock for the host, Envoy-style: "[time][level][source] message" on stderr.
import type { Clock, Logger } from "../contract.ts";

const LEVELS = ["trace", "debug", "info", "warning", "error", "critical"];

export function levelFromName(name: string): number | null {
  const i = LEVELS.indexOf(name === "warn" ? "warning" : name);
  return i < 0 ? null : i;
}

export class RunnerLogger implements Logger {
  constructor(
    public minLevel = 2,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line + "\n"),
  ) {}

  level(): number {
    return this.minLevel;
  }

  log(level: number, source: string, message: string): void {
    if (level < this.minLevel) return;
    const name = LEVELS[Math.max(0, Math.min(level, 5))];
    this.write(`[${new Date().toISOString()}][${name}][${source}] ${message}`);
  }
}

// Wall clock with nanosecond steps: the epoch time at start plus a monotonic offset.
const epochBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export const systemClock: Clock = {
  nowNanos: () => epochBase + process.hrtime.bigint(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
