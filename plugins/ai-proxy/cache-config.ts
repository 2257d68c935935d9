// The optional degrade cache (this project's extension):
//   "cache": {"enabled": true, "ttl": 600000, "maxEntries": 256, "maxEntryBytes": 65536}
// Successful answers are kept in shared data by exact request (normalized body + model) and
// served, marked `x-ai-cache: degraded`, only when every provider failed or is circuit-open.
// ttl is in milliseconds like Higress's other durations.
import { JSON } from "json-as";
import { JsonFields } from "../shared/json-fields";

export class CacheConfig {
  enabled: bool = false;
  ttlMs: u64 = 600000;
  maxEntries: i32 = 256;
  maxEntryBytes: i32 = 65536;
}

export function parseCache(f: JsonFields, obj: JSON.Obj | null, path: string): CacheConfig {
  const c = new CacheConfig();
  if (obj === null) return c;
  const o = changetype<JSON.Obj>(obj);
  f.rejectUnknown(o, ["enabled", "ttl", "maxEntries", "maxEntryBytes"], path);
  c.enabled = f.bool(o, "enabled", path, true);
  c.ttlMs = <u64>f.int(o, "ttl", path, 600000, 1, 30 * 86400000);
  c.maxEntries = <i32>f.int(o, "maxEntries", path, 256, 1, 100000);
  c.maxEntryBytes = <i32>f.int(o, "maxEntryBytes", path, 65536, 64, 16 << 20);
  return c;
}
