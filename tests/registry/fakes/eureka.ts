// A fake Eureka server speaking the real REST API (registries.md §2): /apps, /apps/{APP} (404 when
// empty), /apps/{APP}/{id}, /apps/delta; register (204, 400 on missing fields), renew (404 unknown),
// status overrides, metadata, delete. JSON only when Accept contains "json", XML otherwise; string
// quirks (@enabled, versions__delta, timestamps), `@class` empty metadata, optional legacy forms
// (single-object arrays, string ports). Behaviour: a response cache (30 s by default, settable),
// lease expiry (renew adds the duration twice), self-preservation, a 403 warm-up switch.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Faults, readBody, sleep } from "./faults.ts";

export interface FakeEurekaOptions {
  cacheMs?: number;
  legacySingleObject?: boolean;
  legacyStringPort?: boolean;
  selfPreservation?: boolean;
  /** Netflix's server: 403 to reads while warming up with an empty registry. */
  warmup403?: boolean;
  now?: () => number;
}

interface EurekaInstance {
  instanceId: string;
  app: string;
  hostName: string;
  ipAddr: string;
  status: string;
  overriddenStatus: string;
  port: number;
  portEnabled: boolean;
  securePort: number;
  metadata: Record<string, string>;
  durationInSecs: number;
  registrationTimestamp: number;
  lastRenewalTimestamp: number;
  lastDirtyTimestamp: number;
  actionType: "ADDED" | "MODIFIED" | "DELETED";
}

export class FakeEureka {
  readonly faults = new Faults();
  readonly requests: Array<{ method: string; path: string; accept: string }> = [];
  private apps = new Map<string, Map<string, EurekaInstance>>();
  private cache = new Map<string, { at: number; status: number; type: string; body: string }>();
  private recent: Array<{ at: number; inst: EurekaInstance }> = [];
  private renewals: number[] = [];
  private server: http.Server;
  port = 0;
  now: () => number;
  warmup403: boolean;

  constructor(readonly opts: FakeEurekaOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.warmup403 = opts.warmup403 ?? false;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500);
        res.end(String((e as Error).message));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/eureka`;
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

  // ---- direct state access for tests ----
  register(app: string, i: { ipAddr: string; port: number; status?: string; metadata?: Record<string, string>; portEnabled?: boolean; instanceId?: string; hostName?: string }): string {
    const APP = app.toUpperCase();
    const now = this.now();
    const inst: EurekaInstance = {
      instanceId: i.instanceId ?? `${i.ipAddr}:${app.toLowerCase()}:${i.port}`,
      app: APP,
      hostName: i.hostName ?? i.ipAddr,
      ipAddr: i.ipAddr,
      status: i.status ?? "UP",
      overriddenStatus: "UNKNOWN",
      port: i.port,
      portEnabled: i.portEnabled ?? true,
      securePort: 443,
      metadata: i.metadata ?? {},
      durationInSecs: 90,
      registrationTimestamp: now,
      lastRenewalTimestamp: now,
      lastDirtyTimestamp: now,
      actionType: "ADDED",
    };
    let m = this.apps.get(APP);
    if (!m) this.apps.set(APP, (m = new Map()));
    m.set(inst.instanceId, inst);
    this.changed(inst);
    return inst.instanceId;
  }
  setStatus(app: string, id: string, status: string): boolean {
    const inst = this.apps.get(app.toUpperCase())?.get(id);
    if (!inst) return false;
    inst.status = status;
    inst.overriddenStatus = status;
    inst.actionType = "MODIFIED";
    this.changed(inst);
    return true;
  }
  deregister(app: string, id: string): boolean {
    const m = this.apps.get(app.toUpperCase());
    const inst = m?.get(id);
    if (!inst || !m) return false;
    m.delete(id);
    if (m.size === 0) this.apps.delete(app.toUpperCase());
    inst.actionType = "DELETED";
    this.changed(inst);
    return true;
  }
  /** Drops the response cache (Eureka's read-only cache refresh, or a test that cannot wait 30 s). */
  flushCache(): void {
    this.cache.clear();
  }

  private changed(inst: EurekaInstance): void {
    inst.lastDirtyTimestamp = this.now();
    this.recent.push({ at: this.now(), inst: { ...inst } });
  }

  /** Expiry: renew() adds the duration twice, so a lease lasts 2 x durationInSecs; self-preservation stops it when renewals fall to <= 85 %. */
  private evict(): void {
    const now = this.now();
    this.renewals = this.renewals.filter((t) => now - t < 60_000);
    this.recent = this.recent.filter((r) => now - r.at < 180_000);
    let count = 0;
    for (const m of this.apps.values()) count += m.size;
    if (this.opts.selfPreservation && this.renewals.length <= 0.85 * 2 * count) return;
    for (const [APP, m] of this.apps)
      for (const [id, inst] of m)
        if (now - inst.lastRenewalTimestamp > 2 * inst.durationInSecs * 1000) {
          m.delete(id);
          if (m.size === 0) this.apps.delete(APP);
          inst.actionType = "DELETED";
          this.changed(inst);
        }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const accept = String(req.headers.accept ?? "");
    this.requests.push({ method: req.method ?? "GET", path: url.pathname, accept });
    const body = req.method === "GET" ? "" : await readBody(req);
    const parts = url.pathname.replace(/^\/eureka\/(v2\/)?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "apps") {
      res.writeHead(404);
      return void res.end();
    }
    this.evict();
    const APP = parts[1]?.toUpperCase();
    const id = parts[2];
    const end = (status: number) => {
      res.writeHead(status, { "content-length": "0" });
      res.end();
    };

    if (req.method === "GET") {
      const f = this.faults.take(url.pathname);
      if (f?.hang) return this.faults.hold(res);
      if (f?.delayMs) await sleep(f.delayMs);
      if (f?.status) return end(f.status);
      if (f?.badPayload !== undefined) {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(f.badPayload);
      }
      if (this.warmup403 && this.apps.size === 0) return end(403);
      const json = accept.includes("json");
      const key = `${url.pathname}|${json}|${f?.empty ? "empty" : ""}`;
      const cached = this.cache.get(key);
      const cacheMs = this.opts.cacheMs ?? 30_000;
      let entry = cached && this.now() - cached.at < cacheMs ? cached : undefined;
      if (!entry) {
        entry = { at: this.now(), ...this.read(parts, json, !!f?.empty) };
        if (cacheMs > 0) this.cache.set(key, entry);
      }
      if (entry.status !== 200) return end(entry.status);
      res.writeHead(200, { "content-type": entry.type });
      return void res.end(entry.body);
    }

    if (req.method === "POST" && APP && !id) {
      let doc: { instance?: Record<string, unknown> };
      try {
        doc = JSON.parse(body);
      } catch {
        return end(400); // this fake accepts JSON registrations only
      }
      const i = doc.instance ?? {};
      const dci = i.dataCenterInfo as { name?: string } | undefined;
      if (!i.hostName || !i.ipAddr || String(i.app ?? "").toUpperCase() !== APP || !dci?.name) return end(400);
      const port = i.port as { $?: unknown; "@enabled"?: unknown } | undefined;
      this.register(APP, {
        instanceId: typeof i.instanceId === "string" ? i.instanceId : undefined,
        hostName: String(i.hostName),
        ipAddr: String(i.ipAddr),
        port: Number(port?.$ ?? 80),
        portEnabled: String(port?.["@enabled"] ?? "true") === "true",
        status: typeof i.status === "string" ? i.status : "UP",
        metadata: (i.metadata as Record<string, string>) ?? {},
      });
      return end(204);
    }
    const inst = APP && id ? this.apps.get(APP)?.get(id) : undefined;
    if (req.method === "PUT" && id && parts.length === 3) {
      if (!inst) return end(404);
      inst.lastRenewalTimestamp = this.now();
      this.renewals.push(this.now());
      return end(200);
    }
    if (parts[3] === "status" && (req.method === "PUT" || req.method === "DELETE")) {
      if (!inst) return end(404);
      if (req.method === "PUT") this.setStatus(APP!, id!, url.searchParams.get("value") ?? "UNKNOWN");
      else {
        inst.overriddenStatus = "UNKNOWN";
        inst.status = url.searchParams.get("value") ?? "UP";
        inst.actionType = "MODIFIED";
        this.changed(inst);
      }
      return end(200);
    }
    if (parts[3] === "metadata" && req.method === "PUT") {
      if (!inst) return end(404);
      for (const [k, v] of url.searchParams) inst.metadata[k] = v;
      inst.actionType = "MODIFIED";
      this.changed(inst);
      return end(200);
    }
    if (req.method === "DELETE" && id && parts.length === 3) return end(this.deregister(APP!, id) ? 200 : 404);
    return end(405);
  }

  private read(parts: string[], json: boolean, empty: boolean): { status: number; type: string; body: string } {
    const type = json ? "application/json" : "application/xml";
    const appList = empty ? [] : [...this.apps.entries()].map(([name, m]) => ({ name, instances: [...m.values()] }));
    if (parts[1] === "delta") {
      const byApp = new Map<string, EurekaInstance[]>();
      for (const r of this.recent) byApp.set(r.inst.app, [...(byApp.get(r.inst.app) ?? []), r.inst]);
      return { status: 200, type, body: this.renderApps([...byApp].map(([name, instances]) => ({ name, instances })), json) };
    }
    if (!parts[1]) return { status: 200, type, body: this.renderApps(appList, json) };
    const app = appList.find((a) => a.name === parts[1].toUpperCase());
    if (!app || app.instances.length === 0) return { status: 404, type, body: "" };
    if (parts[2]) {
      const inst = app.instances.find((i) => i.instanceId === parts[2]);
      if (!inst) return { status: 404, type, body: "" };
      return { status: 200, type, body: json ? JSON.stringify({ instance: this.instJson(inst) }) : this.instXml(inst) };
    }
    return { status: 200, type, body: json ? JSON.stringify({ application: this.appJson(app) }) : this.appXml(app) };
  }

  private hashcode(apps: Array<{ instances: EurekaInstance[] }>): string {
    const counts = new Map<string, number>();
    for (const a of apps) for (const i of a.instances) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}_${n}_`).join("");
  }

  private wrap<T>(list: T[]): T | T[] {
    return this.opts.legacySingleObject && list.length === 1 ? list[0] : list;
  }

  private renderApps(apps: Array<{ name: string; instances: EurekaInstance[] }>, json: boolean): string {
    if (json) return JSON.stringify({ applications: { versions__delta: "1", apps__hashcode: this.hashcode(apps), application: this.wrap(apps.map((a) => this.appJson(a))) } });
    return `<applications><versions__delta>1</versions__delta><apps__hashcode>${this.hashcode(apps)}</apps__hashcode>${apps.map((a) => this.appXml(a)).join("")}</applications>`;
  }

  private appJson(a: { name: string; instances: EurekaInstance[] }): object {
    return { name: a.name, instance: this.wrap(a.instances.map((i) => this.instJson(i))) };
  }

  private instJson(i: EurekaInstance): object {
    const md = Object.keys(i.metadata).length ? i.metadata : { "@class": "java.util.Collections$EmptyMap" };
    return {
      instanceId: i.instanceId,
      hostName: i.hostName,
      app: i.app,
      ipAddr: i.ipAddr,
      status: i.status,
      overriddenStatus: i.overriddenStatus,
      port: { $: this.opts.legacyStringPort ? String(i.port) : i.port, "@enabled": String(i.portEnabled) },
      securePort: { $: this.opts.legacyStringPort ? String(i.securePort) : i.securePort, "@enabled": "false" },
      countryId: 1,
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: i.durationInSecs, registrationTimestamp: i.registrationTimestamp, lastRenewalTimestamp: i.lastRenewalTimestamp, evictionTimestamp: 0, serviceUpTimestamp: i.registrationTimestamp },
      metadata: md,
      homePageUrl: `http://${i.hostName}:${i.port}/`,
      statusPageUrl: `http://${i.hostName}:${i.port}/actuator/info`,
      healthCheckUrl: `http://${i.hostName}:${i.port}/actuator/health`,
      vipAddress: i.app.toLowerCase(),
      secureVipAddress: i.app.toLowerCase(),
      isCoordinatingDiscoveryServer: "false",
      lastUpdatedTimestamp: String(i.lastDirtyTimestamp),
      lastDirtyTimestamp: String(i.lastDirtyTimestamp),
      actionType: i.actionType,
    };
  }

  private appXml(a: { name: string; instances: EurekaInstance[] }): string {
    return `<application><name>${a.name}</name>${a.instances.map((i) => this.instXml(i)).join("")}</application>`;
  }

  private instXml(i: EurekaInstance): string {
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const md = Object.entries(i.metadata).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join("");
    return `<instance><instanceId>${esc(i.instanceId)}</instanceId><hostName>${esc(i.hostName)}</hostName><app>${i.app}</app><ipAddr>${i.ipAddr}</ipAddr><status>${i.status}</status><overriddenstatus>${i.overriddenStatus}</overriddenstatus><port enabled="${i.portEnabled}">${i.port}</port><securePort enabled="false">${i.securePort}</securePort><metadata${md ? "" : ' class="java.util.Collections$EmptyMap"'}>${md}</metadata><actionType>${i.actionType}</actionType></instance>`;
  }
}
