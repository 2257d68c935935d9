// Minimal HTTP client for registry calls: one request, a hard timeout, the whole body as text.
import * as http from "node:http";
import * as https from "node:https";

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method?: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

const MAX_BODY = 32 * 1024 * 1024;

/** Resolves with the reply, or rejects with an Error naming the URL's host (never its query: tokens live there). */
export function httpRequest(req: HttpRequest): Promise<HttpReply> {
  const mod = req.url.protocol === "https:" ? https : http;
  const where = `${req.method ?? "GET"} ${req.url.origin}${req.url.pathname}`;
  return new Promise((resolve, reject) => {
    const r = mod.request(req.url, { method: req.method ?? "GET", headers: req.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) r.destroy(new Error(`${where}: body larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => reject(new Error(`${where}: ${e.message}`)));
    });
    const timer = setTimeout(() => r.destroy(new Error(`${where}: timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
    r.on("close", () => clearTimeout(timer));
    r.on("error", (e) => reject(e.message.startsWith(where) ? e : new Error(`${where}: ${e.message}`)));
    r.end(req.body);
  });
}

/** Parses a comma list of base URLs; a URL without a path gets `defaultPath`. */
export function baseUrls(list: string, defaultPath: string): URL[] | string {
  const out: URL[] = [];
  for (const raw of list.split(",").map((s) => s.trim()).filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(raw.includes("://") ? raw : `http://${raw}`);
    } catch {
      return `${raw}: not a URL`;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return `${raw}: only http and https`;
    if (u.pathname === "/" || u.pathname === "") u.pathname = defaultPath;
    u.pathname = u.pathname.replace(/\/+$/, "");
    out.push(u);
  }
  if (out.length === 0) return "no address given";
  return out;
}

/** Tries each base URL in turn, starting with the one that answered last; returns the first reply. */
export class Failover {
  private current = 0;
  constructor(readonly bases: URL[]) {}
  async request(build: (base: URL) => HttpRequest): Promise<HttpReply> {
    let lastErr: Error | null = null;
    for (let i = 0; i < this.bases.length; i++) {
      const idx = (this.current + i) % this.bases.length;
      try {
        const reply = await httpRequest(build(this.bases[idx]));
        if (reply.status >= 500 && i < this.bases.length - 1) {
          lastErr = new Error(`${this.bases[idx].origin}: HTTP ${reply.status}`);
          continue;
        }
        this.current = idx;
        return reply;
      } catch (e) {
        lastErr = e as Error;
      }
    }
    throw lastErr ?? new Error("no server");
  }
}

export function joinPath(base: URL, path: string, query: Record<string, string | undefined> = {}): URL {
  const u = new URL(base.href);
  u.pathname = base.pathname.replace(/\/+$/, "") + path;
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") u.searchParams.set(k, v);
  return u;
}
