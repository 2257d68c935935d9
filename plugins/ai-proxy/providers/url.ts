// Splits the URLs provider configs carry (`azureServiceUrl`, `openaiCustomUrl`, `vllmCustomUrl`):
//   [http[s]://]host[:port][/path][?query]
// into the :authority and the path parts ai-proxy writes. No host lookup, no decoding.

export class ParsedUrl {
  host: string = "";
  path: string = ""; // "" or starting with "/", no trailing "/"
  query: string = ""; // without "?"
  error: string | null = null;
}

export function parseUrl(url: string): ParsedUrl {
  const u = new ParsedUrl();
  let rest = url.trim();
  const scheme = rest.indexOf("://");
  if (scheme >= 0) {
    const s = rest.substring(0, scheme).toLowerCase();
    if (s != "http" && s != "https") {
      u.error = "unsupported scheme '" + s + "'";
      return u;
    }
    rest = rest.substring(scheme + 3);
  }
  const q = rest.indexOf("?");
  if (q >= 0) {
    u.query = rest.substring(q + 1);
    rest = rest.substring(0, q);
  }
  const slash = rest.indexOf("/");
  u.host = slash < 0 ? rest : rest.substring(0, slash);
  let path = slash < 0 ? "" : rest.substring(slash);
  while (path.endsWith("/")) path = path.substring(0, path.length - 1);
  u.path = path;
  if (u.host.length == 0) u.error = "missing host";
  else if (u.host.includes(" ")) u.error = "invalid host";
  return u;
}

/** `a` + `b` with exactly one "/" between them. */
export function joinPath(a: string, b: string): string {
  if (a.length == 0) return b;
  if (b.length == 0) return a;
  const aSlash = a.endsWith("/");
  const bSlash = b.startsWith("/");
  if (aSlash && bSlash) return a + b.substring(1);
  if (!aSlash && !bSlash) return a + "/" + b;
  return a + b;
}

/** Value of one query parameter, "" when absent. */
export function queryParam(query: string, name: string): string {
  const parts = query.split("&");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const eq = p.indexOf("=");
    const k = eq < 0 ? p : p.substring(0, eq);
    if (k == name) return eq < 0 ? "" : p.substring(eq + 1);
  }
  return "";
}
