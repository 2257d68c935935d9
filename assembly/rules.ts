// Per-route configuration in Higress's `_rules_` form (Envoy's wasm filter has no per-route
// config, so the plugin picks the rule itself; Higress wasm-go pkg/matcher/rule_matcher.go):
//   { ...global config, "_rules_": [ { ...rule config, "_match_route_": ["r1"] }, ... ] }
// Match keys (arrays of strings): _match_route_ (route name, exact), _match_route_prefix_
// (route name prefix), _match_domain_ (":authority" without port; "*.x" suffix, "x*" prefix, else
// exact), _match_service_ (cluster name: exact, or for Higress names "outbound|port||fqdn" the
// fqdn or "fqdn:port"). The first matching rule wins, else the global config.
// Parsing and matching are pure; only RouteRules.select() reads the host (compiled only if used).
import { JSON } from "json-as";
import { ConfigParser, ConfigReader, parseJsonObject, indexPath } from "./json/config";
import { routeName, clusterName } from "./properties";
import { requestHeaders } from "./headers";

export const RULES_KEY = "_rules_";
export const MATCH_ROUTE_KEY = "_match_route_";
export const MATCH_ROUTE_PREFIX_KEY = "_match_route_prefix_";
export const MATCH_DOMAIN_KEY = "_match_domain_";
export const MATCH_SERVICE_KEY = "_match_service_";

/** What one rule matches on. */
export class RuleMatch {
  routes: string[] = [];
  routePrefixes: string[] = [];
  domains: string[] = [];
  services: string[] = [];

  /** Higress order inside one rule: route (and service when both given), domain, service, prefix. */
  matches(route: string, authority: string, cluster: string): bool {
    if (this.routes.length > 0) {
      if (!this.routes.includes(route)) return false;
      return this.services.length == 0 || serviceMatches(this.services, cluster);
    }
    if (this.domains.length > 0) return domainMatches(this.domains, stripPort(authority));
    if (this.services.length > 0) return serviceMatches(this.services, cluster);
    for (let i = 0; i < this.routePrefixes.length; i++) {
      if (route.startsWith(unchecked(this.routePrefixes[i]))) return true;
    }
    return false;
  }
}

export class RouteRule<T> {
  constructor(public match: RuleMatch, public config: T) {}
}

/** Host without port; IPv6 "[::1]:80" keeps its brackets. */
export function stripPort(authority: string): string {
  const colon = authority.lastIndexOf(":");
  if (colon < 0) return authority;
  const bracket = authority.lastIndexOf("]");
  if (bracket >= 0 && bracket > colon) return authority;
  return authority.substring(0, colon);
}

function domainMatches(domains: string[], host: string): bool {
  for (let i = 0; i < domains.length; i++) {
    const d = unchecked(domains[i]);
    if (d.startsWith("*")) {
      if (host.endsWith(d.substring(1))) return true;
    } else if (d.endsWith("*")) {
      if (host.startsWith(d.substring(0, d.length - 1))) return true;
    } else if (host == d) {
      return true;
    }
  }
  return false;
}

function serviceMatches(services: string[], cluster: string): bool {
  const parts = cluster.split("|");
  const higress = parts.length == 4;
  for (let i = 0; i < services.length; i++) {
    const s = unchecked(services[i]);
    if (s == cluster) return true;
    if (!higress) continue;
    if (s == parts[3]) return true;
    const colon = s.lastIndexOf(":");
    if (colon >= 0 && s.substring(0, colon) == parts[3] && s.substring(colon + 1) == parts[1]) return true;
  }
  return false;
}

/**
 * Global config plus `_rules_`, each parsed once (in onConfigure) with the plugin's parser.
 * - No `_rules_`: the whole object is the global config; a parse error rejects it.
 * - With `_rules_`: the global config is parsed when other keys exist; if that fails it is
 *   dropped with a `warning` (Higress behaviour), but every rule must parse.
 */
export class RouteRules<T> {
  global: T | null = null;
  rules: RouteRule<T>[] = [];
  /** Why parse() returned false, naming the field. */
  error: string = "";
  /** Set when the global part failed but rules exist (it is then not used). */
  warning: string = "";

  /** Parses the configuration text. false = reject it (see `error`). */
  parse(text: string, parser: ConfigParser<T>): bool {
    const doc = parseJsonObject(text);
    if (doc.value === null) return this.setError(doc.error);
    return this.parseObject(doc.value!, parser);
  }

  parseObject(obj: JSON.Obj, parser: ConfigParser<T>): bool {
    this.global = null;
    this.rules = [];
    this.error = "";
    this.warning = "";
    const r = new ConfigReader();
    const ruleList = r.array(obj, RULES_KEY, "");
    if (!r.ok) return this.setError(r.error);
    const hasRules = ruleList !== null && ruleList.length > 0;
    let otherKeys = obj.size;
    if (obj.has(RULES_KEY)) otherKeys--;
    if (!hasRules || otherKeys > 0) {
      parser.error = "";
      const g = parser.parse(obj, "");
      if (g === null) {
        const msg = parser.error.length > 0 ? parser.error : "configuration: invalid";
        if (!hasRules) return this.setError(msg);
        this.warning = "global configuration ignored: " + msg;
      } else {
        this.global = g;
      }
    }
    if (!hasRules) return true;
    const list = ruleList!;
    for (let i = 0; i < list.length; i++) {
      const path = indexPath(RULES_KEY, i);
      const ruleObj = r.objectAt(list, i, RULES_KEY);
      if (ruleObj === null) return this.setError(r.error);
      const m = new RuleMatch();
      m.routes = r.stringArray(ruleObj, MATCH_ROUTE_KEY, path);
      m.routePrefixes = r.stringArray(ruleObj, MATCH_ROUTE_PREFIX_KEY, path);
      m.domains = r.stringArray(ruleObj, MATCH_DOMAIN_KEY, path);
      m.services = r.stringArray(ruleObj, MATCH_SERVICE_KEY, path);
      if (!r.ok) return this.setError(r.error);
      if (m.routes.length + m.routePrefixes.length + m.domains.length + m.services.length == 0) {
        return this.setError(path + ": needs one of _match_route_, _match_route_prefix_, _match_domain_, _match_service_");
      }
      parser.error = "";
      const c = parser.parse(ruleObj, path);
      if (c === null) return this.setError(parser.error.length > 0 ? parser.error : path + ": invalid");
      this.rules.push(new RouteRule<T>(m, c));
    }
    return true;
  }

  /** The config for a request: first matching rule, else the global one (null when neither). */
  match(route: string, authority: string, cluster: string): T | null {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = unchecked(this.rules[i]);
      if (rule.match.matches(route, authority, cluster)) return rule.config;
    }
    return this.global;
  }

  /** The config for the current request, from the host: route name (xds.route_name, then
   *  route_name), :authority and cluster name (xds.cluster_name, then cluster_name). Call it in
   *  onRequestHeaders (the route is known before filters run). */
  select(): T | null {
    if (this.rules.length == 0) return this.global;
    const authority = requestHeaders.get(":authority");
    return this.match(routeName(), authority === null ? "" : authority!, clusterName());
  }

  private setError(message: string): bool {
    this.error = message;
    this.global = null;
    this.rules = [];
    return false;
  }
}
