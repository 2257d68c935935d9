// The Higress `failover` and `retryOnFailure` objects of a provider, with Higress's defaults
// (provider/failover.go, provider/retry.go), and the status-pattern lists both use.
//
//   "failover": {"enabled": true, "failureThreshold": 3, "successThreshold": 1,
//                "healthCheckInterval": 5000, "healthCheckTimeout": 5000,
//                "healthCheckModel": "gpt-4o-mini", "failoverOnStatus": ["4.*", "5.*"]}
//   "retryOnFailure": {"enabled": true, "maxRetries": 1, "retryTimeout": 60000,
//                      "retryOnStatus": ["4.*", "5.*"]}
//
// Status patterns are Go-syntax regexps. Higress runs them unanchored (so "4.*" also matches 504);
// here a pattern must match the whole status, which is what "4.*" / "429" / "5.." mean to a reader.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { Regex } from "./regex";

export class StatusPatterns {
  patterns: Regex[] = [];
  sources: string[] = [];

  matches(status: u32): bool {
    const s = status.toString();
    for (let i = 0; i < this.patterns.length; i++) {
      if (unchecked(this.patterns[i]).fullMatch(s)) return true;
    }
    return false;
  }
}

/** Reads an array of status patterns; absent or empty -> `defaults`. */
export function parseStatusPatterns(f: JsonFields, obj: JSON.Obj, key: string, parent: string, defaults: string[]): StatusPatterns {
  let list = f.strings(obj, key, parent);
  if (list.length == 0) list = defaults;
  const out = new StatusPatterns();
  const path = fieldPath(parent, key);
  for (let i = 0; i < list.length; i++) {
    const re = Regex.compile(list[i]);
    if (re.error !== null) {
      f.fail(indexPath(path, i), "invalid status pattern: " + re.error!);
      continue;
    }
    out.patterns.push(re);
    out.sources.push(list[i]);
  }
  return out;
}

export class FailoverConfig {
  enabled: bool = false;
  failureThreshold: i32 = 3;
  successThreshold: i32 = 1;
  healthCheckIntervalMs: u32 = 5000;
  healthCheckTimeoutMs: u32 = 5000;
  healthCheckModel: string = "";
  onStatus: StatusPatterns = new StatusPatterns();
}

const FAILOVER_FIELDS: string[] = [
  "enabled", "failureThreshold", "successThreshold", "healthCheckInterval",
  "healthCheckTimeout", "healthCheckModel", "failoverOnStatus",
];

/** `failover` of a provider; errors go to `f` with paths under `path`. */
export function parseFailover(f: JsonFields, obj: JSON.Obj, path: string): FailoverConfig {
  const c = new FailoverConfig();
  f.rejectUnknown(obj, FAILOVER_FIELDS, path);
  c.enabled = f.bool(obj, "enabled", path, false);
  // Higress treats 0 as "use the default"; keep that.
  c.failureThreshold = orDefault(<i32>f.int(obj, "failureThreshold", path, 0, 0, 1000), 3);
  c.successThreshold = orDefault(<i32>f.int(obj, "successThreshold", path, 0, 0, 1000), 1);
  c.healthCheckIntervalMs = <u32>orDefault(<i32>f.int(obj, "healthCheckInterval", path, 0, 0, 86400000), 5000);
  c.healthCheckTimeoutMs = <u32>orDefault(<i32>f.int(obj, "healthCheckTimeout", path, 0, 0, 600000), 5000);
  c.healthCheckModel = f.str(obj, "healthCheckModel", path, "");
  c.onStatus = parseStatusPatterns(f, obj, "failoverOnStatus", path, ["4.*", "5.*"]);
  if (c.enabled && c.healthCheckModel.length == 0) {
    f.fail(fieldPath(path, "healthCheckModel"), "required when failover is enabled");
  }
  return c;
}

export class RetryConfig {
  enabled: bool = false;
  maxRetries: i32 = 1;
  retryTimeoutMs: u32 = 60000;
  onStatus: StatusPatterns = new StatusPatterns();
}

const RETRY_FIELDS: string[] = ["enabled", "maxRetries", "retryTimeout", "retryOnStatus"];

/** `retryOnFailure` of a provider. */
export function parseRetry(f: JsonFields, obj: JSON.Obj, path: string): RetryConfig {
  const c = new RetryConfig();
  f.rejectUnknown(obj, RETRY_FIELDS, path);
  c.enabled = f.bool(obj, "enabled", path, false);
  c.maxRetries = orDefault(<i32>f.int(obj, "maxRetries", path, 0, 0, 10), 1);
  c.retryTimeoutMs = <u32>orDefault(<i32>f.int(obj, "retryTimeout", path, 0, 0, 600000), 60000);
  c.onStatus = parseStatusPatterns(f, obj, "retryOnStatus", path, ["4.*", "5.*"]);
  return c;
}

@inline function orDefault(v: i32, d: i32): i32 {
  return v == 0 ? d : v;
}
