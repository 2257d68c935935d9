// Envoy v3 ClusterLoadAssignment files for path_config_source EDS clusters. A file is replaced
// only when its content changes, by writing a temp file in the same directory and renaming it
// over the old one (Envoy and the local runner watch for that move; in-place edits are missed).
import * as dns from "node:dns/promises";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { Instance, Log } from "./types.ts";

export const CLA_TYPE = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
/** filter_metadata keys: registry metadata for subset LB / plugins, and where the endpoint came from. */
export const LB_METADATA_KEY = "envoy.lb";
export const ORIGIN_METADATA_KEY = "ai.gateway";

/** An instance whose address is an IP literal. */
export type ResolvedInstance = Instance;

function sortKeys(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** The DiscoveryResponse-shaped document for one cluster; endpoints sorted so equal sets give equal bytes. */
export function clusterLoadAssignment(cluster: string, instances: ResolvedInstance[]): object {
  const sorted = [...instances].sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  const lbEndpoints = sorted.map((i) => {
    const filterMetadata: Record<string, Record<string, string>> = { [ORIGIN_METADATA_KEY]: sortKeys(i.origin) };
    if (Object.keys(i.metadata).length > 0) filterMetadata[LB_METADATA_KEY] = sortKeys(i.metadata);
    return {
      endpoint: { address: { socket_address: { address: i.address, port_value: i.port } } },
      load_balancing_weight: i.weight,
      metadata: { filter_metadata: sortKeys(filterMetadata as never) },
    };
  });
  const resource = { "@type": CLA_TYPE, cluster_name: cluster, endpoints: lbEndpoints.length ? [{ lb_endpoints: lbEndpoints }] : [] };
  const body = JSON.stringify(resource);
  return { version_info: fnv1a(body), resources: [resource] };
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** JSON is valid YAML, so the file loads whether Envoy reads it as .yaml or .json. */
export function renderEdsFile(cluster: string, instances: ResolvedInstance[]): string {
  return JSON.stringify(clusterLoadAssignment(cluster, instances), null, 2) + "\n";
}

export type Lookup = (host: string) => Promise<string[]>;

export const systemLookup: Lookup = async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address);

/** EDS needs IP literals: hostnames become one endpoint per address; names that do not resolve are dropped (and reported). */
export async function resolveInstances(instances: Instance[], lookup: Lookup = systemLookup): Promise<{ resolved: ResolvedInstance[]; failed: string[] }> {
  const resolved: ResolvedInstance[] = [];
  const failed: string[] = [];
  const seen = new Set<string>();
  const push = (i: Instance) => {
    const key = `${i.address}|${i.port}`;
    if (seen.has(key)) return; // the same endpoint twice would double its share
    seen.add(key);
    resolved.push(i);
  };
  for (const inst of instances) {
    const bare = inst.address.replace(/^\[(.*)\]$/, "$1");
    if (net.isIP(bare) !== 0) {
      push({ ...inst, address: bare });
      continue;
    }
    try {
      const addrs = await lookup(bare);
      if (addrs.length === 0) failed.push(bare);
      for (const a of addrs) push({ ...inst, address: a, origin: { ...inst.origin, hostname: bare } });
    } catch {
      failed.push(bare);
    }
  }
  return { resolved, failed };
}

/** File name for a cluster: the name itself (Higress names are file-safe, `|` included), `/` replaced. */
export function edsFileName(cluster: string): string {
  return `${cluster.replaceAll("/", "_")}.yaml`;
}

let tmpCounter = 0;

export class EdsWriter {
  private last = new Map<string, string>();
  constructor(readonly outDir: string, private log: Log) {
    fs.mkdirSync(outDir, { recursive: true });
  }

  pathFor(cluster: string): string {
    return path.join(this.outDir, edsFileName(cluster));
  }

  exists(cluster: string): boolean {
    return fs.existsSync(this.pathFor(cluster));
  }

  /** Endpoints of a file this writer format produced earlier (last run); null when absent or unreadable. */
  readExisting(cluster: string): ResolvedInstance[] | null {
    try {
      const doc = JSON.parse(fs.readFileSync(this.pathFor(cluster), "utf8"));
      const out: ResolvedInstance[] = [];
      for (const loc of doc.resources?.[0]?.endpoints ?? []) {
        for (const e of loc.lb_endpoints ?? []) {
          const sa = e.endpoint?.address?.socket_address;
          if (!sa || typeof sa.address !== "string" || typeof sa.port_value !== "number") return null;
          const fm = e.metadata?.filter_metadata ?? {};
          out.push({ address: sa.address, port: sa.port_value, weight: e.load_balancing_weight ?? 1, metadata: fm[LB_METADATA_KEY] ?? {}, origin: fm[ORIGIN_METADATA_KEY] ?? {} });
        }
      }
      return out;
    } catch {
      return null;
    }
  }

  /** Writes when the content differs from what the file holds; returns whether it wrote. */
  write(cluster: string, instances: ResolvedInstance[]): boolean {
    const file = this.pathFor(cluster);
    const text = renderEdsFile(cluster, instances);
    let current = this.last.get(cluster);
    if (current === undefined) {
      try {
        current = fs.readFileSync(file, "utf8");
      } catch {
        current = undefined;
      }
    }
    if (current === text) {
      this.last.set(cluster, text);
      return false;
    }
    const tmp = path.join(this.outDir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
    try {
      fs.writeFileSync(tmp, text, { mode: 0o644 });
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        /* nothing left to clean */
      }
      this.log("error", `${cluster}: cannot write ${file}: ${(e as Error).message}`);
      return false;
    }
    this.last.set(cluster, text);
    return true;
  }
}
