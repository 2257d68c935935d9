// Parses the limits of one key item: query_per_{second,minute,hour,day} (requests),
// token_per_{...} (tokens; Higress ai-token-ratelimit's `limit_type: request` makes them request
// counts), and max_concurrency / max_queue / max_queue_wait_ms. Higress takes one window per key;
// here every window given is enforced.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../shared/json-fields";
import { WindowSpec } from "./windows";
import { LimitWindow, ConcurrencyLimit, KeyItem } from "./config-types";

export const WINDOW_UNITS: string[] = ["second", "minute", "hour", "day"];
export const WINDOW_SECONDS: i64[] = [1, 60, 3600, 86400];

/** Fields a key item (or global_threshold, or a native rule) may carry for its limits. */
export const LIMIT_FIELDS: string[] = [
  "query_per_second", "query_per_minute", "query_per_hour", "query_per_day",
  "token_per_second", "token_per_minute", "token_per_hour", "token_per_day",
  "limit_type", "max_concurrency", "max_queue", "max_queue_wait_ms",
];

/** Window shape shared by every counter of one configuration. */
export class WindowShape {
  sliding: bool = true;
  buckets: i32 = 10;
}

/** Largest count accepted for a limit (keeps sums far from i64 overflow). */
const MAX_LIMIT: i64 = 1_000_000_000_000_000;

/**
 * Reads the limits of `obj` into `item`. `keyBase` is the counter key namespace of the item
 * ("<rule_name>:<group>.<rule>.<item>"). Returns false (with f.error set) on a bad field; an item
 * without any limit is an error naming `path`.
 */
export function parseItemLimits(f: JsonFields, obj: JSON.Obj, path: string, keyBase: string, shape: WindowShape, item: KeyItem): bool {
  const limitType = f.str(obj, "limit_type", path, "token");
  if (limitType != "token" && limitType != "request") {
    f.fail(fieldPath(path, "limit_type"), "expected \"token\" or \"request\"");
    return false;
  }
  const tokenFieldsCountRequests = limitType == "request";
  for (let kind = 0; kind < 2; kind++) {
    const prefix = kind == 0 ? "query_per_" : "token_per_";
    for (let u = 0; u < WINDOW_UNITS.length; u++) {
      const field = prefix + WINDOW_UNITS[u];
      if (!f.present(obj, field)) continue;
      const limit = f.int(obj, field, path, 0, 1, MAX_LIMIT);
      if (f.error !== null) return false;
      const tokens = kind == 1 && !tokenFieldsCountRequests;
      const seconds = WINDOW_SECONDS[u];
      const spec = new WindowSpec(seconds * 1000, limit, shape.sliding, shape.buckets);
      const keyPrefix = keyBase + ":" + (tokens ? "t" : "q") + seconds.toString() + ":";
      item.windows.push(new LimitWindow(spec, tokens, field, keyPrefix));
    }
  }
  if (f.present(obj, "max_concurrency")) {
    const c = new ConcurrencyLimit();
    c.maxInFlight = <i32>f.int(obj, "max_concurrency", path, 0, 1, 1_000_000);
    c.maxQueue = <i32>f.int(obj, "max_queue", path, 0, 0, 10_000);
    c.maxWaitMs = f.int(obj, "max_queue_wait_ms", path, 30_000, 1, 3_600_000);
    c.keyPrefix = keyBase + ":c:";
    item.concurrency = c;
  } else if (f.present(obj, "max_queue") || f.present(obj, "max_queue_wait_ms")) {
    f.fail(fieldPath(path, "max_queue"), "needs max_concurrency");
    return false;
  }
  if (f.error !== null) return false;
  if (item.windows.length == 0 && item.concurrency === null) {
    f.fail(path, "set at least one of query_per_*, token_per_*, max_concurrency");
    return false;
  }
  return true;
}
