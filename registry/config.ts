// registry.yaml and command-line flags -> sources. Problems are collected and named by field
// (`nacos[0].services[1].name: required`), never thrown one at a time.
import { parse as parseYaml } from "yaml";
import { DnsSource } from "./dns.ts";
import { EurekaAppSource } from "./eureka.ts";
import { baseUrls, Failover } from "./http-get.ts";
import { NacosCatalog, NacosClient, NacosServiceSource } from "./nacos.ts";
import type { NacosApi } from "./nacos-parse.ts";
import { parseHostPort, StaticSource } from "./static.ts";
import type { Catalog, Log, Source } from "./types.ts";

export interface BridgeConfig {
  outDir: string;
  sources: Source[];
  catalogs: Catalog[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

class Reader {
  constructor(readonly errors: string[], readonly at: string, readonly o: Obj, private known: string[]) {
    for (const k of Object.keys(o)) if (!known.includes(k)) errors.push(`${this.path(k)}: unknown field`);
  }
  path(k: string): string {
    return this.at ? `${this.at}.${k}` : k;
  }
  str(k: string, def?: string): string | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return def;
    if (typeof v === "string") return v;
    if (typeof v === "number") return String(v);
    this.errors.push(`${this.path(k)}: expected a string`);
    return def;
  }
  int(k: string, def: number | undefined, min = 0): number | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return def;
    if (typeof v === "number" && Number.isInteger(v) && v >= min) return v;
    this.errors.push(`${this.path(k)}: expected an integer >= ${min}`);
    return def;
  }
  strList(k: string, def: string[]): string[] {
    const v = this.o[k];
    if (v === undefined || v === null) return def;
    if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    this.errors.push(`${this.path(k)}: expected a list of strings`);
    return def;
  }
  list(k: string): Array<{ at: string; v: unknown }> {
    const v = this.o[k];
    if (v === undefined || v === null) return [];
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((x, i) => ({ at: Array.isArray(v) ? `${this.path(k)}[${i}]` : this.path(k), v: x }));
  }
}

const DEFAULT_GRACE_MS = 60_000;

export function buildConfig(doc: unknown, log: Log, env: NodeJS.ProcessEnv = process.env): { config?: BridgeConfig; errors: string[] } {
  const errors: string[] = [];
  if (!isObj(doc)) return { errors: ["expected a mapping at the top level"] };
  const top = new Reader(errors, "", doc, ["outDir", "timeoutMs", "emptyGraceMs", "nacos", "eureka", "static", "dns"]);
  const outDir = top.str("outDir") ?? "";
  if (!outDir) errors.push("outDir: required");
  const timeoutMs = top.int("timeoutMs", 3000, 1)!;
  const graceDefault = top.int("emptyGraceMs", DEFAULT_GRACE_MS, -1)!;
  const sources: Source[] = [];
  const catalogs: Catalog[] = [];

  for (const { at, v } of top.list("nacos")) {
    if (!isObj(v)) {
      errors.push(`${at}: expected a mapping`);
      continue;
    }
    const r = new Reader(errors, at, v, ["server", "api", "username", "password", "passwordEnv", "namespaceId", "clusters", "intervalMs", "emptyGraceMs", "services", "discover"]);
    const servers = baseUrls(r.str("server") ?? "", "/nacos");
    if (typeof servers === "string") errors.push(`${at}.server: ${servers}`);
    const api = r.str("api", "v1") as NacosApi;
    if (!["v1", "v2", "v3"].includes(api)) errors.push(`${at}.api: expected v1, v2 or v3`);
    const username = r.str("username");
    const passwordEnv = r.str("passwordEnv");
    const password = r.str("password") ?? (passwordEnv ? env[passwordEnv] : undefined);
    if (username && password === undefined) errors.push(`${at}.password: required with username (or passwordEnv naming a set variable)`);
    const namespaceId = r.str("namespaceId", "public")!;
    const clusters = r.strList("clusters", []);
    const intervalMs = r.int("intervalMs", undefined, 1);
    const emptyGraceMs = r.int("emptyGraceMs", graceDefault, -1)!;
    if (typeof servers === "string") continue;
    const client = new NacosClient({ servers, api, username, password, timeoutMs, log });
    for (const { at: sat, v: sv } of r.list("services")) {
      const spec = typeof sv === "string" ? parseServiceRef(sv, namespaceId) : isObj(sv) ? sv : null;
      if (!spec) {
        errors.push(`${sat}: expected a name or a mapping`);
        continue;
      }
      const s = new Reader(errors, sat, spec, ["name", "group", "namespaceId", "clusters", "cluster", "intervalMs", "emptyGraceMs"]);
      const name = s.str("name") ?? "";
      if (!name) errors.push(`${sat}.name: required`);
      sources.push(
        new NacosServiceSource(client, {
          service: name,
          group: s.str("group", "DEFAULT_GROUP")!,
          namespaceId: s.str("namespaceId", namespaceId)!,
          clusters: s.strList("clusters", clusters),
          cluster: s.str("cluster"),
          intervalMs: s.int("intervalMs", intervalMs, 1),
          emptyGraceMs: s.int("emptyGraceMs", emptyGraceMs, -1)!,
        }),
      );
    }
    if (v.discover !== undefined) {
      if (!isObj(v.discover)) errors.push(`${at}.discover: expected a mapping`);
      else {
        const d = new Reader(errors, `${at}.discover`, v.discover, ["groups", "intervalMs", "pageSize"]);
        catalogs.push(
          new NacosCatalog(client, {
            groups: d.strList("groups", ["DEFAULT_GROUP"]),
            namespaceId,
            clusters,
            intervalMs: d.int("intervalMs", 30_000, 1)!,
            pageSize: d.int("pageSize", 50, 1)!,
            serviceIntervalMs: intervalMs,
            emptyGraceMs,
          }),
        );
      }
    }
  }

  for (const { at, v } of top.list("eureka")) {
    if (!isObj(v)) {
      errors.push(`${at}: expected a mapping`);
      continue;
    }
    const r = new Reader(errors, at, v, ["server", "intervalMs", "emptyGraceMs", "weightKey", "apps"]);
    const servers = baseUrls(r.str("server") ?? "", "/eureka");
    if (typeof servers === "string") errors.push(`${at}.server: ${servers}`);
    const intervalMs = r.int("intervalMs", 30_000, 1);
    const emptyGraceMs = r.int("emptyGraceMs", graceDefault, -1)!;
    const weightKey = r.str("weightKey", "weight")!;
    if (typeof servers === "string") continue;
    const failover = new Failover(servers);
    for (const { at: aat, v: av } of r.list("apps")) {
      const spec = typeof av === "string" ? { name: av } : isObj(av) ? av : null;
      if (!spec) {
        errors.push(`${aat}: expected a name or a mapping`);
        continue;
      }
      const a = new Reader(errors, aat, spec, ["name", "cluster", "intervalMs", "emptyGraceMs"]);
      const name = a.str("name") ?? "";
      if (!name) errors.push(`${aat}.name: required`);
      sources.push(new EurekaAppSource(failover, { app: name, cluster: a.str("cluster"), intervalMs: a.int("intervalMs", intervalMs, 1), emptyGraceMs: a.int("emptyGraceMs", emptyGraceMs, -1)!, weightKey, timeoutMs }));
    }
  }

  for (const { at, v } of top.list("static")) {
    if (!isObj(v)) {
      errors.push(`${at}: expected a mapping`);
      continue;
    }
    const r = new Reader(errors, at, v, ["name", "cluster", "endpoints"]);
    const name = r.str("name") ?? "";
    if (!name) errors.push(`${at}.name: required`);
    const eps: Array<{ host: string; port: number; weight?: number; metadata?: Record<string, string> }> = [];
    for (const { at: eat, v: ev } of r.list("endpoints")) {
      if (typeof ev === "string") {
        const hp = parseHostPort(ev);
        if (typeof hp === "string") errors.push(`${eat}: ${hp}`);
        else eps.push(hp);
      } else if (isObj(ev)) {
        const e = new Reader(errors, eat, ev, ["address", "port", "weight", "metadata"]);
        const host = e.str("address") ?? "";
        const port = e.int("port", 0, 1)!;
        if (!host) errors.push(`${eat}.address: required`);
        if (port < 1 || port > 65535) errors.push(`${eat}.port: expected 1-65535`);
        const md = ev.metadata;
        if (md !== undefined && (!isObj(md) || !Object.values(md).every((x) => typeof x === "string"))) errors.push(`${eat}.metadata: expected a mapping of strings`);
        eps.push({ host, port, weight: e.int("weight", 1, 1), metadata: isObj(md) ? (md as Record<string, string>) : undefined });
      } else errors.push(`${eat}: expected host:port or a mapping`);
    }
    if (eps.length === 0) errors.push(`${at}.endpoints: at least one`);
    sources.push(new StaticSource(name, eps, r.str("cluster")));
  }

  for (const { at, v } of top.list("dns")) {
    if (!isObj(v)) {
      errors.push(`${at}: expected a mapping`);
      continue;
    }
    const r = new Reader(errors, at, v, ["name", "host", "port", "cluster", "intervalMs", "emptyGraceMs", "family"]);
    const name = r.str("name") ?? "";
    const host = r.str("host") ?? name;
    const port = r.int("port", 0, 1)!;
    if (!name) errors.push(`${at}.name: required`);
    if (port < 1 || port > 65535) errors.push(`${at}.port: expected 1-65535`);
    const family = r.int("family", 0, 0)!;
    if (![0, 4, 6].includes(family)) errors.push(`${at}.family: expected 0, 4 or 6`);
    sources.push(new DnsSource(name, host, port, { cluster: r.str("cluster"), intervalMs: r.int("intervalMs", undefined, 1), emptyGraceMs: r.int("emptyGraceMs", graceDefault, -1)!, family: family as 0 | 4 | 6 }));
  }

  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.cluster)) errors.push(`cluster ${s.cluster}: configured twice`);
    seen.add(s.cluster);
  }
  if (sources.length === 0 && catalogs.length === 0) errors.push("nothing to bridge: configure nacos, eureka, static or dns");
  if (errors.length) return { errors };
  return { config: { outDir, sources, catalogs }, errors };
}

/** `service[@group[@namespace]]` (the docker-compose flag form). */
export function parseServiceRef(ref: string, namespaceId: string): Obj {
  const [name, group, ns] = ref.split("@");
  return { name, group: group || "DEFAULT_GROUP", namespaceId: ns || namespaceId };
}

export function parseConfigText(text: string, log: Log, env?: NodeJS.ProcessEnv): { config?: BridgeConfig; errors: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { errors: [`not YAML: ${(e as Error).message.split("\n")[0]}`] };
  }
  return buildConfig(doc, log, env);
}

/**
 * Flags -> the same document a registry.yaml holds. `--nacos URL` and `--eureka URL` open a new
 * registry; `--nacos-service`, `--nacos-group`, `--eureka-app` attach to the last one opened.
 */
export function flagsToDoc(argv: string[], base: Obj = {}): { doc: Obj; configPath?: string; logLevel?: string; once: boolean; errors: string[] } {
  const doc: Obj = { ...base };
  const errors: string[] = [];
  let configPath: string | undefined;
  let logLevel: string | undefined;
  let once = false;
  const nacos: Obj[] = [];
  const eureka: Obj[] = [];
  const lastOf = (list: Obj[], flag: string, opener: string): Obj | null => {
    if (list.length === 0) {
      errors.push(`${flag}: needs a ${opener} before it`);
      return { services: [], apps: [] }; // absorbs the value; the error stops the start
    }
    return list[list.length - 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) errors.push(`${flag}: value required`);
      return v ?? "";
    };
    const num = (): number => {
      const v = val();
      const n = Number(v);
      if (!Number.isInteger(n)) errors.push(`${flag}: expected an integer, got ${v}`);
      return n;
    };
    switch (flag) {
      case "-c":
      case "--config":
        configPath = val();
        break;
      case "--out-dir":
        doc.outDir = val();
        break;
      case "--timeout-ms":
        doc.timeoutMs = num();
        break;
      case "--empty-grace-ms":
        doc.emptyGraceMs = num();
        break;
      case "-l":
      case "--log-level":
        logLevel = val();
        break;
      case "--once":
        once = true;
        break;
      case "--nacos":
        nacos.push({ server: val(), services: [] });
        break;
      case "--nacos-api":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) n.api = val(); }
        break;
      case "--nacos-namespace":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) n.namespaceId = val(); }
        break;
      case "--nacos-user":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) { n.username = val(); n.passwordEnv = "NACOS_PASSWORD"; } }
        break;
      case "--nacos-service":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) (n.services as unknown[]).push(val()); }
        break;
      case "--nacos-group":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) { const d = (n.discover as Obj) ?? { groups: [] }; (d.groups as string[]).push(val()); n.discover = d; } }
        break;
      case "--nacos-interval-ms":
        { const n = lastOf(nacos, flag, "--nacos"); if (n) n.intervalMs = num(); }
        break;
      case "--eureka":
        eureka.push({ server: val(), apps: [] });
        break;
      case "--eureka-app":
        { const e = lastOf(eureka, flag, "--eureka"); if (e) (e.apps as unknown[]).push(val()); }
        break;
      case "--eureka-interval-ms":
        { const e = lastOf(eureka, flag, "--eureka"); if (e) e.intervalMs = num(); }
        break;
      default:
        errors.push(`${flag}: unknown flag`);
    }
  }
  if (nacos.length) doc.nacos = [...(Array.isArray(doc.nacos) ? doc.nacos : doc.nacos ? [doc.nacos] : []), ...nacos];
  if (eureka.length) doc.eureka = [...(Array.isArray(doc.eureka) ? doc.eureka : doc.eureka ? [doc.eureka] : []), ...eureka];
  return { doc, configPath, logLevel, once, errors };
}
