// The admin listener: /ready, /stats, /stats/prometheus, /clusters, POST /quitquitquit.
import * as http from "node:http";
import type { RunnerClusterManager } from "./cluster/cluster-manager.ts";
import { renderPrometheus, type RenderOptions } from "./stats/prometheus.ts";
import { renderStatsJson, renderStatsText } from "./stats/stats-text.ts";
import type { RunnerStats } from "./stats/stats-store.ts";

export interface AdminState {
  stats: RunnerStats;
  clusters: RunnerClusterManager;
  /** "LIVE" once listeners are up (Envoy: PRE_INITIALIZING / INITIALIZING / LIVE / DRAINING) */
  state(): string;
  quit(): void;
}

const HELP = `admin commands are:
  /: this help
  /clusters: upstream cluster status (?format=json)
  /quitquitquit: exit the server (POST)
  /ready: print server state, return 200 if LIVE, otherwise 503
  /stats: print server stats (?filter=<regex>, ?usedonly, ?format=json)
  /stats/prometheus: print server stats in prometheus format (?filter=<regex>, ?usedonly)
`;

function renderOptions(q: URLSearchParams): RenderOptions | string {
  const opts: RenderOptions = { usedOnly: q.has("usedonly") };
  const filter = q.get("filter");
  if (filter) {
    try {
      opts.filter = new RegExp(filter);
    } catch (e) {
      return `Invalid re2 regex: ${(e as Error).message}`;
    }
  }
  return opts;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-cache, max-age=0", "x-content-type-options": "nosniff" });
  res.end(body);
}

function clustersText(s: AdminState): string {
  let out = "";
  for (const name of s.clusters.names()) {
    out += `${name}::observability_name::${name}\n`;
    for (const h of s.clusters.hosts(name)) {
      const id = `${name}::${h.address.includes(":") ? `[${h.address}]` : h.address}:${h.port}`;
      out += `${id}::rq_active::${h.active}\n${id}::hostname::${h.hostname}\n${id}::health_flags::healthy\n${id}::weight::${h.weight}\n${id}::priority::${h.priority}\n`;
    }
  }
  return out;
}

function clustersJson(s: AdminState): string {
  return JSON.stringify({
    cluster_statuses: s.clusters.names().map((name) => ({
      name,
      host_statuses: s.clusters.hosts(name).map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: [{ name: "rq_active", type: "GAUGE", value: String(h.active) }],
        health_status: { eds_health_status: "HEALTHY" },
        weight: h.weight,
        priority: h.priority,
        hostname: h.hostname,
      })),
    })),
  });
}

export function adminHandler(s: AdminState): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://admin");
    const q = url.searchParams;
    const text = "text/plain; charset=UTF-8";
    switch (url.pathname) {
      case "/":
        return send(res, 200, text, HELP);
      case "/ready": {
        const state = s.state();
        return send(res, state === "LIVE" ? 200 : 503, text, state + "\n");
      }
      case "/stats":
      case "/stats/prometheus": {
        const opts = renderOptions(q);
        if (typeof opts === "string") return send(res, 400, text, opts + "\n");
        if (url.pathname === "/stats/prometheus") return send(res, 200, text, renderPrometheus(s.stats.all(), opts));
        if (q.get("format") === "json") return send(res, 200, "application/json", renderStatsJson(s.stats.all(), opts));
        if (q.get("format") === "prometheus") return send(res, 200, text, renderPrometheus(s.stats.all(), opts));
        return send(res, 200, text, renderStatsText(s.stats.all(), opts));
      }
      case "/clusters":
        if (q.get("format") === "json") return send(res, 200, "application/json", clustersJson(s));
        return send(res, 200, text, clustersText(s));
      case "/quitquitquit":
        if (req.method !== "POST") return send(res, 405, text, "This endpoint requires POST\n");
        send(res, 200, text, "OK\n");
        s.quit();
        return;
      default:
        return send(res, 404, text, `invalid path. ${HELP}`);
    }
  };
}
