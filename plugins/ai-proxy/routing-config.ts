// The `routing` object (this project's extension of the Higress shape):
//   "routing": {
//     "clusterHeader": "x-ai-cluster",             // request header an Envoy route reads (cluster_header)
//     "sticky": {"header": "x-mse-consumer"},      // or {"bodyField": "user"}: hash key for A/B splits
//     "tags": [{"header": "x-ai-tag", "value": "canary", "provider": "p2"}],   // or "regex": "..."
//     "models": [{"model": "claude-*", "provider": "anthropic"}],             // needs the body
//     // a tag or model rule may add "endpointMetadata": {"gpu": "a100"}: the winning rule's pairs
//     // go out as x-ai-endpoint-<key> headers (Envoy's header_to_metadata + subset LB pick endpoints)
//     "endpointHeaderPrefix": "x-ai-endpoint-",
//     "fallback": ["gpt-4o-mini", {"provider": "local", "model": "qwen2.5-7b"}],
//     "fallbackOnStatus": ["429", "5.*"]
//   }
// Provider weights (canary %) are the providers' own `weight` fields.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { Provider } from "./providers/provider";
import { ModelPattern } from "./model-pattern";
import { Regex } from "./regex";
import { StatusPatterns, parseStatusPatterns } from "./failover-config";

/** Endpoint metadata a rule asks for: keys (lower-case header-name characters) and values. */
export class EndpointMetadata {
  keys: string[] = [];
  values: string[] = [];
}

export const NO_ENDPOINT_METADATA = new EndpointMetadata();

export class TagRule {
  header: string = "";
  value: string = "";
  re: Regex | null = null;
  provider: Provider | null = null;
  endpoint: EndpointMetadata = NO_ENDPOINT_METADATA;

  matches(v: string): bool {
    if (this.re !== null) return this.re!.fullMatch(v);
    return v == this.value;
  }
}

export class ModelRule {
  endpoint: EndpointMetadata = NO_ENDPOINT_METADATA;
  constructor(public pattern: ModelPattern, public provider: Provider) {}
}

export class FallbackEntry {
  /** model "" = the provider's modelMapping applied to the client's model */
  constructor(public provider: Provider, public model: string) {}
}

export class RoutingConfig {
  clusterHeader: string = "x-ai-cluster";
  /** request headers with this prefix are ai-proxy's to set (client copies removed) */
  endpointHeaderPrefix: string = "x-ai-endpoint-";
  stickyHeader: string = "";
  stickyBodyField: string = "";
  tags: TagRule[] = [];
  models: ModelRule[] = [];
  fallback: FallbackEntry[] = [];
  fallbackOnStatus: StatusPatterns = new StatusPatterns();

  /** True when a routing decision needs the request body. */
  get needsBody(): bool {
    return this.models.length > 0 || this.stickyBodyField.length > 0;
  }
}

const ROUTING_FIELDS: string[] = ["clusterHeader", "endpointHeaderPrefix", "sticky", "tags", "models", "fallback", "fallbackOnStatus"];

/** RFC 9110 tchar: what a header name may hold. */
function isTokenChar(c: i32): bool {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  return "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
}

function isHeaderName(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** A header value must not hold CR, LF or NUL (Envoy rejects it). */
function isHeaderValue(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0 || c == 10 || c == 13) return false;
  }
  return true;
}

/** `endpointMetadata`: an object of non-empty strings whose keys can end a header name. */
function parseEndpointMetadata(f: JsonFields, rule: JSON.Obj, path: string): EndpointMetadata {
  const o = f.obj(rule, "endpointMetadata", path);
  if (o === null) return NO_ENDPOINT_METADATA;
  const ep = fieldPath(path, "endpointMetadata");
  const m = new EndpointMetadata();
  const keys = o.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = unchecked(keys[i]);
    const kp = fieldPath(ep, k);
    if (!isHeaderName(k)) {
      f.fail(kp, "key must be header-name characters (letters, digits, !#$%&'*+-.^_`|~)");
      continue;
    }
    const v = o.get(k)!;
    if (v.type != JSON.Types.String) {
      f.expected(kp, "string", v);
      continue;
    }
    const s = v.get<string>();
    if (s.length == 0) f.fail(kp, "must not be empty");
    else if (!isHeaderValue(s)) f.fail(kp, "must not contain CR, LF or NUL");
    m.keys.push(k.toLowerCase());
    m.values.push(s);
  }
  if (m.keys.length == 0) f.fail(ep, "must name at least one key");
  return m;
}

function findProvider(providers: Provider[], id: string): Provider | null {
  for (let i = 0; i < providers.length; i++) if (providers[i].id == id) return providers[i];
  return null;
}

/** Reads a `provider` id field and resolves it; records an error when unknown. */
function providerRef(f: JsonFields, obj: JSON.Obj, path: string, providers: Provider[]): Provider | null {
  if (!f.require(obj, "provider", path)) return null;
  const id = f.str(obj, "provider", path, "");
  const p = findProvider(providers, id);
  if (p === null) f.fail(fieldPath(path, "provider"), "no provider with id '" + id + "'");
  return p;
}

export function parseRouting(f: JsonFields, obj: JSON.Obj | null, path: string, providers: Provider[]): RoutingConfig {
  const r = new RoutingConfig();
  r.fallbackOnStatus = parseStatusPatterns(f, obj === null ? new JSON.Obj() : obj, "fallbackOnStatus", path, ["429", "5.*"]);
  if (obj === null) return r;
  const o = changetype<JSON.Obj>(obj);
  f.rejectUnknown(o, ROUTING_FIELDS, path);
  r.clusterHeader = f.str(o, "clusterHeader", path, "x-ai-cluster").toLowerCase();
  if (r.clusterHeader.length == 0) f.fail(fieldPath(path, "clusterHeader"), "must not be empty");
  r.endpointHeaderPrefix = f.str(o, "endpointHeaderPrefix", path, "x-ai-endpoint-").toLowerCase();
  if (!isHeaderName(r.endpointHeaderPrefix)) f.fail(fieldPath(path, "endpointHeaderPrefix"), "must be header-name characters");

  const sticky = f.obj(o, "sticky", path);
  if (sticky !== null) {
    const sp = fieldPath(path, "sticky");
    f.rejectUnknown(sticky, ["header", "bodyField"], sp);
    r.stickyHeader = f.str(sticky, "header", sp, "").toLowerCase();
    r.stickyBodyField = f.str(sticky, "bodyField", sp, "");
    if ((r.stickyHeader.length == 0) == (r.stickyBodyField.length == 0)) {
      f.fail(sp, "set exactly one of header or bodyField");
    }
  }

  const tags = f.arr(o, "tags", path);
  if (tags !== null) {
    const tp = fieldPath(path, "tags");
    for (let i = 0; i < tags.length; i++) {
      const t = f.itemObj(tags, i, tp);
      if (t === null) continue;
      const ip = indexPath(tp, i);
      f.rejectUnknown(t, ["header", "value", "regex", "provider", "endpointMetadata"], ip);
      const rule = new TagRule();
      if (f.require(t, "header", ip)) rule.header = f.str(t, "header", ip, "").toLowerCase();
      rule.value = f.str(t, "value", ip, "");
      const rx = f.str(t, "regex", ip, "");
      if (rx.length > 0) {
        const re = Regex.compile(rx);
        if (re.error !== null) f.fail(fieldPath(ip, "regex"), "invalid regular expression: " + re.error!);
        rule.re = re;
      } else if (!f.present(t, "value")) f.fail(ip, "set value or regex");
      rule.provider = providerRef(f, t, ip, providers);
      rule.endpoint = parseEndpointMetadata(f, t, ip);
      r.tags.push(rule);
    }
  }

  const models = f.arr(o, "models", path);
  if (models !== null) {
    const mp = fieldPath(path, "models");
    for (let i = 0; i < models.length; i++) {
      const m = f.itemObj(models, i, mp);
      if (m === null) continue;
      const ip = indexPath(mp, i);
      f.rejectUnknown(m, ["model", "provider", "endpointMetadata"], ip);
      if (!f.require(m, "model", ip)) continue;
      const pat = ModelPattern.parse(f.str(m, "model", ip, ""));
      if (pat.error !== null) f.fail(fieldPath(ip, "model"), pat.error!);
      const p = providerRef(f, m, ip, providers);
      const endpoint = parseEndpointMetadata(f, m, ip);
      if (p !== null) {
        const rule = new ModelRule(pat, p);
        rule.endpoint = endpoint;
        r.models.push(rule);
      }
    }
  }

  const fb = f.arr(o, "fallback", path);
  if (fb !== null) {
    const fp = fieldPath(path, "fallback");
    for (let i = 0; i < fb.length; i++) {
      const v = fb.at(i);
      const ip = indexPath(fp, i);
      if (v.type == JSON.Types.String) {
        const id = v.get<string>();
        const p = findProvider(providers, id);
        if (p === null) f.fail(ip, "no provider with id '" + id + "'");
        else r.fallback.push(new FallbackEntry(p, ""));
        continue;
      }
      const e = f.itemObj(fb, i, fp);
      if (e === null) continue;
      f.rejectUnknown(e, ["provider", "model"], ip);
      const p = providerRef(f, e, ip, providers);
      if (p !== null) r.fallback.push(new FallbackEntry(p, f.str(e, "model", ip, "")));
    }
  }
  return r;
}
