// Writes access log lines for finished streams (HostServices.accessLog), formatted as Envoy's
// text formatter does: a missing value prints "-" (or nothing with omit_empty_values), START_TIME
// is UTC with milliseconds, ":Z" truncates a value to Z characters. Custom formats are written as
// given (Envoy adds no newline to them).
import * as fs from "node:fs";
import type { AccessLogEntry } from "../contract.ts";
import type { AccessLogSpec, FormatToken } from "./config/access-log.ts";

function value(t: Exclude<FormatToken, { kind: "text" }>, e: AccessLogEntry): string | null {
  switch (t.kind) {
    case "req":
      return t.header === ":METHOD" ? e.method || null : e.requestId || null;
    case "filter_state": {
      const v = e.filterState.get(t.key);
      return v === undefined ? null : Buffer.from(v).toString("utf8");
    }
    default:
      switch (t.name) {
        case "START_TIME":
          return new Date(e.startTimeMs).toISOString();
        case "PROTOCOL":
          return e.protocol || null;
        case "RESPONSE_CODE":
          return String(e.responseCode);
        case "RESPONSE_CODE_DETAILS":
          return e.responseCodeDetails || null;
        case "RESPONSE_FLAGS":
          return e.responseFlags || null;
        case "BYTES_RECEIVED":
          return String(e.bytesReceived);
        case "BYTES_SENT":
          return String(e.bytesSent);
        case "DURATION":
          return String(Math.round(e.durationMs));
        case "ROUTE_NAME":
          return e.routeName || null;
        case "UPSTREAM_CLUSTER":
          return e.upstreamCluster || null;
      }
  }
}

export function formatAccessLog(spec: Pick<AccessLogSpec, "format" | "omitEmptyValues">, e: AccessLogEntry): string {
  let out = "";
  for (const t of spec.format) {
    if (t.kind === "text") {
      out += t.text;
      continue;
    }
    let v = value(t, e);
    if (v !== null && t.max > 0) v = v.slice(0, t.max);
    out += v ?? (spec.omitEmptyValues ? "" : "-");
  }
  return out;
}

/** One callback for a listener's access_log list; null when it has none. */
export function accessLogWriter(specs: AccessLogSpec[]): { log: (e: AccessLogEntry) => void; close: () => void } | null {
  if (specs.length === 0) return null;
  const files = new Map<string, fs.WriteStream>();
  const sinks = specs.map((s) => {
    if (s.sink.kind === "stdout") return (line: string) => process.stdout.write(line);
    if (s.sink.kind === "stderr") return (line: string) => process.stderr.write(line);
    const path = s.sink.path;
    let stream = files.get(path);
    if (!stream) {
      stream = fs.createWriteStream(path, { flags: "a" });
      stream.on("error", (err) => process.stderr.write(`access log ${path}: ${err.message}\n`));
      files.set(path, stream);
    }
    const w = stream;
    return (line: string) => void w.write(line);
  });
  return {
    log(e) {
      specs.forEach((s, i) => sinks[i](formatAccessLog(s, e)));
    },
    close() {
      for (const f of files.values()) f.end();
    },
  };
}
