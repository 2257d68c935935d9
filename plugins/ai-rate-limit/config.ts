// Top level of the plugin configuration. Accepts, unchanged, the configs of Higress's
// cluster-key-rate-limit and ai-token-ratelimit:
//   { "rule_name": "r", "global_threshold": {"query_per_minute": 1000},
//     "rule_items": [{"limit_by_header": "x-ca-key", "limit_keys": [{"key": "k1", "token_per_minute": 10}]}],
//     "show_limit_quota_header": true, "rejected_code": 429, "rejected_msg": "Too many requests",
//     "redis": {"service_name": "redis.static", "service_port": 6379, "password": "..."} }
// and native rules with request matching, concurrency limits, a circuit breaker and options:
//   { "rules": [{"name": "chat", "match": {"path_prefix": "/v1/chat/"}, "limit_by_per_consumer": "",
//                "token_per_minute": 10000, "max_concurrency": 4, "max_queue": 16}],
//     "algorithm": "sliding", "circuit_breaker": {"error_rate": 0.5} }
// Without `redis` counters live in Envoy shared data (per Envoy instance); with it, in Redis
// (shared by every gateway; Higress build only). Every error names its field.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { validateJson } from "../shared/json-check";
import { compileRegex } from "./regex/vm";
import { EstimateConfig, MODE_ESTIMATE, MODE_UPPER_BOUND, MODE_STRICT } from "./estimate";
import { RateLimitConfig, RuleGroup, RedisConfig, BreakerConfig, FAIL_OPEN, FAIL_CLOSED } from "./config-types";
import { parseRule, ruleFields } from "./config-rules";
import { WindowShape } from "./config-limits";

const TOP_FIELDS: string[] = [
  "rule_name", "global_threshold", "rule_items", "rules", "algorithm", "sliding_buckets",
  "rejected_code", "rejected_msg", "show_limit_quota_header", "queue_timeout_code",
  "token_estimate", "circuit_breaker", "redis", "failure_mode", "header_hold",
  "_rules_", "_match_route_", "_match_route_prefix_", "_match_domain_", "_match_service_",
];
const REDIS_FIELDS: string[] = ["service_name", "service_port", "username", "password", "timeout", "database"];
const ESTIMATE_FIELDS: string[] = [
  "bytes_per_token", "image_tokens", "default_max_tokens", "mode", "enforce_max_tokens", "max_tokens_field",
  "message_tokens", "reply_tokens", "tool_tokens",
];
const BREAKER_FIELDS: string[] = [
  "window_ms", "min_requests", "error_rate", "slow_call_ms", "slow_call_rate", "open_ms",
  "half_open_probes", "failure_status", "open_status", "per_provider",
];
const RULE_FIELDS: string[] = ruleFields();
const NATIVE_RULE_FIELDS: string[] = RULE_FIELDS.concat(["name", "match"]);

export class ConfigResult {
  config: RateLimitConfig | null = null;
  error: string | null = null;
}

/** Parses configuration text (validated before json-as sees it: json-as traps on bad JSON). */
export function parseConfigText(text: string): ConfigResult {
  const trimmed = text.trim();
  const res = new ConfigResult();
  if (trimmed.length == 0) {
    res.error = "configuration is empty: set rules, rule_items, global_threshold or circuit_breaker";
    return res;
  }
  const syntax = validateJson(trimmed);
  if (syntax !== null) {
    res.error = "configuration is not valid JSON: " + syntax;
    return res;
  }
  if (trimmed.charCodeAt(0) != 0x7b) {
    res.error = "configuration: expected a JSON object";
    return res;
  }
  return parseConfigObject(JSON.parse<JSON.Obj>(trimmed), "");
}

function parseRedis(f: JsonFields, obj: JSON.Obj, path: string): RedisConfig | null {
  f.rejectUnknown(obj, REDIS_FIELDS, path);
  const r = new RedisConfig();
  if (!f.require(obj, "service_name", path)) return null;
  r.serviceName = f.str(obj, "service_name", path, "");
  if (r.serviceName.length == 0) {
    f.fail(fieldPath(path, "service_name"), "must not be empty");
    return null;
  }
  // Higress: a static service's logical port is 80, anything else defaults to 6379.
  const defaultPort: i64 = r.serviceName.endsWith(".static") ? 80 : 6379;
  r.servicePort = f.int(obj, "service_port", path, defaultPort, 1, 65535);
  r.username = f.str(obj, "username", path, "");
  r.password = f.str(obj, "password", path, "");
  r.timeoutMs = f.int(obj, "timeout", path, 1000, 1, 600_000);
  r.database = f.int(obj, "database", path, 0, 0, 1_000_000);
  if (f.error !== null) return null;
  r.cluster = "outbound|" + r.servicePort.toString() + "||" + r.serviceName;
  if (r.database != 0) r.cluster += "?db=" + r.database.toString();
  return r;
}

function parseBreaker(f: JsonFields, obj: JSON.Obj, path: string): BreakerConfig | null {
  f.rejectUnknown(obj, BREAKER_FIELDS, path);
  const b = new BreakerConfig();
  const s = b.spec;
  s.windowMs = f.int(obj, "window_ms", path, 10_000, 100, 3_600_000);
  s.minRequests = f.int(obj, "min_requests", path, 20, 1, 1_000_000);
  s.errorRate = f.num(obj, "error_rate", path, 0.5);
  s.slowCallMs = f.int(obj, "slow_call_ms", path, 0, 0, 3_600_000);
  s.slowRate = f.num(obj, "slow_call_rate", path, 1.0);
  s.openMs = f.int(obj, "open_ms", path, 30_000, 1, 86_400_000);
  s.probes = <i32>f.int(obj, "half_open_probes", path, 3, 1, 1000);
  b.openStatus = <u32>f.int(obj, "open_status", path, 503, 200, 599);
  b.perProvider = f.bool(obj, "per_provider", path, true);
  if (!(s.errorRate > 0 && s.errorRate <= 1)) f.fail(fieldPath(path, "error_rate"), "expected a number in (0, 1]");
  if (!(s.slowRate > 0 && s.slowRate <= 1)) f.fail(fieldPath(path, "slow_call_rate"), "expected a number in (0, 1]");
  if (s.slowCallMs == 0) s.slowRate = 2; // slow calls not measured: never trips on them
  const statuses = obj.has("failure_status") ? f.strings(obj, "failure_status", path) : ["5.*"];
  for (let i = 0; i < statuses.length; i++) {
    const re = compileRegex(statuses[i]);
    if (re.error !== null) f.fail(indexPath(fieldPath(path, "failure_status"), i), "invalid regex: " + re.error!);
    b.failureStatus.push(re);
  }
  if (f.error !== null) return null;
  return b;
}

function parseEstimate(f: JsonFields, est: JSON.Obj, ep: string, e: EstimateConfig): void {
  e.bytesPerToken = f.int(est, "bytes_per_token", ep, 3, 1, 64);
  e.imageTokens = f.int(est, "image_tokens", ep, 1000, 0, 10_000_000);
  e.defaultMaxTokens = f.int(est, "default_max_tokens", ep, 1024, 0, 100_000_000);
  const mode = f.str(est, "mode", ep, "estimate");
  if (mode == "estimate") e.mode = MODE_ESTIMATE;
  else if (mode == "upper_bound") e.mode = MODE_UPPER_BOUND;
  else if (mode == "strict") e.mode = MODE_STRICT;
  else f.fail(fieldPath(ep, "mode"), "expected \"estimate\", \"upper_bound\" or \"strict\"");
  e.enforceMaxTokens = f.bool(est, "enforce_max_tokens", ep, false);
  e.openAiChatField = f.str(est, "max_tokens_field", ep, "max_tokens");
  if (e.openAiChatField != "max_tokens" && e.openAiChatField != "max_completion_tokens") {
    f.fail(fieldPath(ep, "max_tokens_field"), "expected \"max_tokens\" or \"max_completion_tokens\"");
  }
  e.messageTokens = f.int(est, "message_tokens", ep, 4, 0, 1_000_000);
  e.replyTokens = f.int(est, "reply_tokens", ep, 3, 0, 1_000_000);
  e.toolTokens = f.int(est, "tool_tokens", ep, 500, 0, 1_000_000);
  if (e.enforceMaxTokens && e.defaultMaxTokens < 1) f.fail(fieldPath(ep, "default_max_tokens"), "must be at least 1 with enforce_max_tokens");
}

export function parseConfigObject(obj: JSON.Obj, path: string): ConfigResult {
  const res = new ConfigResult();
  const f = new JsonFields();
  const c = new RateLimitConfig();
  f.rejectUnknown(obj, TOP_FIELDS, path);

  const shape = new WindowShape();
  const algorithm = f.str(obj, "algorithm", path, "sliding");
  if (algorithm == "fixed") shape.sliding = false;
  else if (algorithm != "sliding") f.fail(fieldPath(path, "algorithm"), "expected \"sliding\" or \"fixed\"");
  shape.buckets = <i32>f.int(obj, "sliding_buckets", path, 10, 2, 60);

  c.ruleName = f.str(obj, "rule_name", path, "");
  c.rejectedCode = <u32>f.int(obj, "rejected_code", path, 429, 200, 599);
  if (f.present(obj, "rejected_msg")) c.rejectedMsg = f.str(obj, "rejected_msg", path, "");
  c.showQuotaHeaders = f.bool(obj, "show_limit_quota_header", path, false);
  c.queueTimeoutCode = <u32>f.int(obj, "queue_timeout_code", path, 503, 200, 599);
  c.headerHold = f.bool(obj, "header_hold", path, true);
  const mode = f.str(obj, "failure_mode", path, "open");
  if (mode == "closed") c.failureMode = FAIL_CLOSED;
  else if (mode != "open") f.fail(fieldPath(path, "failure_mode"), "expected \"open\" or \"closed\"");
  else c.failureMode = FAIL_OPEN;

  const est = f.obj(obj, "token_estimate", path);
  if (est !== null) {
    const ep = fieldPath(path, "token_estimate");
    f.rejectUnknown(est, ESTIMATE_FIELDS, ep);
    parseEstimate(f, est, ep, c.estimate);
  }
  const br = f.obj(obj, "circuit_breaker", path);
  if (br !== null) c.breaker = parseBreaker(f, br, fieldPath(path, "circuit_breaker"));
  const rd = f.obj(obj, "redis", path);
  if (rd !== null) c.redis = parseRedis(f, rd, fieldPath(path, "redis"));
  if (f.error !== null) return fail(res, f);

  // Higress shapes: global_threshold (one counter for the route) and rule_items (first match).
  const hasGlobal = obj.has("global_threshold");
  const items = f.arr(obj, "rule_items", path);
  if ((hasGlobal || items !== null) && c.ruleName.length == 0) {
    f.fail(fieldPath(path, "rule_name"), "required with global_threshold or rule_items");
    return fail(res, f);
  }
  if (hasGlobal) {
    const gp = fieldPath(path, "global_threshold");
    const go = f.obj(obj, "global_threshold", path);
    if (go === null) {
      if (f.error === null) f.fail(gp, "expected object");
      return fail(res, f);
    }
    f.rejectUnknown(go, RULE_FIELDS, gp);
    const rule = parseRule(f, go, gp, c.ruleName + ":g", shape, false, false);
    if (rule === null) return fail(res, f);
    rule.name = c.ruleName;
    const g = new RuleGroup();
    g.rules.push(rule);
    c.groups.push(g);
  }
  if (items !== null) {
    const ip = fieldPath(path, "rule_items");
    if (items.length == 0) {
      f.fail(ip, "must not be empty");
      return fail(res, f);
    }
    const g = new RuleGroup();
    g.firstMatch = true;
    for (let i = 0; i < items.length; i++) {
      const p = indexPath(ip, i);
      const io = f.itemObj(items, i, ip);
      if (io === null) return fail(res, f);
      f.rejectUnknown(io, RULE_FIELDS, p);
      const rule = parseRule(f, io, p, c.ruleName + ":i" + i.toString(), shape, false, true);
      if (rule === null) return fail(res, f);
      rule.name = c.ruleName;
      g.rules.push(rule);
    }
    c.groups.push(g);
  }
  // Native rules: each applies on its own (all that match must pass).
  const rules = f.arr(obj, "rules", path);
  if (rules !== null) {
    const rp = fieldPath(path, "rules");
    for (let i = 0; i < rules.length; i++) {
      const p = indexPath(rp, i);
      const ro = f.itemObj(rules, i, rp);
      if (ro === null) return fail(res, f);
      f.rejectUnknown(ro, NATIVE_RULE_FIELDS, p);
      let ns = f.str(ro, "name", p, "");
      if (ns.length == 0) ns = "rules." + i.toString();
      const rule = parseRule(f, ro, p, ns + ":r" + i.toString(), shape, true, false);
      if (rule === null) return fail(res, f);
      if (rule.name.length == 0) rule.name = ns;
      const g = new RuleGroup();
      g.rules.push(rule);
      c.groups.push(g);
    }
  }
  if (f.error !== null) return fail(res, f);
  if (c.groups.length == 0 && c.breaker === null) {
    f.fail(path.length > 0 ? path : "configuration", "set rules, rule_items, global_threshold or circuit_breaker");
    return fail(res, f);
  }
  for (let g = 0; g < c.groups.length; g++) {
    const rs = c.groups[g].rules;
    for (let r = 0; r < rs.length; r++) {
      const rule = rs[r];
      if (rule.needsModel()) {
        c.needsModel = true;
        c.needsBody = true;
      }
      if (rule.hasTokens()) {
        c.hasTokens = true;
        c.needsBody = true;
      }
      for (let k = 0; k < rule.items.length; k++) if (rule.items[k].concurrency !== null) c.hasConcurrency = true;
    }
  }
  res.config = c;
  return res;
}

function fail(res: ConfigResult, f: JsonFields): ConfigResult {
  res.error = f.error !== null ? f.error : "configuration: invalid";
  res.config = null;
  return res;
}
