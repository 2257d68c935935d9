// Nacos over its HTTP open API: instance lists per service (v1, or the v2/v3 variants where
// configured), the service list for discovery, and optional login with token refresh.
import { Failover, joinPath, type HttpReply } from "./http-get.ts";
import { nacosClusterName } from "./names.ts";
import { parseNacosInstances, parseServiceList, type NacosApi } from "./nacos-parse.ts";
import type { Catalog, Log, PollResult, Source } from "./types.ts";

export interface NacosServerOptions {
  /** Base URLs (`http://host:8848`; `/nacos` is added when no path is given). */
  servers: URL[];
  api: NacosApi;
  username?: string;
  password?: string;
  timeoutMs: number;
  log: Log;
}

/** One Nacos server set: failover between addresses and a shared access token. */
export class NacosClient {
  private failover: Failover;
  private token: { value: string; refreshAt: number } | null = null;
  private login: Promise<string | null> | null = null;

  constructor(readonly opts: NacosServerOptions) {
    this.failover = new Failover(opts.servers);
  }

  /** GET with the access token (when auth is configured); a 403 drops the token so the next call logs in again. */
  async get(path: string, query: Record<string, string | undefined>): Promise<HttpReply> {
    const token = await this.accessToken();
    const reply = await this.failover.request((base) => ({
      url: joinPath(base, path, { ...query, accessToken: token ?? undefined }),
      headers: { accept: "application/json" },
      timeoutMs: this.opts.timeoutMs,
    }));
    if (reply.status === 403 && token) this.token = null;
    return reply;
  }

  private async accessToken(): Promise<string | null> {
    if (!this.opts.username) return null;
    if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
    this.login ??= this.doLogin().finally(() => (this.login = null));
    return this.login;
  }

  private async doLogin(): Promise<string | null> {
    const form = new URLSearchParams({ username: this.opts.username ?? "", password: this.opts.password ?? "" }).toString();
    let reply: HttpReply;
    try {
      reply = await this.failover.request((base) => ({
        method: "POST",
        url: joinPath(base, "/v1/auth/login"),
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form,
        timeoutMs: this.opts.timeoutMs,
      }));
    } catch (e) {
      this.opts.log("warn", `nacos login failed: ${(e as Error).message}`);
      return this.token?.value ?? null;
    }
    let doc: { accessToken?: unknown; tokenTtl?: unknown } = {};
    try {
      doc = JSON.parse(reply.body);
    } catch {
      /* handled below */
    }
    if (reply.status !== 200 || typeof doc.accessToken !== "string") {
      this.opts.log("warn", `nacos login failed: HTTP ${reply.status}`); // body may echo the user name; not logged
      return null;
    }
    const ttlS = typeof doc.tokenTtl === "number" && doc.tokenTtl > 0 ? doc.tokenTtl : 18000;
    // Refresh at TTL - TTL/10, as the Nacos Go SDK does.
    this.token = { value: doc.accessToken, refreshAt: Date.now() + (ttlS * 1000 * 9) / 10 };
    return this.token.value;
  }
}

export interface NacosServiceOptions {
  service: string;
  group: string;
  namespaceId: string;
  /** Nacos cluster names to keep (comma list in the query); empty = all. */
  clusters: string[];
  cluster?: string;
  intervalMs?: number;
  emptyGraceMs: number;
}

const PATHS: Record<NacosApi, string> = { v1: "/v1/ns/instance/list", v2: "/v2/ns/instance/list", v3: "/v3/client/ns/instance/list" };

/** One Nacos service -> one Envoy cluster. */
export class NacosServiceSource implements Source {
  readonly cluster: string;
  readonly intervalMs: number | undefined;
  readonly defaultIntervalMs = 10_000;
  readonly emptyGraceMs: number;

  constructor(private client: NacosClient, readonly opts: NacosServiceOptions) {
    this.cluster = opts.cluster ?? nacosClusterName(opts.service, opts.group, opts.namespaceId);
    this.intervalMs = opts.intervalMs;
    this.emptyGraceMs = opts.emptyGraceMs;
  }

  async poll(): Promise<PollResult> {
    const { service, group, namespaceId, clusters } = this.opts;
    const api = this.client.opts.api;
    const query: Record<string, string | undefined> =
      api === "v1"
        ? { serviceName: `${group}@@${service}`, groupName: group, namespaceId, clusters: clusters.join(","), healthyOnly: "false" }
        : { serviceName: service, groupName: group, namespaceId, clusterName: clusters.join(",") };
    let reply: HttpReply;
    try {
      reply = await this.client.get(PATHS[api], query);
    } catch (e) {
      return { kind: "error", error: (e as Error).message };
    }
    if (reply.status !== 200) return { kind: "error", error: `HTTP ${reply.status} from ${api} instance list` };
    const origin = { registry: "nacos", service, group, namespace: namespaceId };
    const parsed = parseNacosInstances(api, reply.body, origin);
    if (parsed.kind === "error") return { kind: "error", error: `bad instance list: ${parsed.error}` };
    return {
      kind: "ok",
      instances: parsed.instances,
      suggestedIntervalMs: parsed.cacheMillis,
      unreliable: parsed.protectThreshold ? "protect threshold reached (health flags rewritten by the registry)" : undefined,
    };
  }
}

export interface NacosCatalogOptions {
  groups: string[];
  namespaceId: string;
  clusters: string[];
  intervalMs: number;
  serviceIntervalMs?: number;
  emptyGraceMs: number;
  pageSize: number;
}

/** Pages `/v1/ns/service/list` per group and yields one source per service (Higress skips `consumers:*`). */
export class NacosCatalog implements Catalog {
  readonly name: string;
  readonly intervalMs: number;
  private known = new Map<string, NacosServiceSource>();

  constructor(private client: NacosClient, private opts: NacosCatalogOptions) {
    this.name = `nacos ${opts.namespaceId} [${opts.groups.join(",")}]`;
    this.intervalMs = opts.intervalMs;
  }

  async list(): Promise<{ kind: "ok"; sources: Source[] } | { kind: "error"; error: string }> {
    const sources: Source[] = [];
    for (const group of this.opts.groups) {
      for (let page = 1; ; page++) {
        let reply: HttpReply;
        try {
          reply = await this.client.get("/v1/ns/service/list", {
            pageNo: String(page),
            pageSize: String(this.opts.pageSize),
            groupName: group,
            namespaceId: this.opts.namespaceId,
          });
        } catch (e) {
          return { kind: "error", error: (e as Error).message };
        }
        if (reply.status !== 200) return { kind: "error", error: `HTTP ${reply.status} from service list` };
        const parsed = parseServiceList(reply.body);
        if (parsed.kind === "error") return parsed;
        for (const name of parsed.names) {
          if (name === "" || name.startsWith("consumers:")) continue;
          const key = `${group}@@${name}`;
          let s = this.known.get(key);
          if (!s) {
            s = new NacosServiceSource(this.client, {
              service: name,
              group,
              namespaceId: this.opts.namespaceId,
              clusters: this.opts.clusters,
              intervalMs: this.opts.serviceIntervalMs,
              emptyGraceMs: this.opts.emptyGraceMs,
            });
            this.known.set(key, s);
          }
          sources.push(s);
        }
        if (parsed.names.length < this.opts.pageSize || page * this.opts.pageSize >= parsed.count) break;
      }
    }
    return { kind: "ok", sources };
  }
}
