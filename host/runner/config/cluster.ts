// static_resources.clusters[] -> ClusterSpec.
import * as fs from "node:fs";
import * as path from "node:path";
import { expectType, Fields, isObj } from "./reader.ts";
import { readLoadAssignment } from "./endpoints.ts";
import { readLbSubsetConfig } from "./lb-subset.ts";
import type { ClusterSpec, ClusterType, DnsLookupFamily, LbPolicy, TlsSpec } from "./types.ts";

// Enum names in proto order, so numeric values map too.
const TYPES = ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"] as const;
const LB = ["ROUND_ROBIN", "LEAST_REQUEST", "RING_HASH", "RANDOM", "ORIGINAL_DST_LB", "MAGLEV", "CLUSTER_PROVIDED", "LOAD_BALANCING_POLICY_CONFIG"] as const;
const FAMILIES = ["AUTO", "V4_ONLY", "V6_ONLY", "V4_PREFERRED", "ALL"] as const;
const HTTP_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const HTTP_OPTIONS = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

export function readCluster(f: Fields, baseDir: string): ClusterSpec | null {
  const name = f.requiredStr("name");
  const rawType = f.enumOf("type", TYPES, "STATIC");
  if (rawType === "ORIGINAL_DST") f.problems.add(f.at("type"), "ORIGINAL_DST: not supported by the local runner");
  const type = rawType as ClusterType;
  const rawLb = f.enumOf("lb_policy", LB, "ROUND_ROBIN");
  if (!["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"].includes(rawLb))
    f.problems.add(f.at("lb_policy"), `${rawLb}: not supported by the local runner (ROUND_ROBIN, LEAST_REQUEST, RANDOM)`);
  const lbPolicy = rawLb as LbPolicy;
  const connectTimeoutMs = f.durationMs("connect_timeout", 5000);
  const dnsRefreshMs = f.durationMs("dns_refresh_rate", 5000);
  const dnsLookupFamily = f.enumOf("dns_lookup_family", FAMILIES, "AUTO") as DnsLookupFamily;
  if ((f.has("dns_refresh_rate") || f.has("dns_lookup_family")) && type !== "STRICT_DNS" && type !== "LOGICAL_DNS")
    f.problems.add(f.path, "dns_refresh_rate and dns_lookup_family apply to STRICT_DNS and LOGICAL_DNS clusters only");

  const la = f.message("load_assignment");
  const endpoints = la ? readLoadAssignment(la, type === "STATIC" || type === "EDS").endpoints : [];
  let eds: ClusterSpec["eds"] = null;
  const edsConfig = f.message("eds_cluster_config");
  if (type === "EDS") {
    if (la) f.problems.add(f.at("load_assignment"), "an EDS cluster takes its endpoints from eds_cluster_config");
    if (!edsConfig) f.problems.add(f.at("eds_cluster_config"), "required for an EDS cluster");
    else eds = readEdsConfig(edsConfig, name, baseDir);
  } else {
    if (edsConfig) {
      f.problems.add(edsConfig.path, "only EDS clusters take eds_cluster_config");
      edsConfig.done();
    }
    if (!la) f.problems.add(f.at("load_assignment"), "required for a STATIC, STRICT_DNS or LOGICAL_DNS cluster");
    if (type === "LOGICAL_DNS" && endpoints.length !== 1)
      f.problems.add(f.at("load_assignment"), "a LOGICAL_DNS cluster takes exactly one endpoint");
  }

  const subsetConfig = f.message("lb_subset_config");
  const subset = subsetConfig ? readLbSubsetConfig(subsetConfig) : null;
  readProtocolOptions(f);
  const ts = f.message("transport_socket");
  const tls = ts ? readTls(ts, baseDir) : null;
  f.done();
  if (name === "") return null;
  return { name, type, lbPolicy, connectTimeoutMs, endpoints, dnsRefreshMs, dnsLookupFamily, eds, tls, subset, maxRequests: 1024, path: f.path };
}

function readEdsConfig(f: Fields, clusterName: string, baseDir: string): ClusterSpec["eds"] {
  const serviceName = f.str("service_name") || clusterName;
  const src = f.message("eds_config");
  f.done();
  if (!src) {
    f.problems.add(f.at("eds_config"), "required");
    return null;
  }
  src.enumOf("resource_api_version", ["AUTO", "V2", "V3"] as const, "V3");
  src.durationMs("initial_fetch_timeout", 15000); // the file is read at start, nothing to wait for
  const pcs = src.message("path_config_source");
  src.done();
  if (!pcs) {
    src.problems.add(src.at("path_config_source"), "required (only file-based EDS is supported)");
    return null;
  }
  const file = pcs.requiredStr("path");
  if (pcs.raw("watched_directory") !== undefined)
    pcs.problems.add(pcs.at("watched_directory"), "not supported by the local runner (the file is watched for atomic renames)");
  pcs.done();
  if (file === "") return null;
  const resolved = path.resolve(baseDir, file);
  // Envoy refuses to start when a path config source does not exist.
  if (!fs.existsSync(resolved)) pcs.problems.add(pcs.at("path"), `${file}: file not found (resolved to ${resolved})`);
  return { path: resolved, serviceName };
}

/** HTTP/1 upstreams are all the runner speaks; an options block that says so is harmless. */
function readProtocolOptions(f: Fields): void {
  const raw = f.raw("typed_extension_protocol_options");
  if (raw === undefined) return;
  const at = f.at("typed_extension_protocol_options");
  if (!isObj(raw)) {
    f.problems.add(at, "expected a mapping");
    return;
  }
  for (const key of Object.keys(raw)) {
    const opts = Fields.open(f.problems, `${at}.${key}`, raw[key]);
    if (!opts) continue;
    if (key !== HTTP_OPTIONS_KEY) {
      f.problems.add(opts.path, "not supported by the local runner");
      continue;
    }
    expectType(opts, HTTP_OPTIONS);
    const explicit = opts.message("explicit_http_config");
    if (!explicit) opts.problems.add(opts.at("explicit_http_config"), "required: only explicit_http_config.http_protocol_options (HTTP/1.1) is supported");
    else {
      const h1 = explicit.message("http_protocol_options");
      if (!h1) explicit.problems.add(explicit.at("http_protocol_options"), "required: the runner speaks HTTP/1.1 upstream only");
      else h1.done();
      explicit.done();
    }
    opts.done();
  }
}

/** envoy.transport_sockets.tls with an UpstreamTlsContext: sni and an optional trusted CA file. */
function readTls(f: Fields, baseDir: string): TlsSpec | null {
  f.str("name");
  const tc = f.message("typed_config");
  f.done();
  if (!tc) {
    f.problems.add(f.at("typed_config"), "required");
    return null;
  }
  if (!expectType(tc, UPSTREAM_TLS)) {
    tc.done();
    return null;
  }
  const sni = tc.str("sni");
  let trustedCaFile = "";
  const common = tc.message("common_tls_context");
  if (common) {
    const vc = common.message("validation_context");
    if (vc) {
      const ca = vc.message("trusted_ca");
      if (ca) {
        const file = ca.requiredStr("filename");
        ca.done();
        trustedCaFile = file === "" ? "" : path.resolve(baseDir, file);
        if (trustedCaFile !== "" && !fs.existsSync(trustedCaFile)) ca.problems.add(ca.at("filename"), `${file}: file not found`);
      }
      vc.done();
    }
    common.done();
  }
  tc.done();
  return { sni, trustedCaFile };
}
