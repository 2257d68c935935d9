// A fake Nacos server speaking the real HTTP open API (registries.md §1): v1 instance list in the
// 1.x, 2.x or 3.x shape, service list with paging, register/deregister, beats (20404 for unknown),
// login + token checks (403), the v2 envelope (410 on 3.x unless enabled) and the 3.x client API.
// Behaviour: group@@service names, disabled hidden, healthyOnly, clusters filter, 15 s / 30 s beat
// expiry for ephemeral instances, protect threshold, cacheMillis. Clock is injectable.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Faults, readBody, sleep } from "./faults.ts";

export type NacosVersion = "1.x" | "2.x" | "3.x";

export interface FakeNacosOptions {
  version?: NacosVersion;
  auth?: { username: string; password: string; tokenTtlS?: number };
  cacheMillis?: number;
  /** 3.x: answer the v2 API (nacos.core.api.compatibility.admin.enabled). */
  v2Compat?: boolean;
  now?: () => number;
}

interface NacosInstance {
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  metadata: Record<string, string>;
  lastBeat: number;
}

interface NacosService {
  protectThreshold: number;
  /** 2.x/3.x apply the protect threshold only to services created through the service API. */
  hasServiceMetadata: boolean;
  instances: Map<string, NacosInstance>;
}

export class FakeNacos {
  readonly faults = new Faults();
  readonly requests: Array<{ method: string; path: string; query: URLSearchParams }> = [];
  private services = new Map<string, NacosService>(); // key: ns|group@@name
  private tokens = new Map<string, number>(); // token -> expiry
  private server: http.Server;
  private tokenSeq = 0;
  port = 0;
  version: NacosVersion;
  now: () => number;

  constructor(readonly opts: FakeNacosOptions = {}) {
    this.version = opts.version ?? "2.x";
    this.now = opts.now ?? Date.now;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`caused: ${(e as Error).message}`);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.faults.releaseHung();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ---- direct state access for tests (what a console or an SDK would do) ----
  register(service: string, inst: Partial<NacosInstance> & { ip: string; port: number }, group = "DEFAULT_GROUP", ns = "public"): void {
    const s = this.service(ns, group, service, true)!;
    const i: NacosInstance = { weight: 1, healthy: true, enabled: true, ephemeral: true, clusterName: "DEFAULT", metadata: {}, lastBeat: this.now(), ...inst };
    s.instances.set(`${i.ip}#${i.port}#${i.clusterName}`, i);
  }
  update(service: string, ip: string, port: number, change: Partial<NacosInstance>, group = "DEFAULT_GROUP", ns = "public"): void {
    const s = this.service(ns, group, service, false);
    for (const i of s?.instances.values() ?? []) if (i.ip === ip && i.port === port) Object.assign(i, change);
  }
  deregister(service: string, ip: string, port: number, group = "DEFAULT_GROUP", ns = "public"): void {
    const s = this.service(ns, group, service, false);
    for (const [k, i] of s?.instances ?? []) if (i.ip === ip && i.port === port) s!.instances.delete(k);
  }
  setProtectThreshold(service: string, threshold: number, group = "DEFAULT_GROUP", ns = "public"): void {
    const s = this.service(ns, group, service, true)!;
    s.protectThreshold = threshold;
    s.hasServiceMetadata = true;
  }

  private service(ns: string, group: string, name: string, create: boolean): NacosService | undefined {
    const key = `${ns}|${group}@@${name}`;
    let s = this.services.get(key);
    if (!s && create) {
      s = { protectThreshold: 0, hasServiceMetadata: false, instances: new Map() };
      this.services.set(key, s);
    }
    return s;
  }

  /** Ephemeral instances: unhealthy 15 s after the last beat, deleted after 30 s. */
  private expire(): void {
    const now = this.now();
    for (const s of this.services.values())
      for (const [k, i] of s.instances) {
        if (!i.ephemeral) continue;
        if (now - i.lastBeat > 30_000) s.instances.delete(k);
        else if (now - i.lastBeat > 15_000) i.healthy = false;
      }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const body = req.method === "POST" || req.method === "PUT" || req.method === "DELETE" ? await readBody(req) : "";
    const q = new URLSearchParams(url.search);
    if (body && (req.headers["content-type"] ?? "").includes("x-www-form-urlencoded")) for (const [k, v] of new URLSearchParams(body)) q.set(k, v);
    this.requests.push({ method: req.method ?? "GET", path: url.pathname, query: q });
    const text = (status: number, t: string) => {
      res.writeHead(status, { "content-type": "text/plain;charset=UTF-8" });
      res.end(t);
    };
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { "content-type": "application/json;charset=UTF-8" });
      res.end(JSON.stringify(v));
    };
    const p = url.pathname;

    if (req.method === "POST" && (p === "/nacos/v1/auth/login" || p === "/nacos/v1/auth/users/login")) {
      const a = this.opts.auth;
      if (!a || q.get("username") !== a.username || q.get("password") !== a.password) return text(403, "unknown user!");
      const token = `tok-${++this.tokenSeq}`;
      const ttl = a.tokenTtlS ?? 18000;
      this.tokens.set(token, this.now() + ttl * 1000);
      return json(200, { accessToken: token, tokenTtl: ttl, globalAdmin: false, username: a.username });
    }
    if (this.opts.auth) {
      const token = q.get("accessToken") ?? (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const exp = this.tokens.get(token);
      if (exp === undefined || exp < this.now()) return text(403, "token invalid!");
    }

    if (req.method === "GET") {
      const f = this.faults.take(p);
      if (f) {
        if (f.hang) return this.faults.hold(res);
        if (f.delayMs) await sleep(f.delayMs);
        if (f.status) return text(f.status, "caused: server is DOWN now, please try again later!;");
        if (f.badPayload !== undefined) return text(200, f.badPayload);
        if (f.empty) return this.listReply(p, q, true, json, text);
      }
    }
    this.expire();

    if (p.endsWith("/ns/instance/list") || p === "/nacos/v3/client/ns/instance/list") {
      if (req.method !== "GET") return text(405, "Request method not supported");
      return this.listReply(p, q, false, json, text);
    }
    if (p === "/nacos/v1/ns/service/list" && req.method === "GET") {
      const pageNo = Number(q.get("pageNo"));
      const pageSize = Number(q.get("pageSize"));
      if (!pageNo || !pageSize) return text(400, "caused: Param 'pageNo' or 'pageSize' is required.;");
      const ns = q.get("namespaceId") || "public";
      const group = q.get("groupName") || "DEFAULT_GROUP";
      const names = [...this.services.keys()].filter((k) => k.startsWith(`${ns}|${group}@@`)).map((k) => k.slice(`${ns}|${group}@@`.length)).sort();
      return json(200, { count: names.length, doms: names.slice((pageNo - 1) * pageSize, pageNo * pageSize) });
    }
    if (p === "/nacos/v1/ns/instance" && (req.method === "POST" || req.method === "DELETE")) {
      const { ns, group, name } = this.names(q);
      const ip = q.get("ip");
      const port = Number(q.get("port"));
      if (!name || !ip || !port) return text(400, "caused: Param 'ip', 'port' or 'serviceName' is required.;");
      if (req.method === "DELETE") {
        this.deregister(name, ip, port, group, ns);
        return text(200, "ok");
      }
      let metadata: Record<string, string> = {};
      const md = q.get("metadata");
      if (md) {
        try {
          metadata = Object.fromEntries(Object.entries(JSON.parse(md)).map(([k, v]) => [k, String(v)]));
        } catch {
          metadata = Object.fromEntries(md.split(",").map((kv) => kv.split("=") as [string, string]));
        }
      }
      this.register(name, {
        ip,
        port,
        weight: q.has("weight") ? Number(q.get("weight")) : 1,
        enabled: q.get("enabled") !== "false",
        healthy: q.get("healthy") !== "false",
        ephemeral: q.get("ephemeral") !== "false",
        clusterName: q.get("clusterName") || "DEFAULT",
        metadata,
      }, group, ns);
      return text(200, "ok");
    }
    if (p === "/nacos/v1/ns/instance/beat" && req.method === "PUT") {
      const { ns, group, name } = this.names(q);
      let beat: { ip?: string; port?: number } = {};
      try {
        beat = JSON.parse(q.get("beat") ?? "{}");
      } catch {
        return text(400, "caused: beat is not JSON;");
      }
      const s = this.service(ns, group, name, false);
      const inst = [...(s?.instances.values() ?? [])].find((i) => i.ip === beat.ip && i.port === Number(beat.port));
      if (!inst) return json(200, { clientBeatInterval: 5000, code: 20404, lightBeatEnabled: true });
      inst.lastBeat = this.now();
      inst.healthy = true;
      return json(200, { clientBeatInterval: 5000, code: 10200, lightBeatEnabled: true });
    }
    return text(404, `no route ${req.method} ${p}`);
  }

  /** serviceName may carry the group (`group@@name`); a bare name takes groupName or DEFAULT_GROUP. */
  private names(q: URLSearchParams): { ns: string; group: string; name: string } {
    const sn = q.get("serviceName") ?? "";
    const ns = q.get("namespaceId") || "public";
    if (sn.includes("@@")) {
      const [group, name] = sn.split("@@");
      return { ns, group, name };
    }
    return { ns, group: q.get("groupName") || "DEFAULT_GROUP", name: sn };
  }

  private listReply(p: string, q: URLSearchParams, forceEmpty: boolean, json: (s: number, v: unknown) => void, text: (s: number, t: string) => void): void {
    const api = p.startsWith("/nacos/v3/") ? "v3" : p.startsWith("/nacos/v2/") ? "v2" : "v1";
    if (api === "v2" && this.version === "3.x" && !this.opts.v2Compat) return text(410, "Current API will be deprecated");
    const { ns, group, name } = this.names(q);
    if (!name) return text(400, "caused: Param 'serviceName' is required.;");
    const clustersParam = api === "v1" ? q.get("clusters") : q.get("clusterName");
    let clusters = (clustersParam ?? "").split(",").filter(Boolean);
    if (api === "v3" && clusters.length === 0) clusters = ["DEFAULT"]; // the 3.x client API's default
    const s = this.service(ns, group, name, false);
    let all = forceEmpty ? [] : [...(s?.instances.values() ?? [])].filter((i) => i.enabled); // disabled never returned
    if (clusters.length) all = all.filter((i) => clusters.includes(i.clusterName));
    const healthyCount = all.filter((i) => i.healthy).length;
    const protectApplies = s && (this.version === "1.x" || s.hasServiceMetadata);
    const protect = !!protectApplies && all.length > 0 && healthyCount / all.length <= s!.protectThreshold;
    let hosts = all.map((i) => ({ ...i, healthy: protect ? true : i.healthy }));
    if (q.get("healthyOnly") === "true" && !protect) hosts = hosts.filter((i) => i.healthy);
    const grouped = `${group}@@${name}`;
    const host2 = (i: NacosInstance) => ({
      instanceId: `${i.ip}#${i.port}#${i.clusterName}#${grouped}`,
      ip: i.ip,
      port: i.port,
      weight: i.weight,
      healthy: i.healthy,
      enabled: i.enabled,
      ephemeral: i.ephemeral,
      clusterName: i.clusterName,
      serviceName: grouped,
      metadata: i.metadata,
      instanceHeartBeatInterval: 5000,
      instanceHeartBeatTimeOut: 15000,
      ipDeleteTimeout: 30000,
      instanceIdGenerator: "simple",
    });
    const cacheMillis = this.opts.cacheMillis ?? (this.version === "1.x" ? 3000 : 10000);
    if (api === "v3") return json(200, { code: 0, message: "success", data: hosts.map(host2) });
    if (this.version === "1.x") {
      const strip = true; // 1.x strips the group unless the User-Agent is a Java client >= 1.0; the bridge is not one
      return json(200, {
        name: strip ? name : grouped,
        dom: strip ? name : grouped,
        clusters: clustersParam ?? "",
        env: "",
        cacheMillis,
        lastRefTime: this.now(),
        checksum: "d41d8cd98f00b204e9800998ecf8427e",
        useSpecifiedURL: false,
        metadata: {},
        hosts: hosts.map((i) => ({ ip: i.ip, port: i.port, valid: i.healthy, healthy: i.healthy, marked: false, instanceId: `${i.ip}#${i.port}#${i.clusterName}#${grouped}`, metadata: i.metadata, enabled: i.enabled, weight: i.weight, clusterName: i.clusterName, serviceName: name, ephemeral: i.ephemeral })),
      });
    }
    const info: Record<string, unknown> = { name: grouped, groupName: group, clusters: clustersParam ?? "", cacheMillis, hosts: hosts.map(host2), lastRefTime: this.now(), checksum: "" };
    info[this.version === "3.x" ? "allIps" : "allIPs"] = false;
    info.reachProtectionThreshold = protect;
    info.valid = true;
    if (api === "v2") return json(200, { code: 0, message: "success", data: info });
    return json(200, info);
  }
}
