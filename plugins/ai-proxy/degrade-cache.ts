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

/** Answers the current stream from the cache entry. */
export function sendDegraded(e: CacheEntry): void {
  log.info("ai-proxy: every provider failed or is circuit-open; answering from the degrade cache");
  sendLocalResponse(e.status, "ai_proxy_degraded_cache", e.body, [
    new HeaderPair("content-type", e.contentType),
    new HeaderPair("x-ai-cache", "degraded"),
  ]);
}
