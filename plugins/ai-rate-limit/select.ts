// Picks the limits that apply to one request: for each rule group, the rules whose `match` passes
// and whose key value is present, then the first limit_keys entry that matches the value
// (Higress order). A rule whose key is missing from the request (no such header, parameter,
// cookie, consumer, model, or no parseable client IP) does not apply, as in Higress.
// Pure: the request is read through RequestView (host-backed in index.ts, a fake in specs).
import { RateLimitConfig, Rule, KeyItem, KeySource, ItemKind, RequestMatch, HeaderMatch, CONSUMER_HEADER } from "./config-types";
import { clientIpText, parseIpInto, IpAddr } from "./ip";
import { queryParam, cookieValue, pathOnly } from "./request-values";

export abstract class RequestView {
  /** First value of a request header (lower-case name), or null. */
  abstract header(name: string): string | null;
  abstract path(): string;
  abstract method(): string;
  /** Downstream address as Envoy reports it ("1.2.3.4:5678"); "" when unknown. */
  abstract remoteAddress(): string;
  /** Model of the request ("" when unknown or the body was not read). */
  abstract model(): string;
}

/** One limit that applies: the rule, its matched key item, and the key value. */
export class Hit {
  rule: Rule;
  item: KeyItem;
  value: string;
  constructor(rule: Rule, item: KeyItem, value: string) {
    this.rule = rule;
    this.item = item;
    this.value = value;
  }
}

function headerMatches(h: HeaderMatch, v: string | null): bool {
  let ok = true;
  if (h.present >= 0) ok = (v !== null) == (h.present == 1);
  if (ok && (h.exact !== null || h.prefix !== null || h.suffix !== null || h.contains !== null || h.regex !== null)) {
    if (v === null) ok = false;
    else {
      const s = v;
      if (h.exact !== null && s != h.exact!) ok = false;
      if (h.prefix !== null && !s.startsWith(h.prefix!)) ok = false;
      if (h.suffix !== null && !s.endsWith(h.suffix!)) ok = false;
      if (h.contains !== null && s.indexOf(h.contains!) < 0) ok = false;
      if (h.regex !== null && !h.regex!.fullMatch(s)) ok = false;
    }
  } else if (h.present < 0 && v === null) {
    ok = false; // only a name: the header must be there
  }
  return ok != h.invert;
}

/** Whether the request passes every test of `m` (Envoy route-match semantics for the path). */
export function requestMatches(m: RequestMatch, req: RequestView): bool {
  if (m.pathExact !== null || m.pathPrefix !== null || m.pathRegex !== null) {
    const p = pathOnly(req.path());
    if (m.pathExact !== null && p != m.pathExact!) return false;
    if (m.pathPrefix !== null && !p.startsWith(m.pathPrefix!)) return false;
    if (m.pathRegex !== null && !m.pathRegex!.fullMatch(p)) return false;
  }
  if (m.methods.length > 0 && !m.methods.includes(req.method())) return false;
  if (m.models.length > 0) {
    const model = req.model();
    if (model.length == 0) return false;
    let any = false;
    for (let i = 0; i < m.models.length; i++) {
      if (m.models[i].matches(model)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  for (let i = 0; i < m.headers.length; i++) {
    const h = m.headers[i];
    if (!headerMatches(h, req.header(h.name))) return false;
  }
  return true;
}

/** Reused: the key value and parsed IP of the rule being evaluated. */
class Extracted {
  value: string = "";
  ip: IpAddr | null = null;
  ipBuf: IpAddr = new IpAddr();
}

const ex = new Extracted();

function extract(rule: Rule, req: RequestView, out: Extracted): bool {
  out.ip = null;
  switch (rule.source) {
    case KeySource.Global:
      out.value = "";
      return true;
    case KeySource.Header: {
      const v = req.header(rule.sourceName);
      if (v === null) return false;
      out.value = v;
      return true;
    }
    case KeySource.Param: {
      const v = queryParam(req.path(), rule.sourceName);
      if (v === null) return false;
      out.value = v;
      return true;
    }
    case KeySource.Consumer: {
      const v = req.header(CONSUMER_HEADER);
      if (v === null) return false;
      out.value = v;
      return true;
    }
    case KeySource.Cookie: {
      const c = req.header("cookie");
      if (c === null) return false;
      const v = cookieValue(c, rule.sourceName);
      if (v === null || v.length == 0) return false;
      out.value = v;
      return true;
    }
    case KeySource.Ip: {
      const raw = rule.ipHeader.length > 0 ? req.header(rule.ipHeader) : req.remoteAddress();
      if (raw === null) return false;
      const text = clientIpText(raw);
      if (text === null || !parseIpInto(text, out.ipBuf)) return false;
      out.ip = out.ipBuf;
      // Dotted IPv4 without leading zeros is already canonical; IPv6 (and mapped) are printed.
      out.value = out.ipBuf.v6 || text.indexOf(":") >= 0 ? out.ipBuf.toString() : text;
      return true;
    }
    case KeySource.Model: {
      const m = req.model();
      if (m.length == 0) return false;
      out.value = m;
      return true;
    }
  }
  return false;
}

function findItem(rule: Rule, ex: Extracted): KeyItem | null {
  for (let i = 0; i < rule.items.length; i++) {
    const item = rule.items[i];
    switch (item.kind) {
      case ItemKind.All:
        return item;
      case ItemKind.Exact:
        if (item.key == ex.value) return item;
        break;
      case ItemKind.Regex:
        if (item.regex!.search(ex.value)) return item;
        break;
      case ItemKind.Cidr:
        if (ex.ip !== null && item.cidr!.contains(ex.ip!)) return item;
        break;
    }
  }
  return null;
}

/** The limits for a request, appended to `out` (cleared first). */
export function selectLimits(config: RateLimitConfig, req: RequestView, out: Hit[]): void {
  out.length = 0;
  for (let g = 0; g < config.groups.length; g++) {
    const group = config.groups[g];
    for (let r = 0; r < group.rules.length; r++) {
      const rule = group.rules[r];
      if (rule.match !== null && !requestMatches(rule.match!, req)) continue;
      if (!extract(rule, req, ex)) continue;
      const item = findItem(rule, ex);
      if (item === null) continue;
      // Exact keys count under the configured key; per-value keys under the request's value.
      const value = item.kind == ItemKind.Exact ? item.key : ex.value;
      out.push(new Hit(rule, item, value));
      if (group.firstMatch) break;
    }
  }
}
