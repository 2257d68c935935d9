// Everything one mock server remembers: what it received, its faults, accepted keys and models,
// the prompt-cache it simulates, and the counter behind its deterministic ids.
// Recorded requests stay in memory for tests to read; nothing here is ever logged.

import { FaultBook, type FaultSpec, type ProviderKind } from "./faults.ts";

/** Accepted API keys: one list for every provider, or one list per provider (absent = any key). */
export type KeyConfig = string[] | { openai?: string[]; azure?: string[]; anthropic?: string[]; gemini?: string[] };

export type KeyScope = ProviderKind | "azure";

export interface MockOptions {
  /** Accepted keys; absent = any non-empty key is accepted (a missing key is still rejected). */
  keys?: KeyConfig;
  /** Known model / deployment names; absent = every name is accepted. Listed by GET /v1/models. */
  models?: string[];
  /** Clock in milliseconds (`created` fields, timestamps); default Date.now. */
  now?: () => number;
}

export interface RecordedRequest {
  seq: number;
  provider: ProviderKind | "unknown";
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: Buffer;
  fault?: FaultSpec;
  /** Status line the mock wrote (undefined while pending, for a black hole or a reset before any byte). */
  status?: number;
  /** How the response ended; undefined while it is still being written or for a black hole. */
  outcome?: "complete" | "reset" | "client-closed";
  receivedAt: number;
}

export const DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"];

export class MockState {
  readonly requests: RecordedRequest[] = [];
  readonly faults = new FaultBook();
  keys: KeyConfig | undefined;
  models: string[] | undefined;
  readonly now: () => number;
  private seq = 0;
  private ids = 0;
  private cache = new Set<string>();

  constructor(opts: MockOptions = {}) {
    this.keys = opts.keys;
    this.models = opts.models;
    this.now = opts.now ?? Date.now;
  }

  private waiters: { count: number; resolve: () => void }[] = [];

  /** Records a request and returns the record (the server fills in status later). */
  record(r: Omit<RecordedRequest, "seq" | "receivedAt">): RecordedRequest {
    const rec: RecordedRequest = { ...r, seq: ++this.seq, receivedAt: this.now() };
    this.requests.push(rec);
    this.waiters = this.waiters.filter((w) => {
      if (this.requests.length < w.count) return true;
      w.resolve();
      return false;
    });
    return rec;
  }

  /**
   * Resolves once at least `count` requests are recorded (for black holes and slow streams, where
   * the client call has not returned yet); rejects after `timeoutMs`.
   */
  waitForRequests(count: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    if (this.requests.length >= count) return Promise.resolve(this.requests.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitForRequests: ${this.requests.length} of ${count} requests after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.requests.slice());
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The last request, optionally only among one provider's. */
  lastRequest(provider?: ProviderKind): RecordedRequest | undefined {
    for (let i = this.requests.length - 1; i >= 0; i--) {
      if (!provider || this.requests[i].provider === provider) return this.requests[i];
    }
    return undefined;
  }

  requestsFor(provider: ProviderKind): RecordedRequest[] {
    return this.requests.filter((r) => r.provider === provider);
  }

  /** Forgets requests, faults, the prompt cache and resets the id counter. */
  reset(): void {
    this.requests.length = 0;
    this.faults.clear();
    this.cache.clear();
    this.seq = 0;
    this.ids = 0;
  }

  /** Next value of the id counter (ids are `<prefix><counter>`, deterministic per server). */
  nextId(): number {
    return ++this.ids;
  }

  keyAccepted(scope: KeyScope, key: string | undefined): boolean {
    if (!key) return false;
    const k = this.keys;
    if (k === undefined) return true;
    const list = Array.isArray(k) ? k : k[scope];
    return list === undefined || list.includes(key);
  }

  modelKnown(model: string): boolean {
    return this.models === undefined || this.models.includes(model);
  }

  /** Simulated prompt cache: true when `key` was seen before; remembers it either way. */
  cacheHit(key: string): boolean {
    const hit = this.cache.has(key);
    this.cache.add(key);
    return hit;
  }

  /** Seconds since the epoch, for `created` fields. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
