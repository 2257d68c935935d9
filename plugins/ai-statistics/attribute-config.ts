// One entry of Higress's `attributes[]`: where a log/span value comes from and how it is kept.
//   { "key": "answer", "value_source": "response_streaming_body", "value": "choices.0.delta.content",
//     "rule": "append", "apply_to_log": true }
// Built-in keys (question, answer, reasoning_tokens, cached_tokens, input_token_details,
// output_token_details) need no value_source/value. Credential headers can never be logged.
// Pure: parsing only.
import { JSON } from "json-as";
import { ConfigReader, fieldPath } from "../../assembly/json/config";
import { JsonPath } from "../shared/json-path";

export const enum Source {
  Fixed = 0,
  RequestHeader = 1,
  RequestBody = 2,
  ResponseHeader = 3,
  ResponseBody = 4,
  ResponseStreamingBody = 5,
  /** a built-in key computed by the plugin */
  Builtin = 6,
}

export const enum Rule {
  First = 0,
  Replace = 1,
  Append = 2,
}

export const enum Builtin {
  None = 0,
  Question = 1,
  Answer = 2,
  ReasoningTokens = 3,
  CachedTokens = 4,
  InputTokenDetails = 5,
  OutputTokenDetails = 6,
}

const ATTRIBUTE_FIELDS = [
  "key", "value_source", "value", "default_value", "rule", "apply_to_log", "apply_to_span",
  "trace_span_key", "as_separate_log_field",
];

/** Headers that carry credentials: refused as attribute values (keys are never logged). */
const CREDENTIAL_HEADERS = [
  "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
  "set-cookie", "x-amz-security-token",
];

export function isCredentialHeader(name: string): bool {
  return CREDENTIAL_HEADERS.includes(name.toLowerCase());
}

export class AttributeConfig {
  key: string = "";
  source: Source = Source.Fixed;
  /** header name, JSON path text or fixed value */
  value: string = "";
  /** compiled JSON path for body sources */
  path: JsonPath | null = null;
  defaultValue: string = "";
  rule: Rule = Rule.First;
  builtin: Builtin = Builtin.None;
  applyToLog: bool = false;
  applyToSpan: bool = false;
  traceSpanKey: string = "";
  asSeparateLogField: bool = false;
}

function builtinFor(key: string): Builtin {
  if (key == "question") return Builtin.Question;
  if (key == "answer") return Builtin.Answer;
  if (key == "reasoning_tokens") return Builtin.ReasoningTokens;
  if (key == "cached_tokens") return Builtin.CachedTokens;
  if (key == "input_token_details") return Builtin.InputTokenDetails;
  if (key == "output_token_details") return Builtin.OutputTokenDetails;
  return Builtin.None;
}

function sourceFor(name: string): i32 {
  if (name == "fixed_value") return Source.Fixed;
  if (name == "request_header") return Source.RequestHeader;
  if (name == "request_body") return Source.RequestBody;
  if (name == "response_header") return Source.ResponseHeader;
  if (name == "response_body") return Source.ResponseBody;
  if (name == "response_streaming_body") return Source.ResponseStreamingBody;
  return -1;
}

/** Parses attributes[i]; records the first error in `r` (naming the field) and returns null. */
export function parseAttribute(obj: JSON.Obj, path: string, r: ConfigReader): AttributeConfig | null {
  const keys = obj.keys();
  for (let i = 0; i < keys.length; i++) {
    if (!ATTRIBUTE_FIELDS.includes(keys[i])) {
      r.fail(fieldPath(path, keys[i]), "unknown field (expected one of " + ATTRIBUTE_FIELDS.join(", ") + ")");
      return null;
    }
  }
  const a = new AttributeConfig();
  if (!r.require(obj, "key", path)) return null;
  a.key = r.string(obj, "key", path);
  if (a.key.length == 0) {
    r.fail(fieldPath(path, "key"), "must not be empty");
    return null;
  }
  const sourceName = r.string(obj, "value_source", path);
  a.value = r.string(obj, "value", path);
  a.defaultValue = r.string(obj, "default_value", path);
  const ruleName = r.string(obj, "rule", path);
  a.applyToLog = r.bool(obj, "apply_to_log", path);
  a.applyToSpan = r.bool(obj, "apply_to_span", path);
  a.traceSpanKey = r.string(obj, "trace_span_key", path);
  a.asSeparateLogField = r.bool(obj, "as_separate_log_field", path);
  if (!r.ok) return null;

  if (ruleName.length > 0) {
    if (ruleName == "first") a.rule = Rule.First;
    else if (ruleName == "replace") a.rule = Rule.Replace;
    else if (ruleName == "append") a.rule = Rule.Append;
    else {
      r.fail(fieldPath(path, "rule"), "expected first, replace or append, got '" + ruleName + "'");
      return null;
    }
  }

  if (sourceName.length == 0) {
    a.builtin = builtinFor(a.key);
    if (a.builtin == Builtin.None) {
      r.fail(fieldPath(path, "value_source"), "required (or use a built-in key: question, answer, reasoning_tokens, cached_tokens, input_token_details, output_token_details)");
      return null;
    }
    a.source = Source.Builtin;
    return a;
  }
  const s = sourceFor(sourceName);
  if (s < 0) {
    r.fail(fieldPath(path, "value_source"), "expected fixed_value, request_header, request_body, response_header, response_body or response_streaming_body, got '" + sourceName + "'");
    return null;
  }
  a.source = <Source>s;
  if (a.value.length == 0) {
    r.fail(fieldPath(path, "value"), "required for value_source " + sourceName);
    return null;
  }
  if (a.source == Source.RequestHeader || a.source == Source.ResponseHeader) {
    a.value = a.value.toLowerCase();
    if (isCredentialHeader(a.value)) {
      r.fail(fieldPath(path, "value"), "refusing to log credential header '" + a.value + "'");
      return null;
    }
  }
  if (a.source == Source.RequestBody || a.source == Source.ResponseBody || a.source == Source.ResponseStreamingBody) {
    const p = new JsonPath(a.value);
    if (p.error !== null) {
      r.fail(fieldPath(path, "value"), p.error!);
      return null;
    }
    a.path = p;
  }
  return a;
}
