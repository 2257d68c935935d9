// In-memory stand-ins for the runner's services, for tests: a fake clock you advance, a stats
// store you can read by name, a logger that keeps lines, and a cluster manager that records
// every upstream request and lets the test answer it.

import type {
  ClusterManager,
  Clock,
  HeaderList,
  Logger,
  StatsStore,
  UpstreamCallbacks,
  UpstreamFailure,
  UpstreamRequest,
} from "../contract.ts";
import { MetricKind } from "../contract.ts";

const utf8d = new TextDecoder();
const utf8e = new TextEncoder();
export const toBytes = (d: string | Uint8Array): Uint8Array => (typeof d === "string" ? utf8e.encode(d) : d);

// ---------------------------------------------------------------------------------------------

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Virtual time: timers fire only in advance(). */
export class FakeClock implements Clock {
  nowMs: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }
  nowNanos(): bigint {
    return BigInt(this.nowMs) * 1_000_000n;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: this.nextId++, at: this.nowMs + Math.max(0, ms), fn };
    this.timers.push(t);
    return t.id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Moves time forward, firing due timers in time order (including ones they set). */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = next.at;
      next.fn();
    }
    this.nowMs = end;
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** Real time, for the public API in tests that need sockets. */
export const realClock: Clock = {
  nowNanos: () => BigInt(Date.now()) * 1_000_000n,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

// ---------------------------------------------------------------------------------------------

export class MemoryStats implements StatsStore {
  private byName = new Map<string, number>();
  readonly kinds: MetricKind[] = [];
  readonly names: string[] = [];
  readonly values: bigint[] = [];
  readonly recorded: bigint[][] = [];
  readonly plain = new Map<string, number>();

  define(kind: MetricKind, name: string): number {
    const key = `${kind}:${name}`;
    let h = this.byName.get(key);
    if (h === undefined) {
      h = this.names.length;
      this.byName.set(key, h);
      this.kinds.push(kind);
      this.names.push(name);
      this.values.push(0n);
      this.recorded.push([]);
    }
    return h;
  }
  add(handle: number, delta: bigint): void {
    this.values[handle] += delta;
  }
  set(handle: number, value: bigint): void {
    this.values[handle] = value;
  }
  record(handle: number, value: bigint): void {
    this.recorded[handle].push(value);
  }
  get(handle: number): bigint {
    return this.values[handle];
  }
  inc(name: string, delta = 1): void {
    this.plain.set(name, (this.plain.get(name) ?? 0) + delta);
  }
  /** value of a custom metric by kind and name, undefined when never defined */
  value(kind: MetricKind, name: string): bigint | undefined {
    const h = this.byName.get(`${kind}:${name}`);
    return h === undefined ? undefined : this.values[h];
  }
  histogram(name: string): bigint[] | undefined {
    const h = this.byName.get(`${MetricKind.Histogram}:${name}`);
    return h === undefined ? undefined : this.recorded[h];
  }
}

// ---------------------------------------------------------------------------------------------

export interface LogLine {
  level: number;
  source: string;
  message: string;
}

export class CollectingLogger implements Logger {
  readonly lines: LogLine[] = [];
  constructor(public logLevel = 2) {}
  log(level: number, source: string, message: string): void {
    this.lines.push({ level, source, message });
  }
  level(): number {
    return this.logLevel;
  }
  /** messages of module logs (proxy_log / WASI stdout), in order */
  get messages(): string[] {
    return this.lines.filter((l) => l.source.startsWith("wasm log")).map((l) => l.message);
  }
}

// ---------------------------------------------------------------------------------------------

/** One upstream request as a cluster saw it, with the means to answer it. */
export class UpstreamRecord {
  readonly chunks: Uint8Array[] = [];
  ended = false;
  aborted = false;
  answered = false;

  constructor(
    readonly cluster: string,
    readonly headers: HeaderList,
    private readonly cb: UpstreamCallbacks,
  ) {}

  header(name: string): string | undefined {
    return this.headers.find((h) => h[0] === name)?.[1];
  }
  get body(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
  get bodyText(): string {
    return utf8d.decode(this.body);
  }

  respondHeaders(headers: Record<string, string> | HeaderList, endStream = false): void {
    const list: HeaderList = Array.isArray(headers) ? headers : Object.entries(headers);
    this.answered = true;
    this.cb.onHeaders(list, endStream);
  }
  respondBody(data: string | Uint8Array, endStream = false): void {
    this.cb.onData(toBytes(data), endStream);
  }
  respondTrailers(trailers: Record<string, string> | HeaderList): void {
    this.cb.onTrailers(Array.isArray(trailers) ? trailers : Object.entries(trailers));
  }
  /** A whole response in one go. */
  respond(status: number, body: string | Uint8Array = "", headers: Record<string, string> = {}): void {
    const b = toBytes(body);
    const h: HeaderList = [[":status", String(status)], ...Object.entries(headers)];
    if (b.length === 0) {
      this.respondHeaders(h, true);
    } else {
      if (!("content-length" in headers)) h.push(["content-length", String(b.length)]);
      this.respondHeaders(h, false);
      this.respondBody(b, true);
    }
  }
  fail(reason: UpstreamFailure, detail = ""): void {
    this.cb.onFailure(reason, detail);
  }
}

/** Knows a fixed set of cluster names and records every request (answer them from the test). */
export class RecordingClusters implements ClusterManager {
  readonly requests: UpstreamRecord[] = [];
  readonly known: Set<string>;
  onRequest?: (r: UpstreamRecord) => void;

  /** A Set is shared as is (the test stack hands its own to every stream's router). */
  constructor(names: Iterable<string>) {
    this.known = names instanceof Set ? names : new Set(names);
  }
  has(name: string): boolean {
    return this.known.has(name);
  }
  request(cluster: string, headers: HeaderList, callbacks: UpstreamCallbacks): UpstreamRequest | null {
    if (!this.known.has(cluster)) return null;
    const rec = new UpstreamRecord(cluster, headers, callbacks);
    this.requests.push(rec);
    this.onRequest?.(rec);
    return {
      write(chunk, endStream) {
        if (chunk.length) rec.chunks.push(chunk);
        if (endStream) rec.ended = true;
      },
      abort() {
        rec.aborted = true;
      },
    };
  }
}
