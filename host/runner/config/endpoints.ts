// envoy.config.endpoint.v3.ClusterLoadAssignment: a cluster's load_assignment, and each resource
// of an EDS file.
import * as net from "node:net";
import { Fields, isObj } from "./reader.ts";
import type { EndpointSpec, Metadata } from "./types.ts";

// Envoy only sends traffic to hosts whose EDS health is UNKNOWN or HEALTHY (DEGRADED only when no
// healthy host is left; the runner treats it as excluded).
const HEALTH = ["UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"] as const;

/** `requireIp`: STATIC and EDS endpoints must be IP literals (only DNS clusters resolve names). */
export function readLoadAssignment(f: Fields, requireIp: boolean): { clusterName: string; endpoints: EndpointSpec[] } {
  const clusterName = f.str("cluster_name");
  const endpoints: EndpointSpec[] = [];
  for (const { f: loc } of f.messages("endpoints")) {
    loc.ignore("locality"); // informational unless locality-weighted LB is configured
    loc.uint("load_balancing_weight", 0); // ditto: Envoy ignores locality weights by default
    const priority = loc.uint("priority", 0, 128);
    for (const { f: lbe } of loc.messages("lb_endpoints")) {
      const ep = readLbEndpoint(lbe, priority, requireIp);
      if (ep) endpoints.push(ep);
    }
    loc.done();
  }
  f.done();
  return { clusterName, endpoints };
}

function readLbEndpoint(f: Fields, priority: number, requireIp: boolean): EndpointSpec | null {
  const weight = f.uint("load_balancing_weight", 1);
  if (f.has("load_balancing_weight") && weight < 1) f.problems.add(f.at("load_balancing_weight"), "must be at least 1");
  const health = f.enumOf("health_status", HEALTH, "UNKNOWN");
  const metadata = readMetadata(f);
  const ep = f.message("endpoint");
  f.done();
  if (!ep) {
    f.problems.add(f.at("endpoint"), "required");
    return null;
  }
  const hostname = ep.str("hostname");
  const addr = ep.message("address");
  ep.done();
  if (!addr) {
    ep.problems.add(ep.at("address"), "required");
    return null;
  }
  const sa = addr.message("socket_address");
  addr.done();
  if (!sa) {
    addr.problems.add(addr.at("socket_address"), "required");
    return null;
  }
  const address = sa.requiredStr("address");
  if (requireIp && address !== "" && net.isIP(address) === 0)
    // Envoy's own message for this mistake
    sa.problems.add(sa.at("address"), `malformed IP address: ${address}. Consider setting resolver_name or setting cluster type to 'STRICT_DNS' or 'LOGICAL_DNS'`);
  const port = sa.uint("port_value", 0, 65535);
  if (!sa.has("port_value")) sa.problems.add(sa.at("port_value"), "required");
  if (sa.has("protocol")) sa.enumOf("protocol", ["TCP"] as const, "TCP");
  sa.done();
  if (health !== "UNKNOWN" && health !== "HEALTHY") return null;
  return { address, port, weight: Math.max(weight, 1), priority, metadata, hostname };
}

/** metadata.filter_metadata is kept as given; typed_filter_metadata is not supported. */
function readMetadata(f: Fields): Metadata {
  const md = f.message("metadata");
  if (!md) return {};
  const fm = md.raw("filter_metadata");
  md.done();
  if (fm === undefined) return {};
  if (!isObj(fm)) {
    md.problems.add(md.at("filter_metadata"), "expected a mapping");
    return {};
  }
  return fm;
}
