// Turns a finished request into what gets written: token counts (provider usage, overridden by
// attributes named model/input_token/output_token/total_token as in Higress, or estimated when
// enabled), anomaly flags, metric numbers and the log record. Pure.
import { Usage } from "../shared/usage";
import { sliceInt } from "../shared/json-scan";
import { errorTypeOf } from "../shared/errors";
import { RequestState } from "./request-state";
import { Outcome, anomaliesOf, errorTypeFor, ANOMALY_NAMES } from "./anomalies";
import { RequestNumbers } from "./metrics";
import { LogRecord } from "./log-record";
import { statusClass } from "./metric-names";
import { apiName, expectsUsage } from "./request-info";
import { Builtin, Source } from "./attribute-config";

/** The usage to report: provider counts, attribute overrides, or an estimate. */
export function finalUsage(st: RequestState): Usage {
  const u = new Usage();
  const resp = st.response;
  if (resp !== null && !st.cfg.disableOpenaiUsage) {
    const t = resp.tracker.usage;
    u.input = t.input;
    u.output = t.output;
    u.total = t.total;
    u.cachedInput = t.cachedInput;
    u.cacheCreation = t.cacheCreation;
    u.reasoning = t.reasoning;
    u.model = t.model;
    u.found = t.found;
  }
  // Higress: attributes keyed model / input_token / output_token / total_token feed the metrics.
  const attrs = st.cfg.attributes;
  let overridden = false;
  for (let i = 0; i < attrs.length; i++) {
    const a = unchecked(attrs[i]);
    if (a.source == Source.Builtin) continue;
    const k = a.key;
    if (k != "model" && k != "input_token" && k != "output_token" && k != "total_token") continue;
    const v = st.values.get(i, a.defaultValue);
    if (v === null) continue;
    if (k == "model") {
      u.model = v;
      continue;
    }
    const n = sliceInt(v, 0, v.length);
    if (n < 0) continue;
    if (k == "input_token") u.input = n;
    else if (k == "output_token") u.output = n;
    else u.total = n;
    overridden = true;
  }
  if (overridden) {
    if (u.total == 0) u.total = u.input + u.output;
    u.found = true;
  }
  if (!u.found && st.cfg.estimateUsage && resp !== null && st.status >= 200 && st.status < 300) {
    resp.tracker.estimateIfMissing(st.request.bytes);
    const e = resp.tracker.usage;
    u.input = e.input;
    u.output = e.output;
    u.total = e.total;
    u.estimated = true;
  }
  return u;
}

export function outcomeOf(st: RequestState, u: Usage): Outcome {
  const o = new Outcome();
  o.status = st.status;
  o.durationMs = st.msSinceStart(st.endNanos);
  o.ttftMs = st.firstByteNanos > 0 ? st.msSinceStart(st.firstByteNanos) : -1;
  o.stream = st.stream;
  o.responseEnded = st.responseEnded;
  const resp = st.response;
  // A body not examined (enable_content_types) is not judged.
  o.streamComplete = resp === null || resp.tracker.complete;
  o.streamError = resp !== null && st.stream ? resp.tracker.errorType : "";
  o.usageFound = u.found || u.estimated;
  o.expectsUsage = resp !== null && expectsUsage(st.api) && !st.cfg.disableOpenaiUsage;
  const d = st.codeDetails;
  o.fromUpstream = d.length == 0 || d == "via_upstream";
  o.upstreamReset = d.startsWith("upstream_reset");
  return o;
}

/** Error type named by a non-streamed error body (captured `error`/`type` members). */
export function bodyErrorType(st: RequestState): string {
  const resp = st.response;
  if (resp === null || st.stream) return "";
  return resp.tracker.errorType;
}

export function numbersOf(st: RequestState, u: Usage, o: Outcome, flags: u32, errorType: string): RequestNumbers {
  const n = new RequestNumbers();
  n.hasUsage = u.found || u.estimated;
  n.estimated = u.estimated;
  n.inputTokens = u.input;
  n.outputTokens = u.output;
  n.totalTokens = u.total;
  n.cachedTokens = u.cachedInput;
  n.reasoningTokens = u.reasoning;
  n.durationMs = o.durationMs;
  n.stream = o.stream;
  n.ttftMs = o.stream ? o.ttftMs : -1;
  // OTel: time per output token = (duration - TTFT) / (output tokens - 1), streams only
  if (o.stream && o.ttftMs >= 0 && o.responseEnded && u.output > 1) {
    n.tpotMs = (o.durationMs - o.ttftMs) / (u.output - 1);
  }
  n.statusClass = statusClass(o.status);
  n.errorType = errorType;
  n.anomalies = flags;
  return n;
}

/** Adds the default ai_log members to `r` (attribute members added before them win). */
export function logRecordOf(r: LogRecord, st: RequestState, u: Usage, o: Outcome, flags: u32, errorType: string, chatId: string): LogRecord {
  const model = u.model.length > 0 ? u.model : st.requestModel;
  r.strIf("model", model);
  if (u.found || u.estimated) {
    r.int("input_token", u.input);
    r.int("output_token", u.output);
    r.int("total_token", u.total);
    if (u.cachedInput > 0) r.int("cached_tokens", u.cachedInput);
    if (u.cacheCreation > 0) r.int("cache_creation_tokens", u.cacheCreation);
    if (u.reasoning > 0) r.int("reasoning_tokens", u.reasoning);
    if (u.estimated) r.bool("usage_estimated", true);
  }
  if (o.stream && o.ttftMs >= 0) r.int("llm_first_token_duration", o.ttftMs);
  r.int("llm_service_duration", o.durationMs);
  r.str("response_type", o.stream ? "stream" : "normal");
  r.strIf("chat_id", chatId);
  r.str("api", apiName(st.api));
  r.strIf("session_id", st.sessionId);
  r.strIf("request_model", st.requestModel);
  r.strIf("provider", st.provider);
  r.strIf("variant", st.variant);
  r.strIf("consumer", st.consumer);
  if (o.status > 0) r.int("response_code", o.status);
  if (errorType != "none") r.str("error_type", errorType);
  if (flags != 0 && r.beginList("anomalies")) {
    for (let i = 0; i < ANOMALY_NAMES.length; i++) if (flags & (1 << i)) r.item(unchecked(ANOMALY_NAMES[i]));
    r.endList();
  }
  return r;
}

/** Builtin attribute values computed from the usage (`reasoning_tokens`, token details). */
export function builtinUsageValue(b: Builtin, u: Usage): string | null {
  if (!u.found) return null;
  if (b == Builtin.ReasoningTokens) return u.reasoning.toString();
  if (b == Builtin.CachedTokens) return u.cachedInput.toString();
  if (b == Builtin.InputTokenDetails) {
    return '{"cached_tokens":' + u.cachedInput.toString() + ',"cache_creation_tokens":' + u.cacheCreation.toString() + "}";
  }
  if (b == Builtin.OutputTokenDetails) return '{"reasoning_tokens":' + u.reasoning.toString() + "}";
  return null;
}

export { errorTypeOf, anomaliesOf, errorTypeFor };
