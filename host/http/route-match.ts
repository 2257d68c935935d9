// Route matching over the contract's RouteConfiguration (Envoy source/common/router/config_impl.cc):
// - virtual host by :authority, lower-cased, port included (ignore_port_in_host_matching off):
//   exact domains first, then suffix wildcards ("*.x", longest first), then prefix wildcards
//   ("x.*", longest first), then "*";
// - first route whose match fits: prefix (on :path as is), path (exact, query removed),
//   safe_regex (full match, query removed), then every header matcher;
// - cluster_header takes the first value of that header ("" when missing).

import type { HeaderMatcher, Route, RouteConfiguration, VirtualHost } from "../contract.ts";
import type { HeaderMap } from "./header-map.ts";
import type { MatchedRoute } from "./stream-info.ts";

const regexCache = new Map<string, RegExp>();
function fullRegex(src: string): RegExp {
  let r = regexCache.get(src);
  if (!r) {
    r = new RegExp(`^(?:${src})$`);
    regexCache.set(src, r);
  }
  return r;
}

function pathWithoutQuery(path: string): string {
  let end = path.length;
  const q = path.indexOf("?");
  if (q >= 0) end = q;
  const h = path.indexOf("#");
  if (h >= 0 && h < end) end = h;
  return path.slice(0, end);
}

export function findVirtualHost(cfg: RouteConfiguration, authority: string): VirtualHost | null {
  const host = authority.toLowerCase();
  let suffix: { vh: VirtualHost; len: number } | null = null;
  let prefix: { vh: VirtualHost; len: number } | null = null;
  let any: VirtualHost | null = null;
  for (const vh of cfg.virtualHosts) {
    for (const d of vh.domains) {
      const dom = d.toLowerCase();
      if (dom === "*") {
        any ??= vh;
      } else if (dom.startsWith("*")) {
        const s = dom.slice(1);
        if (host.length > s.length && host.endsWith(s) && (!suffix || s.length > suffix.len)) suffix = { vh, len: s.length };
      } else if (dom.endsWith("*")) {
        const p = dom.slice(0, -1);
        if (host.length > p.length && host.startsWith(p) && (!prefix || p.length > prefix.len)) prefix = { vh, len: p.length };
      } else if (dom === host) {
        return vh;
      }
    }
  }
  return suffix?.vh ?? prefix?.vh ?? any;
}

function headerMatches(headers: HeaderMap, m: HeaderMatcher): boolean {
  const value = headers.getAll(m.name);
  const kind = m.exact !== undefined ? "exact" : m.prefix !== undefined ? "prefix" : m.safeRegex !== undefined ? "regex" : "present";
  const invert = m.invert === true;
  if (value === undefined) {
    // A missing header fails every matcher except "present" ones (HeaderUtility::matchHeaders).
    if (invert) return kind === "present" && m.present !== false;
    return kind === "present" && m.present === false;
  }
  let match: boolean;
  switch (kind) {
    case "exact":
      match = value === m.exact;
      break;
    case "prefix":
      match = value.startsWith(m.prefix!);
      break;
    case "regex":
      match = fullRegex(m.safeRegex!).test(value);
      break;
    default:
      match = m.present !== false;
  }
  return match !== invert;
}

function routeMatches(route: Route, headers: HeaderMap, path: string): boolean {
  const m = route.match;
  if (m.prefix !== undefined) {
    if (!path.startsWith(m.prefix)) return false;
  } else if (m.path !== undefined) {
    if (pathWithoutQuery(path) !== m.path) return false;
  } else if (m.safeRegex !== undefined) {
    if (!fullRegex(m.safeRegex).test(pathWithoutQuery(path))) return false;
  }
  if (m.headers) for (const h of m.headers) if (!headerMatches(headers, h)) return false;
  return true;
}

export function matchRoute(cfg: RouteConfiguration, headers: HeaderMap): MatchedRoute | null {
  const vh = findVirtualHost(cfg, headers.get(":authority") ?? "");
  if (!vh) return null;
  const path = headers.get(":path") ?? "";
  for (const route of vh.routes) if (routeMatches(route, headers, path)) return { vhost: vh, route };
  return null;
}

/** The cluster a route sends to, resolved from the headers at match time. */
export function routeClusterName(route: Route, headers: HeaderMap): string {
  const a = route.route;
  if (!a) return "";
  if (a.clusterHeader !== undefined) return headers.get(a.clusterHeader) ?? "";
  return a.cluster ?? "";
}
