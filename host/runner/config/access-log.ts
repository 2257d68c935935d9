// HttpConnectionManager.access_log[]: stdout, stderr and file loggers with a text format.
// Only command operators the host reports truthfully are accepted (see AccessLogEntry); the rest,
// Envoy's default format included (it prints headers the host does not record), fail at start.
import { expectType, Fields } from "./reader.ts";

const STDOUT = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
const STDERR = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
const FILE = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";

/** Operators without an argument, and REQ() headers, the runner can fill. */
export const PLAIN_OPERATORS = [
  "START_TIME",
  "PROTOCOL",
  "RESPONSE_CODE",
  "RESPONSE_CODE_DETAILS",
  "RESPONSE_FLAGS",
  "BYTES_RECEIVED",
  "BYTES_SENT",
  "DURATION",
  "ROUTE_NAME",
  "UPSTREAM_CLUSTER",
] as const;
export const REQ_HEADERS = [":METHOD", "X-REQUEST-ID"] as const;

export type FormatToken =
  | { kind: "text"; text: string }
  | { kind: "op"; name: (typeof PLAIN_OPERATORS)[number]; max: number }
  | { kind: "req"; header: (typeof REQ_HEADERS)[number]; max: number }
  | { kind: "filter_state"; key: string; max: number };

export interface AccessLogSpec {
  sink: { kind: "stdout" } | { kind: "stderr" } | { kind: "file"; path: string };
  format: FormatToken[];
  omitEmptyValues: boolean;
}

/** Parses an Envoy format string into tokens; a string on error. */
export function parseFormat(s: string): FormatToken[] | string {
  const out: FormatToken[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    if (s[i] !== "%") {
      text += s[i++];
      continue;
    }
    const m = /^%([A-Z_]+)(?:\(([^)]*)\))?(?::(\d+))?%/.exec(s.slice(i));
    if (!m) return `unterminated or malformed command operator at offset ${i}`;
    if (text !== "") out.push({ kind: "text", text });
    text = "";
    const [whole, name, arg, maxStr] = m;
    const max = maxStr === undefined ? 0 : Number(maxStr);
    i += whole.length;
    if (name === "REQ") {
      const header = (arg ?? "").toUpperCase();
      if (!(REQ_HEADERS as readonly string[]).includes(header))
        return `%REQ(${arg ?? ""})%: the runner records only ${REQ_HEADERS.map((h) => `%REQ(${h})%`).join(", ")} of the request headers`;
      out.push({ kind: "req", header: header as (typeof REQ_HEADERS)[number], max });
    } else if (name === "FILTER_STATE") {
      const fm = /^([^:]+):PLAIN$/.exec(arg ?? "");
      if (!fm) return `%FILTER_STATE(${arg ?? ""})%: only the KEY:PLAIN form is supported`;
      out.push({ kind: "filter_state", key: fm[1], max });
    } else if ((PLAIN_OPERATORS as readonly string[]).includes(name) && arg === undefined) {
      out.push({ kind: "op", name: name as (typeof PLAIN_OPERATORS)[number], max });
    } else {
      return `%${name}${arg === undefined ? "" : `(${arg})`}%: not supported by the local runner`;
    }
  }
  if (text !== "") out.push({ kind: "text", text });
  return out;
}

export function readAccessLogs(f: Fields): AccessLogSpec[] {
  const out: AccessLogSpec[] = [];
  for (const { f: al } of f.messages("access_log")) {
    al.str("name");
    const tc = al.message("typed_config");
    al.done();
    if (!tc) {
      al.problems.add(al.at("typed_config"), "required");
      continue;
    }
    const type = tc.str("@type");
    let sink: AccessLogSpec["sink"] | null = null;
    if (type === STDOUT) sink = { kind: "stdout" };
    else if (type === STDERR) sink = { kind: "stderr" };
    else if (type === FILE) {
      const path = tc.requiredStr("path");
      sink = { kind: "file", path };
    } else {
      expectType(tc, STDOUT); // reports the unsupported type
      tc.done();
      continue;
    }
    const spec = readLogFormat(tc, sink);
    tc.done();
    if (spec) out.push(spec);
  }
  return out;
}

function readLogFormat(tc: Fields, sink: AccessLogSpec["sink"]): AccessLogSpec | null {
  const lf = tc.message("log_format");
  if (!lf) {
    tc.problems.add(tc.at("log_format"), "required by the local runner (Envoy's default format prints request headers the runner does not record)");
    return null;
  }
  let format: string | null = null;
  const src = lf.message("text_format_source");
  if (src) {
    format = src.requiredStr("inline_string");
    src.done();
  } else if (lf.has("text_format")) {
    format = lf.str("text_format");
  } else {
    lf.problems.add(lf.path, "text_format_source.inline_string is required (json_format is not supported by the local runner)");
  }
  const omitEmptyValues = lf.bool("omit_empty_values");
  lf.done();
  if (format === null) return null;
  const tokens = parseFormat(format);
  if (typeof tokens === "string") {
    lf.problems.add(src ? src.at("inline_string") : lf.at("text_format"), tokens);
    return null;
  }
  return { sink, format: tokens, omitEmptyValues };
}
