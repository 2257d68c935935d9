// ai-statistics configuration: Higress's fields unchanged, plus this plugin's extensions.
//
// Higress: attributes[], disable_openai_usage, value_length_limit (4000), enable_path_suffixes
//   ([] or "*" = every path), enable_content_types ([] = every type), session_id_header,
//   token_header (accepted for compatibility; JWT user extraction is not done here).
// Extensions: consumer_header (x-mse-consumer), provider_header (x-ai-provider), variant_header
//   (x-ai-variant), slow_threshold_ms / slow_ttft_ms (0 = off), anomaly_header ("" = off),
//   estimate_usage (false), max_body_bytes (1 MiB; copy kept only for body attributes),
//   max_label_values (200 distinct values per metric dimension, then "other"), log_key (ai_log),
//   log_format ("escaped" = Higress, for '{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%"}'; or
//   "json"), higress_metrics (true), metrics (true).
// Unknown fields are rejected with their name. Pure.
import { JSON } from "json-as";
import { ConfigParser, ConfigReader, fieldPath, indexPath } from "../../assembly/json/config";
import { AttributeConfig, Builtin, Source, parseAttribute, isCredentialHeader } from "./attribute-config";

const FIELDS = [
  "attributes", "disable_openai_usage", "value_length_limit", "enable_path_suffixes",
  "enable_content_types", "session_id_header", "token_header",
  "consumer_header", "provider_header", "variant_header", "slow_threshold_ms", "slow_ttft_ms",
  "anomaly_header", "estimate_usage", "max_body_bytes", "max_label_values", "log_key", "log_format",
  "higress_metrics", "metrics",
  "_rules_", "_match_route_", "_match_route_prefix_", "_match_domain_", "_match_service_",
];

/** Session headers tried in order when session_id_header is not set (Higress's list). */
export const DEFAULT_SESSION_HEADERS = ["x-openclaw-session-key", "x-clawdbot-session-key", "x-moltbot-session-key", "x-agent-session"];

export class StatsConfig {
  attributes: AttributeConfig[] = [];
  disableOpenaiUsage: bool = false;
  valueLengthLimit: i32 = 4000;
  /** empty = every path */
  pathSuffixes: string[] = [];
  /** empty = every content type */
  contentTypes: string[] = [];
  sessionHeaders: string[] = DEFAULT_SESSION_HEADERS;
  consumerHeader: string = "x-mse-consumer";
  providerHeader: string = "x-ai-provider";
  variantHeader: string = "x-ai-variant";
  slowThresholdMs: i64 = 0;
  slowTtftMs: i64 = 0;
  anomalyHeader: string = "";
  estimateUsage: bool = false;
  maxBodyBytes: i32 = 1 << 20;
  maxLabelValues: i32 = 200;
  logKey: string = "ai_log";
  /** true: the ai_log value is JSON-escaped (Higress); false: plain JSON */
  logEscaped: bool = true;
  higressMetrics: bool = true;
  metrics: bool = true;

  // Derived once: what each phase has to look at.
  needRequestBody: bool = false; // a whole-request copy (request_body attributes, question)
  needResponseBody: bool = false; // a whole-response copy (response_body attributes)
  hasStreamAttributes: bool = false; // response_streaming_body attributes or answer
  hasLogAttributes: bool = false; // attributes written into the log record (may repeat a member)

  /** The request path is one this plugin handles (suffix match, query ignored; a "/x" suffix
   *  also matches ":x", so Higress's "/generateContent" matches Gemini's `...:generateContent`). */
  pathEnabled(path: string): bool {
    if (this.pathSuffixes.length == 0) return true;
    let end = path.indexOf("?");
    if (end < 0) end = path.length;
    const p = path.substring(0, end);
    for (let i = 0; i < this.pathSuffixes.length; i++) {
      const s = unchecked(this.pathSuffixes[i]);
      if (s == "*" || p.endsWith(s)) return true;
      // Higress lists "/generateContent"; Gemini paths end in ":generateContent".
      if (s.startsWith("/") && p.endsWith(":" + s.substring(1))) return true;
    }
    return false;
  }

  /** The response content type is one whose body is examined. */
  contentTypeEnabled(contentType: string): bool {
    if (this.contentTypes.length == 0) return true;
    const ct = contentType.toLowerCase();
    for (let i = 0; i < this.contentTypes.length; i++) {
      if (ct.includes(unchecked(this.contentTypes[i]))) return true;
    }
    return false;
  }
}

function header(r: ConfigReader, obj: JSON.Obj, key: string, path: string, def: string): string {
  const v = r.string(obj, key, path, def).toLowerCase();
  if (r.ok && isCredentialHeader(v)) r.fail(fieldPath(path, key), "refusing to use credential header '" + v + "'");
  return v;
}

export class StatsConfigParser extends ConfigParser<StatsConfig> {
  parse(obj: JSON.Obj, path: string): StatsConfig | null {
    const r = new ConfigReader();
    const keys = obj.keys();
    for (let i = 0; i < keys.length; i++) {
      if (!FIELDS.includes(keys[i])) {
        this.error = fieldPath(path, keys[i]) + ": unknown field";
        return null;
      }
    }
    const c = new StatsConfig();
    c.disableOpenaiUsage = r.bool(obj, "disable_openai_usage", path);
    c.valueLengthLimit = <i32>r.int(obj, "value_length_limit", path, 4000, 1, 1 << 24);
    c.pathSuffixes = r.stringArray(obj, "enable_path_suffixes", path);
    c.contentTypes = r.stringArray(obj, "enable_content_types", path);
    for (let i = 0; i < c.contentTypes.length; i++) c.contentTypes[i] = c.contentTypes[i].toLowerCase();
    const session = header(r, obj, "session_id_header", path, "");
    if (session.length > 0) c.sessionHeaders = [session];
    r.string(obj, "token_header", path); // type-checked, otherwise unused
    c.consumerHeader = header(r, obj, "consumer_header", path, "x-mse-consumer");
    c.providerHeader = header(r, obj, "provider_header", path, "x-ai-provider");
    c.variantHeader = header(r, obj, "variant_header", path, "x-ai-variant");
    c.slowThresholdMs = r.int(obj, "slow_threshold_ms", path, 0, 0, 86400000);
    c.slowTtftMs = r.int(obj, "slow_ttft_ms", path, 0, 0, 86400000);
    c.anomalyHeader = r.string(obj, "anomaly_header", path).toLowerCase();
    c.estimateUsage = r.bool(obj, "estimate_usage", path);
    c.maxBodyBytes = <i32>r.int(obj, "max_body_bytes", path, 1 << 20, 0, 64 << 20);
    c.maxLabelValues = <i32>r.int(obj, "max_label_values", path, 200, 1, 100000);
    c.logKey = r.string(obj, "log_key", path, "ai_log");
    const format = r.string(obj, "log_format", path, "escaped");
    c.higressMetrics = r.bool(obj, "higress_metrics", path, true);
    c.metrics = r.bool(obj, "metrics", path, true);
    if (r.ok && format != "escaped" && format != "json") r.fail(fieldPath(path, "log_format"), "expected escaped or json, got '" + format + "'");
    c.logEscaped = format == "escaped";
    if (r.ok && c.logKey.length == 0) r.fail(fieldPath(path, "log_key"), "must not be empty");
    if (r.ok) {
      for (let i = 0; i < c.pathSuffixes.length; i++) {
        if (c.pathSuffixes[i].length == 0) r.fail(indexPath(fieldPath(path, "enable_path_suffixes"), i), "must not be empty");
      }
    }
    const list = r.array(obj, "attributes", path);
    if (list !== null && r.ok) {
      const lp = fieldPath(path, "attributes");
      for (let i = 0; i < list.length; i++) {
        const item = r.objectAt(list, i, lp);
        if (item === null) break;
        const a = parseAttribute(item, indexPath(lp, i), r);
        if (a === null) break;
        c.attributes.push(a);
        if (a.source == Source.RequestBody || a.builtin == Builtin.Question) c.needRequestBody = true;
        if (a.source == Source.ResponseBody) c.needResponseBody = true;
        if (a.source == Source.ResponseStreamingBody || a.builtin == Builtin.Answer) c.hasStreamAttributes = true;
        if (a.builtin == Builtin.Answer) c.needResponseBody = true; // non-streamed answers
        if (a.applyToLog && !a.asSeparateLogField) c.hasLogAttributes = true;
      }
    }
    if (!r.ok) {
      this.error = r.error;
      return null;
    }
    return c;
  }
}
