// The degrade cache in shared data (format and slots in cache-entry.ts): successful answers are
// stored as the client saw them; one is served, marked `x-ai-cache: degraded`, only when every
// provider failed or is circuit-open.
import { getSharedData, setSharedData, nowMillis, sendLocalResponse, HeaderPair, log } from "../../assembly";
import { CacheConfig } from "./cache-config";
import { CacheEntry, encodeEntry, decodeEntry, slotKey } from "./cache-entry";

const PREFIX = "ai-proxy.cache.";

export function cacheLookup(c: CacheConfig, hash: u64): CacheEntry | null {
  if (!c.enabled) return null;
  const v = getSharedData(slotKey(PREFIX, hash, c.maxEntries));
  if (v === null) return null;
  return decodeEntry(v.value, hash, nowMillis());
}

export function cacheStore(c: CacheConfig, hash: u64, status: u32, stream: bool, contentType: string, body: ArrayBuffer): void {
  if (!c.enabled || body.byteLength > c.maxEntryBytes || body.byteLength == 0) return;
  const e = new CacheEntry();
  e.hash = hash;
  e.expiresAtMs = nowMillis() + c.ttlMs;
  e.status = status;
  e.stream = stream;
  e.contentType = contentType;
  e.body = body;
  setSharedData(slotKey(PREFIX, hash, c.maxEntries), encodeEntry(e), 0);
}

export function logDegraded(): void {
  log.info("ai-proxy: every provider failed or is circuit-open; answering from the degrade cache");
}

/** The headers a cached answer goes out with. */
export function degradedHeaders(e: CacheEntry): HeaderPair[] {
  return [new HeaderPair("content-type", e.contentType), new HeaderPair("x-ai-cache", "degraded")];
}

/** Answers the current stream from the cache entry with a local reply (request phase). */
export function sendDegraded(e: CacheEntry): void {
  logDegraded();
  sendLocalResponse(e.status, "ai_proxy_degraded_cache", e.body, degradedHeaders(e));
}
