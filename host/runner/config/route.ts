// HttpConnectionManager.route_config -> contract RouteConfiguration.
import type {
  DirectResponse,
  HeaderMatcher,
  Route,
  RouteAction,
  RouteConfiguration,
  RouteMatch,
  VirtualHost,
} from "../../contract.ts";
import { expectType, Fields, isObj } from "./reader.ts";
import { readRegexMatcher } from "./matchers.ts";

const FILTER_CONFIG = "type.googleapis.com/envoy.config.route.v3.FilterConfig";
const NOT_FOUND_CODES = ["SERVICE_UNAVAILABLE", "NOT_FOUND", "INTERNAL_SERVER_ERROR"] as const;
const NOT_FOUND_STATUS = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };

/** `filterNames`: the http_filters[].name of the chain (typed_per_filter_config keys). */
export function readRouteConfig(f: Fields, filterNames: Set<string>): RouteConfiguration {
  const out: RouteConfiguration = { name: f.str("name"), virtualHosts: [] };
  for (const { f: vh } of f.messages("virtual_hosts")) out.virtualHosts.push(readVirtualHost(vh, filterNames));
  f.done();
  return out;
}

function readVirtualHost(f: Fields, filterNames: Set<string>): VirtualHost {
  const name = f.requiredStr("name");
  const domains: string[] = [];
  f.list("domains").forEach((d, i) => {
    if (typeof d !== "string" || d === "") f.problems.add(`${f.at("domains")}[${i}]`, "expected a non-empty string");
    else if (d !== "*" && d.includes("*") && !d.startsWith("*") && !d.endsWith("*"))
      f.problems.add(`${f.at("domains")}[${i}]`, "a wildcard must be a prefix or suffix");
    else domains.push(d.toLowerCase());
  });
  if (domains.length === 0 && f.problems.ok) f.problems.add(f.at("domains"), "at least one domain is required");
  const routes = f.messages("routes").map(({ f: r }) => readRoute(r, filterNames));
  f.done();
  return { name, domains, routes };
}

function readRoute(f: Fields, filterNames: Set<string>): Route {
  const route: Route = { name: f.str("name"), match: {} };
  const m = f.message("match");
  if (m) route.match = readMatch(m);
  else f.problems.add(f.at("match"), "required");

  const action = f.message("route");
  const direct = f.message("direct_response");
  if (action && direct) f.problems.add(f.path, "route and direct_response are exclusive");
  if (action) route.route = readAction(action);
  else if (direct) route.directResponse = readDirect(direct);
  else f.problems.add(f.path, "one of route or direct_response is required");

  if (f.has("typed_per_filter_config")) route.disabledFilters = readDisabled(f, filterNames);
  f.done();
  return route;
}

function readMatch(f: Fields): RouteMatch {
  const out: RouteMatch = {};
  let kinds = 0;
  if (f.has("prefix")) {
    out.prefix = f.str("prefix");
    kinds++;
  }
  if (f.has("path")) {
    out.path = f.str("path");
    kinds++;
  }
  const re = f.message("safe_regex");
  if (re) {
    out.safeRegex = readRegexMatcher(re);
    kinds++;
  }
  if (kinds !== 1) f.problems.add(f.path, "exactly one of prefix, path, safe_regex is required");
  const headers = f.messages("headers").map(({ f: h }) => readHeaderMatcher(h));
  if (headers.length > 0) out.headers = headers;
  f.done();
  return out;
}

function readHeaderMatcher(f: Fields): HeaderMatcher {
  const out: HeaderMatcher = { name: f.requiredStr("name").toLowerCase() };
  let kinds = 0;
  // string_match is the v3 form; exact_match/prefix_match/safe_regex_match are its deprecated twins.
  const sm = f.message("string_match");
  if (sm) {
    kinds++;
    if (sm.has("exact")) out.exact = sm.str("exact");
    else if (sm.has("prefix")) out.prefix = sm.str("prefix");
    else {
      const re = sm.message("safe_regex");
      if (re) out.safeRegex = readRegexMatcher(re);
      else sm.problems.add(sm.path, "exact, prefix or safe_regex is required");
    }
    sm.done();
  }
  if (f.has("exact_match")) {
    out.exact = f.str("exact_match");
    kinds++;
  }
  if (f.has("prefix_match")) {
    out.prefix = f.str("prefix_match");
    kinds++;
  }
  const re = f.message("safe_regex_match");
  if (re) {
    out.safeRegex = readRegexMatcher(re);
    kinds++;
  }
  if (f.has("present_match")) {
    out.present = f.bool("present_match");
    kinds++;
  }
  if (kinds > 1) f.problems.add(f.path, "only one match specifier is allowed");
  if (kinds === 0) out.present = true; // Envoy: no specifier = the header must be present
  if (f.bool("invert_match")) out.invert = true;
  f.done();
  return out;
}

function readAction(f: Fields): RouteAction {
  const out: RouteAction = {};
  const hasCluster = f.has("cluster");
  const hasHeader = f.has("cluster_header");
  if (hasCluster === hasHeader) f.problems.add(f.path, "exactly one of cluster or cluster_header is required");
  if (hasCluster) out.cluster = f.str("cluster");
  if (hasHeader) out.clusterHeader = f.str("cluster_header").toLowerCase();
  out.timeoutMs = f.durationMs("timeout", 15000);
  if (f.has("prefix_rewrite")) out.prefixRewrite = f.str("prefix_rewrite");
  if (f.has("host_rewrite_literal")) out.hostRewriteLiteral = f.str("host_rewrite_literal");
  const code = f.enumOf("cluster_not_found_response_code", NOT_FOUND_CODES, "SERVICE_UNAVAILABLE");
  out.clusterNotFoundResponseCode = NOT_FOUND_STATUS[code];
  const mm = f.message("metadata_match");
  if (mm) {
    // Only the envoy.lb namespace is used for subset selection (config_impl.cc); others are inert.
    const fm = mm.raw("filter_metadata");
    mm.done();
    if (fm !== undefined && !isObj(fm)) mm.problems.add(mm.at("filter_metadata"), "expected a mapping");
    else if (fm !== undefined && fm["envoy.lb"] !== undefined) {
      if (isObj(fm["envoy.lb"])) out.metadataMatch = fm["envoy.lb"];
      else mm.problems.add(`${mm.at("filter_metadata")}.envoy.lb`, "expected a mapping");
    }
  }
  f.done();
  return out;
}

function readDirect(f: Fields): DirectResponse {
  const status = f.uint("status", 0, 599);
  if (status < 200) f.problems.add(f.at("status"), "expected a status from 200 to 599");
  const out: DirectResponse = { status };
  const body = f.message("body");
  if (body) {
    out.body = body.requiredStr("inline_string");
    body.done();
  }
  f.done();
  return out;
}

/** typed_per_filter_config: only FilterConfig{disabled: true} is meaningful for wasm filters. */
function readDisabled(f: Fields, filterNames: Set<string>): string[] {
  const out: string[] = [];
  for (const { key, path, value } of Fields.mapEntries(f.problems, f.at("typed_per_filter_config"), f.raw("typed_per_filter_config"))) {
    const entry = Fields.open(f.problems, path, value);
    if (!entry) continue;
    if (!filterNames.has(key)) f.problems.add(path, "no http filter in this chain has that name");
    if (expectType(entry, FILTER_CONFIG)) {
      if (entry.bool("disabled")) out.push(key);
      else entry.problems.add(entry.at("disabled"), "only disabled: true is supported (wasm filters have no per-route config)");
    }
    entry.done();
  }
  return out;
}
