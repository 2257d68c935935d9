// Anomaly marks for one request, decided from its outcome. Each becomes a log flag, a counter and
// (for those known before the response headers leave) optionally a response header. Pure.

export const SLOW: u32 = 1; // total duration over slow_threshold_ms
export const SLOW_TTFT: u32 = 2; // first byte of a stream over slow_ttft_ms
export const UPSTREAM_ERROR: u32 = 4; // 5xx/429 from the upstream, reset, or an error event mid-stream
export const MISSING_USAGE: u32 = 8; // 2xx on a usage-reporting API without usage
export const TRUNCATED_STREAM: u32 = 16; // a stream that ended without its terminal event
export const CLIENT_ABORT: u32 = 32; // the stream ended (on_log) before the response did

export const ANOMALY_NAMES = ["slow", "slow_ttft", "upstream_error", "missing_usage", "truncated_stream", "client_abort"];

/** What happened to one request; filled by the plugin as the phases run. */
export class Outcome {
  status: i32 = 0;
  durationMs: i64 = 0;
  /** -1 when no response body byte came */
  ttftMs: i64 = -1;
  stream: bool = false;
  responseEnded: bool = false;
  /** the stream's terminal event or finish reason was seen */
  streamComplete: bool = false;
  /** error type from an error event inside a 2xx stream ("" when none) */
  streamError: string = "";
  usageFound: bool = false;
  expectsUsage: bool = false;
  /** the response came from the upstream (response.code_details via_upstream), or unknown */
  fromUpstream: bool = true;
  /** Envoy reports an upstream reset (code details upstream_reset...) */
  upstreamReset: bool = false;
}

export function isUpstreamErrorStatus(status: i32): bool {
  return status >= 500 || status == 429;
}

export function anomaliesOf(o: Outcome, slowMs: i64, slowTtftMs: i64): u32 {
  let f: u32 = 0;
  if (slowMs > 0 && o.durationMs > slowMs) f |= SLOW;
  if (slowTtftMs > 0 && o.stream && o.ttftMs > slowTtftMs) f |= SLOW_TTFT;
  if ((o.fromUpstream && isUpstreamErrorStatus(o.status)) || o.upstreamReset || o.streamError.length > 0) f |= UPSTREAM_ERROR;
  if (!o.responseEnded && !o.upstreamReset) f |= CLIENT_ABORT;
  if (o.stream && ((o.responseEnded && !o.streamComplete) || o.upstreamReset)) f |= TRUNCATED_STREAM;
  if (o.responseEnded && o.expectsUsage && o.status >= 200 && o.status < 300 && !o.usageFound && o.streamError.length == 0) f |= MISSING_USAGE;
  return f;
}

/** Flag names in a fixed order. */
export function anomalyNames(flags: u32): string[] {
  const out = new Array<string>();
  for (let i = 0; i < ANOMALY_NAMES.length; i++) {
    if (flags & (1 << i)) out.push(ANOMALY_NAMES[i]);
  }
  return out;
}

/** error type label for the request counter. */
export function errorTypeFor(o: Outcome, flags: u32, bodyErrorType: string): string {
  if (flags & CLIENT_ABORT) return "client_abort";
  if (o.streamError.length > 0) return o.streamError;
  if (o.status >= 400) return bodyErrorType.length > 0 ? bodyErrorType : "http_" + o.status.toString();
  if (o.upstreamReset) return "upstream_reset";
  if (flags & TRUNCATED_STREAM) return "truncated_stream";
  return "none";
}
