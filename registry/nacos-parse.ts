// Pure parsing of Nacos instance-list answers: v1 (1.x hand-built and 2.x/3.x Jackson shapes),
// the v2 `{code,message,data}` envelope and the 3.x client API's bare instance array. Unknown
// fields are ignored (3.x renamed allIPs to allIps). Errors are values naming the field.
import type { Instance } from "./types.ts";

export type NacosApi = "v1" | "v2" | "v3";

export type NacosParse =
  | { kind: "ok"; instances: Instance[]; cacheMillis?: number; protectThreshold: boolean; dropped: number }
  | { kind: "error"; error: string };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Nacos sends booleans as JSON booleans; 1.x hand-built JSON too. Accept "true"/"false" strings defensively. */
function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Metadata values are strings in responses; anything else is stringified, nested objects skipped. */
export function stringMetadata(md: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(md)) return out;
  for (const [k, v] of Object.entries(md)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}

/** Registry weight -> Envoy load_balancing_weight: round, at least 1. */
export function envoyWeight(w: number): number {
  return Math.max(1, Math.round(w));
}

/** Extracts the service-info object (v1 body, v2 `data`) or the host array (v3 `data`). */
function unwrap(api: NacosApi, doc: unknown): { hosts: unknown; info: Record<string, unknown> } | string {
  if (!isObj(doc)) return "expected a JSON object";
  if (api === "v1") return { hosts: doc.hosts, info: doc };
  const code = num(doc.code);
  if (code === undefined) return "code: expected a number";
  if (code !== 0) return `code ${code}: ${typeof doc.message === "string" ? doc.message : "error"}`;
  if (api === "v3") return { hosts: doc.data, info: {} };
  if (!isObj(doc.data)) return "data: expected an object";
  return { hosts: doc.data.hosts, info: doc.data };
}

export function parseNacosInstances(api: NacosApi, body: string, origin: Record<string, string>): NacosParse {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return { kind: "error", error: `not JSON (${(e as Error).message.slice(0, 80)})` };
  }
  const u = unwrap(api, doc);
  if (typeof u === "string") return { kind: "error", error: u };
  const where = api === "v1" ? "hosts" : api === "v2" ? "data.hosts" : "data";
  if (!Array.isArray(u.hosts)) return { kind: "error", error: `${where}: expected an array` };
  const instances: Instance[] = [];
  let dropped = 0;
  for (let i = 0; i < u.hosts.length; i++) {
    const h = u.hosts[i];
    const at = `${where}[${i}]`;
    if (!isObj(h)) return { kind: "error", error: `${at}: expected an object` };
    const ip = h.ip;
    if (typeof ip !== "string" || ip === "") return { kind: "error", error: `${at}.ip: expected a non-empty string` };
    const port = num(h.port);
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return { kind: "error", error: `${at}.port: expected 1-65535` };
    const weight = num(h.weight) ?? 1;
    // 1.x carries `valid` (= healthy) next to `healthy`.
    const healthy = bool(h.healthy) ?? bool(h.valid) ?? true;
    const enabled = bool(h.enabled) ?? true;
    if (!healthy || !enabled || !(weight > 0)) {
      dropped++;
      continue;
    }
    const o: Record<string, string> = { ...origin };
    if (typeof h.instanceId === "string") o.instance_id = h.instanceId;
    if (typeof h.clusterName === "string") o.nacos_cluster = h.clusterName;
    o.registry_weight = String(weight);
    instances.push({ address: ip.replace(/^\[(.*)\]$/, "$1"), port, weight: envoyWeight(weight), metadata: stringMetadata(h.metadata), origin: o });
  }
  const cacheMillis = num(u.info.cacheMillis);
  return {
    kind: "ok",
    instances,
    cacheMillis: cacheMillis !== undefined && cacheMillis > 0 ? cacheMillis : undefined,
    protectThreshold: bool(u.info.reachProtectionThreshold) === true,
    dropped,
  };
}

/** `GET /nacos/v1/ns/service/list` -> `{"count":n,"doms":[...]}`. */
export function parseServiceList(body: string): { kind: "ok"; count: number; names: string[] } | { kind: "error"; error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { kind: "error", error: "service list: not JSON" };
  }
  if (!isObj(doc)) return { kind: "error", error: "service list: expected an object" };
  const count = num(doc.count);
  if (count === undefined) return { kind: "error", error: "service list: count: expected a number" };
  if (!Array.isArray(doc.doms)) return { kind: "error", error: "service list: doms: expected an array" };
  const names: string[] = [];
  for (let i = 0; i < doc.doms.length; i++) {
    if (typeof doc.doms[i] !== "string") return { kind: "error", error: `service list: doms[${i}]: expected a string` };
    names.push(doc.doms[i] as string);
  }
  return { kind: "ok", count, names };
}
