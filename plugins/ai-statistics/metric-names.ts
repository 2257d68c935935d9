// Metric names. Envoy custom metrics carry no labels, so dimensions live in the name and the
// bootstrap's stats_tags regexes turn them into Prometheus labels (see README.md for the regexes).
//   Higress-compatible counters (unchanged names, for existing dashboards):
//     route.<r>.upstream.<c>.model.<m>.consumer.<u>.metric.<name>
//   This plugin's metrics add provider, request model and variant (and status/error on requests):
//     route.<r>.upstream.<c>.model.<m>.consumer.<u>.metric.<name>.provider.<p>.request_model.<rm>.variant.<v>[.status.<s>.error.<e>]
// Values may contain dots (the regexes are lazy up to the next fixed segment) but never a
// fixed segment such as ".model."; whitespace and control characters become '_'. Client-chosen
// values (model, consumer) are capped per dimension by LabelLimiter to bound the series count.
// Pure.

export const MAX_LABEL_LENGTH: i32 = 128;

/** A label value safe inside a metric name: empty -> "none", no controls/spaces, bounded length. */
export function labelValue(v: string): string {
  if (v.length == 0) return "none";
  let s = v.length > MAX_LABEL_LENGTH ? v.substring(0, MAX_LABEL_LENGTH) : v;
  let clean = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c == 0x7f) {
      clean = false;
      break;
    }
  }
  if (clean) return s;
  const out = new Array<string>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.push(c <= 0x20 || c == 0x7f ? "_" : String.fromCharCode(c));
  }
  return out.join("");
}

/** Admits at most `max` distinct values; later new values read "other". The value returned is
 *  the first instance seen (interned), so the label sets of many requests share one string. */
export class LabelLimiter {
  private seen: Map<string, string> = new Map<string, string>();
  constructor(public max: i32) {}

  admit(v: string): string {
    if (this.seen.has(v)) return this.seen.get(v);
    if (this.seen.size >= this.max) return "other";
    this.seen.set(v, v);
    return v;
  }

  get size(): i32 {
    return this.seen.size;
  }
}

/** The dimensions of one request, already cleaned and capped. */
export class MetricLabels {
  route: string = "none";
  cluster: string = "none";
  model: string = "none";
  consumer: string = "none";
  provider: string = "none";
  requestModel: string = "none";
  variant: string = "none";

  equals(o: MetricLabels): bool {
    return this.route == o.route && this.cluster == o.cluster && this.model == o.model && this.consumer == o.consumer &&
      this.provider == o.provider && this.requestModel == o.requestModel && this.variant == o.variant;
  }

  /** `route.<r>.upstream.<c>.model.<m>.consumer.<u>.metric.` */
  higressPrefix(): string {
    return "route." + this.route + ".upstream." + this.cluster + ".model." + this.model + ".consumer." + this.consumer + ".metric.";
  }

  /** `.provider.<p>.request_model.<rm>.variant.<v>` */
  extraSuffix(): string {
    return ".provider." + this.provider + ".request_model." + this.requestModel + ".variant." + this.variant;
  }
}

/** Higress counter name, e.g. metric = "input_token". */
export function higressName(prefix: string, metric: string): string {
  return prefix + metric;
}

/** This plugin's metric name (no status/error). */
export function aiName(prefix: string, suffix: string, metric: string): string {
  return prefix + metric + suffix;
}

/** The request counter's name, with status class and error type. */
export function requestsName(prefix: string, suffix: string, statusClass: string, errorType: string): string {
  return prefix + "ai_requests" + suffix + ".status." + statusClass + ".error." + errorType;
}

/** "2xx", "4xx", ...; "none" when no response status exists (e.g. the client left first). */
export function statusClass(status: i32): string {
  // constants: nothing allocated per request
  if (status < 100 || status > 599) return "none";
  if (status < 200) return "1xx";
  if (status < 300) return "2xx";
  if (status < 400) return "3xx";
  if (status < 500) return "4xx";
  return "5xx";
}
