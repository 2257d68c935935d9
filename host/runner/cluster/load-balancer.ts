// Host selection as Envoy's load balancers do it, for hosts that are all healthy (the runner has
// no health checking):
// - only the lowest priority level that has hosts gets traffic;
// - ROUND_ROBIN: plain rotation from a random start when weights are equal, otherwise an
//   earliest-deadline-first schedule (each pick advances the host's deadline by 1/weight);
// - LEAST_REQUEST: equal weights -> power of two choices (fewer active requests wins);
//   unequal -> EDF on weight / (active + 1);
// - RANDOM: uniform; weights are ignored, as in Envoy's RandomLoadBalancer.
import type { LbPolicy, Metadata } from "../config/types.ts";

export interface Host {
  address: string; // resolved IP (or the name for LOGICAL_DNS before resolution)
  port: number;
  weight: number;
  priority: number;
  metadata: Metadata;
  hostname: string;
  active: number; // requests in flight
}

export type Random = () => number; // [0, 1)

export class LoadBalancer {
  private hosts: Host[] = [];
  private rrIndex = 0;
  private deadlines: number[] = [];
  private now = 0;

  constructor(
    private readonly policy: LbPolicy,
    private readonly random: Random = Math.random,
  ) {}

  /** Replaces the host set (new EDS file, DNS answer). */
  setHosts(all: Host[]): void {
    const lowest = Math.min(...all.map((h) => h.priority));
    this.hosts = all.filter((h) => h.priority === lowest);
    this.rrIndex = Math.floor(this.random() * Math.max(this.hosts.length, 1));
    this.now = 0;
    this.deadlines = this.hosts.map((h) => 1 / h.weight);
    // Start the schedule at a random point so every process does not begin on the same host.
    const prePicks = Math.floor(this.random() * this.hosts.length);
    for (let i = 0; i < prePicks; i++) this.edf((h) => h.weight);
  }

  get size(): number {
    return this.hosts.length;
  }

  pick(): Host | null {
    const hosts = this.hosts;
    if (hosts.length === 0) return null;
    if (hosts.length === 1) return hosts[0];
    const equal = hosts.every((h) => h.weight === hosts[0].weight);
    switch (this.policy) {
      case "RANDOM":
        return hosts[Math.floor(this.random() * hosts.length)];
      case "LEAST_REQUEST":
        if (equal) {
          const a = hosts[Math.floor(this.random() * hosts.length)];
          const b = hosts[Math.floor(this.random() * hosts.length)];
          return b.active < a.active ? b : a;
        }
        return this.edf((h) => h.weight / (h.active + 1));
      default:
        if (equal) return hosts[this.rrIndex++ % hosts.length];
        return this.edf((h) => h.weight);
    }
  }

  /** Earliest deadline first: the host with the smallest deadline wins and moves 1/weight on. */
  private edf(weightOf: (h: Host) => number): Host {
    let best = 0;
    for (let i = 1; i < this.hosts.length; i++) if (this.deadlines[i] < this.deadlines[best]) best = i;
    this.now = this.deadlines[best];
    const w = weightOf(this.hosts[best]);
    this.deadlines[best] = this.now + 1 / (w > 0 ? w : 1e-9);
    return this.hosts[best];
  }
}
