// The poll loop: one timer per cluster, last-good endpoints held through registry failures and
// empty blips, EDS files written only when the endpoint set changes.
import { EdsWriter, resolveInstances, systemLookup, type Lookup, type ResolvedInstance } from "./eds-writer.ts";
import type { Catalog, Log, PollResult, Source } from "./types.ts";

export interface TargetStatus {
  cluster: string;
  endpoints: number;
  /** Last poll failed, or the answer was empty/unreliable and the last good set is being held. */
  holding: boolean;
  lastError: string | null;
  polls: number;
  writes: number;
}

interface Target {
  source: Source;
  lastGood: ResolvedInstance[] | null;
  emptySince: number | null;
  lastError: string | null;
  holding: boolean;
  polls: number;
  writes: number;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  active: boolean;
}

export interface BridgeOptions {
  outDir: string;
  sources: Source[];
  catalogs?: Catalog[];
  log?: Log;
  lookup?: Lookup;
  /** Floor for every poll interval (ms), so a registry suggesting 0 cannot make the bridge spin. */
  minIntervalMs?: number;
}

export class Bridge {
  readonly writer: EdsWriter;
  private targets = new Map<string, Target>();
  private catalogTimers: NodeJS.Timeout[] = [];
  private stopped = false;
  private log: Log;
  private lookup: Lookup;
  private minIntervalMs: number;

  constructor(private opts: BridgeOptions) {
    this.log = opts.log ?? (() => {});
    this.lookup = opts.lookup ?? systemLookup;
    this.minIntervalMs = opts.minIntervalMs ?? 50;
    this.writer = new EdsWriter(opts.outDir, this.log);
    for (const s of opts.sources) this.add(s);
  }

  /** First round: discover, poll every cluster once, make sure every file exists; then keep polling. */
  async start(): Promise<void> {
    for (const c of this.opts.catalogs ?? []) await this.refreshCatalog(c);
    await Promise.all([...this.targets.values()].map((t) => this.pollNow(t)));
    for (const t of this.targets.values()) {
      // Envoy refuses a bootstrap whose EDS path is missing: an empty assignment lets it start;
      // an existing file (last run's endpoints) is left alone until the registry answers.
      if (!this.writer.exists(t.source.cluster)) this.writer.write(t.source.cluster, []);
      this.schedule(t);
    }
    this.started = true;
    for (const c of this.opts.catalogs ?? []) {
      const tick = () => {
        if (this.stopped) return;
        this.refreshCatalog(c).finally(() => {
          if (!this.stopped) this.catalogTimers.push(setTimeout(tick, c.intervalMs));
        });
      };
      this.catalogTimers.push(setTimeout(tick, c.intervalMs));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.catalogTimers) clearTimeout(t);
    for (const t of this.targets.values()) {
      if (t.timer) clearTimeout(t.timer);
      t.active = false;
    }
    await Promise.all([...this.targets.values()].map((t) => t.running));
  }

  status(): TargetStatus[] {
    return [...this.targets.values()].map((t) => ({
      cluster: t.source.cluster,
      endpoints: t.lastGood?.length ?? 0,
      holding: t.holding,
      lastError: t.lastError,
      polls: t.polls,
      writes: t.writes,
    }));
  }

  /** Polls every active cluster now (tests, SIGHUP). */
  async pollAll(): Promise<void> {
    await Promise.all([...this.targets.values()].filter((t) => t.active).map((t) => this.pollNow(t)));
  }

  private add(source: Source): Target {
    const existing = this.targets.get(source.cluster);
    if (existing) return existing;
    const t: Target = { source, lastGood: this.writer.exists(source.cluster) ? this.seed(source.cluster) : null, emptySince: null, lastError: null, holding: false, polls: 0, writes: 0, timer: null, running: null, active: true };
    this.targets.set(source.cluster, t);
    return t;
  }

  /** An existing file from the last run counts as the last good set, so a restart during an outage does not empty it. */
  private seed(cluster: string): ResolvedInstance[] | null {
    return this.writer.readExisting(cluster);
  }

  private async refreshCatalog(c: Catalog): Promise<void> {
    const r = await c.list();
    if (r.kind === "error") {
      this.log("warn", `${c.name}: service list failed, keeping the known services: ${r.error}`);
      return;
    }
    const owned = this.owned.get(c) ?? new Set<string>();
    this.owned.set(c, owned);
    const listed = new Set(r.sources.map((s) => s.cluster));
    for (const s of r.sources) {
      owned.add(s.cluster);
      let t = this.targets.get(s.cluster);
      if (t && t.active) continue;
      t ??= this.add(s);
      t.active = true;
      this.log("info", `${c.name}: watching ${s.cluster}`);
      // Once started, a new service is polled at once; during start() the first round does it.
      if (this.started && !this.stopped) {
        await this.pollNow(t);
        if (!this.writer.exists(s.cluster)) this.writer.write(s.cluster, []);
        this.schedule(t);
      }
    }
    for (const cluster of owned) {
      const t = this.targets.get(cluster);
      if (!t || listed.has(cluster) || !t.active) continue;
      // Higress keeps a vanished service's endpoints; so does the bridge (the file stays).
      t.active = false;
      if (t.timer) clearTimeout(t.timer);
      this.log("info", `${c.name}: ${cluster} left the service list; its file keeps the last endpoints`);
    }
  }

  private owned = new Map<Catalog, Set<string>>();
  private started = false;

  private schedule(t: Target, suggested?: number): void {
    if (this.stopped || !t.active) return;
    if (t.timer) clearTimeout(t.timer);
    const every = Math.max(this.minIntervalMs, t.source.intervalMs ?? suggested ?? t.source.defaultIntervalMs);
    t.timer = setTimeout(() => {
      t.timer = null;
      this.pollNow(t).then((s) => this.schedule(t, s));
    }, every);
  }

  /** One poll; resolves with the registry's suggested interval, if any. */
  private pollNow(t: Target): Promise<number | undefined> {
    const run = (async () => {
      if (t.running) await t.running;
      let r: PollResult;
      try {
        r = await t.source.poll();
      } catch (e) {
        r = { kind: "error", error: (e as Error).message };
      }
      t.polls++;
      await this.apply(t, r);
      return r.kind === "ok" ? r.suggestedIntervalMs : undefined;
    })();
    t.running = run.then(() => undefined);
    return run;
  }

  private async apply(t: Target, r: PollResult): Promise<void> {
    const cluster = t.source.cluster;
    const held = t.lastGood?.length ?? 0;
    if (r.kind === "error") {
      if (t.lastError !== r.error) this.log("warn", `${cluster}: poll failed, keeping ${held} endpoint(s): ${r.error}`);
      t.lastError = r.error;
      t.holding = true;
      return;
    }
    const { resolved, failed } = await resolveInstances(r.instances, this.lookup);
    if (failed.length > 0) this.log("warn", `${cluster}: cannot resolve ${failed.join(", ")}`);
    if (resolved.length === 0 && r.instances.length > 0) {
      t.lastError = `no instance address resolved`;
      t.holding = true;
      this.log("warn", `${cluster}: no address resolved, keeping ${held} endpoint(s)`);
      return;
    }
    const wasError = t.lastError !== null;
    t.lastError = null;
    const suspicious = resolved.length === 0 ? "empty instance list" : r.unreliable;
    if (suspicious && held > 0) {
      const now = Date.now();
      t.emptySince ??= now;
      const grace = t.source.emptyGraceMs;
      if (grace < 0 || now - t.emptySince < grace) {
        if (!t.holding || wasError) this.log("warn", `${cluster}: ${suspicious}; keeping ${held} endpoint(s) for ${grace < 0 ? "ever" : `${grace} ms`}`);
        t.holding = true;
        return;
      }
      this.log("warn", `${cluster}: ${suspicious} for ${now - t.emptySince} ms; publishing it`);
    } else if (!suspicious) {
      t.emptySince = null;
    }
    t.holding = false;
    if (this.writer.write(cluster, resolved)) {
      t.writes++;
      this.log("info", `${cluster}: ${resolved.length} endpoint(s) written (was ${held})`);
    }
    t.lastGood = resolved;
  }
}
