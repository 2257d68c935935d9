// Fault injection: what a request's response should suffer, from two sources.
//  - Programmatic: state.faults.add(spec) queues a fault for the next `count` matching requests.
//  - Per request: the `x-mock-fault` header, so a test that only talks to the gateway can steer the
//    upstream. Syntax: `key=value` pairs separated by ";", flags without a value, e.g.
//      x-mock-fault: status=429;count=2;retry-after=1
//      x-mock-fault: chunks=1,7;chunk-delay=5;crlf
//    With `count`, the first `count` requests carrying the same header value (or the same `key=`)
//    suffer the fault and later ones pass, so "fail twice, then succeed" survives gateway retries.
//    Without `count`, every request carrying the header suffers it.
// When both apply, header fields override programmatic ones.

export type ProviderKind = "openai" | "anthropic" | "gemini";

export interface FaultSpec {
  /** Answer with this status and the provider's error body for it. */
  status?: number;
  /** Seconds, sent as `retry-after` with a status fault. */
  retryAfter?: number;
  /** Milliseconds before the status line and headers are written. */
  firstByteDelayMs?: number;
  /** Milliseconds between stream events (or between write units when re-chunking). */
  eventDelayMs?: number;
  /** Milliseconds between write units when `chunkSizes` or `eventsPerChunk` re-chunk the body. */
  chunkDelayMs?: number;
  /** Reset the TCP connection (RST) after this many events; 0 = before any response byte. */
  resetAfterEvents?: number;
  /** Reset the TCP connection after this many body bytes. */
  resetAfterBytes?: number;
  /** End the response cleanly after this many events (a truncated stream: no [DONE]/message_stop). */
  endAfterEvents?: number;
  /** Send the provider's in-stream error event after this many events, then end. */
  errorAfterEvents?: number;
  /** Accept the request and never answer (the socket stays open until the client or close() ends it). */
  blackhole?: boolean;
  /** Cut the body bytes into writes of these sizes, in order, repeating the last size. */
  chunkSizes?: number[];
  /** Put this many whole events into each write. */
  eventsPerChunk?: number;
  /** Line endings of stream events (default: the provider's own; Gemini uses CRLF). */
  lineEnding?: "lf" | "crlf";
  /** gzip the body (`content-encoding: gzip`) when the request's accept-encoding allows it. */
  gzip?: boolean;
}

export interface QueuedFault extends FaultSpec {
  /** How many requests this fault applies to (default 1; Infinity = until removed). */
  count?: number;
  /** Only requests to this provider. */
  provider?: ProviderKind;
  /** Only requests whose path (without query) starts with this. */
  pathPrefix?: string;
}

export type ParsedFault =
  | { ok: true; spec: FaultSpec; count?: number; key: string }
  | { ok: false; error: string };

const NUMBER_FIELDS: Record<string, keyof FaultSpec> = {
  status: "status",
  "retry-after": "retryAfter",
  delay: "firstByteDelayMs",
  "event-delay": "eventDelayMs",
  "chunk-delay": "chunkDelayMs",
  "reset-after": "resetAfterEvents",
  "reset-after-bytes": "resetAfterBytes",
  "end-after": "endAfterEvents",
  "error-after": "errorAfterEvents",
  "events-per-chunk": "eventsPerChunk",
};

/** Parses an `x-mock-fault` header value. */
export function parseFaultHeader(value: string): ParsedFault {
  const spec: FaultSpec = {};
  let count: number | undefined;
  let key: string | undefined;
  for (const raw of value.split(";")) {
    const part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (name === "blackhole") spec.blackhole = true;
    else if (name === "crlf") spec.lineEnding = "crlf";
    else if (name === "lf") spec.lineEnding = "lf";
    else if (name === "gzip") spec.gzip = true;
    else if (name === "key") key = val;
    else if (name === "count") {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 0) return { ok: false, error: `x-mock-fault: count: expected a non-negative integer, got "${val}"` };
      count = n;
    } else if (name === "chunks") {
      const sizes = val.split(",").map((s) => Number(s.trim()));
      if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
        return { ok: false, error: `x-mock-fault: chunks: expected positive integers separated by ",", got "${val}"` };
      }
      spec.chunkSizes = sizes;
    } else if (name in NUMBER_FIELDS) {
      const n = Number(val);
      if (val === "" || !Number.isFinite(n) || n < 0) return { ok: false, error: `x-mock-fault: ${name}: expected a non-negative number, got "${val}"` };
      (spec as Record<string, number>)[NUMBER_FIELDS[name]] = n;
    } else {
      return { ok: false, error: `x-mock-fault: unknown field "${name}"` };
    }
  }
  if (spec.eventsPerChunk !== undefined && spec.eventsPerChunk < 1) {
    return { ok: false, error: "x-mock-fault: events-per-chunk: expected at least 1" };
  }
  return { ok: true, spec, count, key: key ?? value.trim() };
}

/** The faults of one server: the programmatic queue and the header budgets. */
export class FaultBook {
  private queue: QueuedFault[] = [];
  private budgets = new Map<string, number>();

  /** Queues a fault for the next `count` (default 1) matching requests. */
  add(fault: QueuedFault): void {
    this.queue.push({ ...fault, count: fault.count ?? 1 });
  }

  clear(): void {
    this.queue = [];
    this.budgets.clear();
  }

  /** Faults still queued (copies). */
  pending(): QueuedFault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  /** Takes the fault for one request: the first matching queued fault, merged with the header's. */
  take(provider: ProviderKind, path: string, header: ParsedFault | undefined): FaultSpec | undefined {
    let out: FaultSpec | undefined;
    const i = this.queue.findIndex((f) => (!f.provider || f.provider === provider) && (!f.pathPrefix || path.startsWith(f.pathPrefix)));
    if (i >= 0) {
      const f = this.queue[i];
      const { count, provider: _p, pathPrefix: _pp, ...spec } = f;
      out = spec;
      f.count = (count ?? 1) - 1;
      if (f.count <= 0) this.queue.splice(i, 1);
    }
    if (header?.ok) {
      let applies = true;
      if (header.count !== undefined) {
        const left = this.budgets.get(header.key) ?? header.count;
        applies = left > 0;
        this.budgets.set(header.key, Math.max(0, left - 1));
      }
      if (applies) out = { ...out, ...header.spec };
    }
    return out;
  }
}
