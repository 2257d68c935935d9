// The ai-proxy plugin configuration: the Higress shape unchanged (legacy `provider`, or
// `providers[]` + `activeProviderId`) plus this project's extensions (`routing`, `cache`,
// `unknownPaths`, `headerHold`). One Config per `_rules_` entry and one global. Errors name the
// field (`providers[1].azureServiceUrl: must include the api-version query parameter`) and reject
// the configuration.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { validateJson } from "../shared/json-check";
import { Provider } from "./providers/provider";
import { createProvider, providerTypes } from "./providers/registry";
import { RoutingConfig, parseRouting } from "./routing-config";
import { CacheConfig, parseCache } from "./cache-config";
import { Api } from "./api";

const TOP_FIELDS: string[] = [
  "provider", "providers", "activeProviderId", "routing", "cache", "unknownPaths", "headerHold", "_rules_",
];

export class Config {
  providers: Provider[] = [];
  /** activeProviderId's provider (or the only one); null when weights decide */
  active: Provider | null = null;
  /** providers with weight > 0, in config order */
  weighted: Provider[] = [];
  totalWeight: i32 = 0;
  routing: RoutingConfig = new RoutingConfig();
  cache: CacheConfig = new CacheConfig();
  /** unknownPaths "reject": answer 404 instead of passing the request on */
  rejectUnknownPaths: bool = false;
  /** may on_request_headers return StopIteration to wait for the body (Envoy >= 1.35 with
   *  allow_on_headers_stop_iteration, or Higress)? */
  headerHold: bool = true;
  warnings: string[] = [];

  providerById(id: string): Provider | null {
    for (let i = 0; i < this.providers.length; i++) if (this.providers[i].id == id) return this.providers[i];
    return null;
  }
}

export class ConfigResult {
  config: Config | null = null;
  error: string | null = null;
}

/** Parses the whole plugin configuration text (validated first: json-as traps on bad JSON). */
export function parseConfigText(text: string): ConfigResult {
  const res = new ConfigResult();
  const trimmed = text.trim();
  if (trimmed.length == 0) {
    res.error = "configuration is empty: set provider or providers";
    return res;
  }
  const syntax = validateJson(trimmed);
  if (syntax !== null) {
    res.error = "configuration is not valid JSON: " + syntax;
    return res;
  }
  const v = JSON.parse<JSON.Value>(trimmed);
  if (v.type != JSON.Types.Object) {
    res.error = "configuration: expected a JSON object";
    return res;
  }
  return parseConfig(v.get<JSON.Obj>(), "");
}

/** Parses one configuration object: the global one, or a `_rules_` entry (RouteRules calls this
 *  for each; a global part holding only `_rules_` is not parsed). */
export function parseConfig(obj: JSON.Obj, path: string): ConfigResult {
  const res = new ConfigResult();
  const f = new JsonFields();
  const c = new Config();
  const keys = obj.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (TOP_FIELDS.includes(k) || k.startsWith("_match_")) continue;
    f.fail(fieldPath(path, k), "unknown field");
  }
  parseProviders(f, obj, path, c);
  if (c.providers.length == 0 && f.error === null) {
    f.fail(path.length == 0 ? "provider" : fieldPath(path, "provider"), "required: set provider or providers");
  }
  c.routing = parseRouting(f, f.obj(obj, "routing", path), fieldPath(path, "routing"), c.providers);
  c.cache = parseCache(f, f.obj(obj, "cache", path), fieldPath(path, "cache"));
  const unknown = f.str(obj, "unknownPaths", path, "passthrough");
  if (unknown == "reject") c.rejectUnknownPaths = true;
  else if (unknown != "passthrough") f.fail(fieldPath(path, "unknownPaths"), "expected \"passthrough\" or \"reject\"");
  c.headerHold = f.bool(obj, "headerHold", path, true);
  if (f.error === null) checkCombinations(f, c, path);
  if (f.error !== null) {
    res.error = f.error;
    return res;
  }
  res.config = c;
  return res;
}

function parseProviders(f: JsonFields, obj: JSON.Obj, path: string, c: Config): void {
  const list = f.arr(obj, "providers", path);
  if (list !== null) {
    const lp = fieldPath(path, "providers");
    for (let i = 0; i < list.length; i++) {
      const po = f.itemObj(list, i, lp);
      if (po === null) continue;
      const p = parseProvider(f, po, indexPath(lp, i), c, true);
      if (p !== null) {
        p.index = c.providers.length;
        c.providers.push(p);
      }
    }
  }
  const legacy = f.obj(obj, "provider", path);
  if (legacy !== null) {
    if (list !== null) {
      f.fail(fieldPath(path, "provider"), "set provider or providers, not both");
      return;
    }
    const p = parseProvider(f, legacy, fieldPath(path, "provider"), c, false);
    if (p !== null) c.providers.push(p);
  }
  // Unique ids.
  for (let i = 0; i < c.providers.length; i++) {
    for (let j = 0; j < i; j++) {
      if (c.providers[i].id == c.providers[j].id) {
        f.fail(indexPath(fieldPath(path, "providers"), i) + ".id", "duplicate id '" + c.providers[i].id + "'");
      }
    }
  }
  const activeId = f.str(obj, "activeProviderId", path, "");
  for (let i = 0; i < c.providers.length; i++) {
    const p = c.providers[i];
    if (p.weight > 0) {
      c.weighted.push(p);
      c.totalWeight += p.weight;
    }
  }
  if (activeId.length > 0) {
    c.active = c.providerById(activeId);
    if (c.active === null) f.fail(fieldPath(path, "activeProviderId"), "no provider with id '" + activeId + "'");
    else if (c.weighted.length > 0) f.fail(fieldPath(path, "activeProviderId"), "cannot be combined with provider weights");
  } else if (c.weighted.length == 0 && c.providers.length > 0) {
    if (c.providers.length == 1) c.active = c.providers[0];
    else f.fail(fieldPath(path, "activeProviderId"), "required when several providers are configured without weights");
  }
}

function parseProvider(f: JsonFields, po: JSON.Obj, ppath: string, c: Config, needId: bool): Provider | null {
  if (!f.require(po, "type", ppath)) return null;
  const type = f.str(po, "type", ppath, "");
  const p = createProvider(type);
  if (p === null) {
    f.fail(fieldPath(ppath, "type"), "unknown provider type '" + type + "' (known: " + providerTypes() + ")");
    return null;
  }
  p.parse(f, po, ppath, c.warnings);
  if (p.id.length == 0) {
    if (needId) f.fail(fieldPath(ppath, "id"), "required");
    else p.id = type;
  }
  return p;
}

/** Cross-field rules: what cannot work together. */
function checkCombinations(f: JsonFields, c: Config, path: string): void {
  const r = c.routing;
  for (let i = 0; i < r.fallback.length; i++) {
    const p = r.fallback[i].provider;
    if (p.cluster.length == 0) {
      f.fail(indexPath(fieldPath(path, "routing.fallback"), i), "provider '" + p.id + "' needs a cluster to be called as a fallback");
    }
  }
  if (!c.headerHold) {
    if (r.needsBody) f.fail(fieldPath(path, "routing"), "model rules and sticky.bodyField need headerHold (the body is read before the cluster is chosen)");
    for (let i = 0; i < c.providers.length; i++) {
      const p = c.providers[i];
      if (p.pathNeedsBody(Api.ChatCompletions) && !p.original) {
        f.fail(fieldPath(path, "headerHold"), "provider '" + p.id + "' (" + p.type + ") puts the model in the path and needs headerHold");
      }
    }
  }
}
