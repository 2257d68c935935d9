// Shared by the registry tests: an EDS schema check (the fields Envoy requires), reading a
// bridge's file, and waiting for a condition.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseEdsFile } from "../../host/runner/cluster/eds-file.ts";

const CLA = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "registry-test-"));
}

export interface EdsEndpoint {
  address: string;
  port: number;
  weight: number;
  lb: Record<string, string>;
  origin: Record<string, string>;
}

/**
 * Structural check of an EDS file: a DiscoveryResponse with exactly one ClusterLoadAssignment
 * named `cluster`; every lb_endpoint has endpoint.address.socket_address with an IP literal
 * (no brackets) and port 1-65535, load_balancing_weight an integer >= 1, filter_metadata a map of
 * string maps. Also loads it with the local runner's EDS parser (Envoy's rules).
 */
export function validateEds(file: string, cluster: string): EdsEndpoint[] {
  const text = fs.readFileSync(file, "utf8");
  const doc = JSON.parse(text);
  assert.equal(typeof doc.version_info, "string");
  assert.ok(Array.isArray(doc.resources) && doc.resources.length === 1, "one resource");
  const r = doc.resources[0];
  assert.equal(r["@type"], CLA);
  assert.equal(r.cluster_name, cluster);
  assert.ok(Array.isArray(r.endpoints));
  const out: EdsEndpoint[] = [];
  for (const loc of r.endpoints) {
    assert.ok(Array.isArray(loc.lb_endpoints) && loc.lb_endpoints.length > 0, "locality with lb_endpoints");
    for (const e of loc.lb_endpoints) {
      const sa = e.endpoint?.address?.socket_address;
      assert.ok(sa, "endpoint.address.socket_address");
      assert.ok(net.isIP(sa.address) !== 0, `IP literal: ${sa.address}`);
      assert.ok(!sa.address.includes("["), "no brackets");
      assert.ok(Number.isInteger(sa.port_value) && sa.port_value >= 1 && sa.port_value <= 65535);
      assert.ok(Number.isInteger(e.load_balancing_weight) && e.load_balancing_weight >= 1, "weight >= 1");
      const fm = e.metadata?.filter_metadata ?? {};
      for (const [k, v] of Object.entries(fm)) {
        assert.equal(typeof v, "object", `filter_metadata.${k}`);
        for (const [kk, vv] of Object.entries(v as object)) assert.equal(typeof vv, "string", `filter_metadata.${k}.${kk}`);
      }
      out.push({ address: sa.address, port: sa.port_value, weight: e.load_balancing_weight, lb: fm["envoy.lb"] ?? {}, origin: fm["ai.gateway"] ?? {} });
    }
  }
  const parsed = parseEdsFile(text, cluster, file);
  assert.ok(parsed.kind === "endpoints", `runner parse: ${JSON.stringify(parsed)}`);
  assert.equal(parsed.endpoints.length, out.length);
  return out;
}

export function ports(eps: EdsEndpoint[]): number[] {
  return eps.map((e) => e.port).sort((a, b) => a - b);
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const quietLog = () => {};
export function recordingLog(lines: string[]) {
  return (level: string, msg: string) => void lines.push(`${level} ${msg}`);
}
