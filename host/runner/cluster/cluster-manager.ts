// The runner's ClusterManager: static, DNS and file-EDS clusters, one keep-alive agent per
// cluster, Envoy's load balancing, the circuit breaker on concurrent requests (1024, Envoy's
// default) and the cluster stats Envoy keeps for them.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { ClusterManager, HeaderList, MetadataMatchCriteria, UpstreamCallbacks, UpstreamFailure, UpstreamRequest } from "../../contract.ts";
import type { ClusterSpec, EndpointSpec } from "../config/types.ts";
import type { RunnerStats } from "../stats/stats-store.ts";
import type { RunnerLogger } from "../logger.ts";
import { resolveName } from "./dns.ts";
import { parseEdsFile, watchMovedTo } from "./eds-file.ts";
import { type Host, LoadBalancer, type Random } from "./load-balancer.ts";
import { startUpstreamRequest } from "./upstream-request.ts";
import { SubsetLoadBalancer, type SubsetStatsSink } from "./subset-load-balancer.ts";

class Cluster {
  hosts: Host[] = [];
  active = 0;
  readonly lb: LoadBalancer;
  /** lb_subset_config: picks by the router's metadata criteria (null: plain lb) */
  readonly subsetLb: SubsetLoadBalancer | null;
  readonly agent: http.Agent;
  stopWatch: (() => void) | null = null;
  dnsTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly spec: ClusterSpec,
    random: Random,
    stats: SubsetStatsSink,
  ) {
    this.lb = new LoadBalancer(spec.lbPolicy, random);
    this.subsetLb = spec.subset ? new SubsetLoadBalancer(spec.subset, spec.lbPolicy, random, stats, spec.name) : null;
    const common = { keepAlive: true, maxSockets: Infinity, scheduling: "lifo" as const };
    if (spec.tls) {
      const ca = spec.tls.trustedCaFile ? fs.readFileSync(spec.tls.trustedCaFile) : undefined;
      // Envoy verifies an upstream certificate only when a validation context is configured, and
      // then checks the chain, not the host name (that takes match_typed_subject_alt_names).
      this.agent = new https.Agent({ ...common, ca, rejectUnauthorized: ca !== undefined, checkServerIdentity: () => undefined });
    } else {
      this.agent = new http.Agent(common);
    }
  }
}

export interface ClusterManagerOptions {
  stats: RunnerStats;
  logger: RunnerLogger;
  random?: Random;
}

export class RunnerClusterManager implements ClusterManager {
  private readonly clusters = new Map<string, Cluster>();
  private readonly stats: RunnerStats;
  private readonly logger: RunnerLogger;

  constructor(specs: ClusterSpec[], opts: ClusterManagerOptions) {
    this.stats = opts.stats;
    this.logger = opts.logger;
    for (const spec of specs) this.clusters.set(spec.name, new Cluster(spec, opts.random ?? Math.random, opts.stats));
    this.stats.setGauge("cluster_manager.active_clusters", this.clusters.size);
  }

  /** Loads endpoints: static ones at once, EDS files read, DNS names resolved once. */
  async start(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const c of this.clusters.values()) {
      if (c.spec.tls && c.spec.tls.trustedCaFile === "")
        this.logger.log(3, "runner", `cluster ${c.spec.name}: TLS without a validation_context, the upstream certificate is not verified (as in Envoy)`);
      switch (c.spec.type) {
        case "STATIC":
          this.setHosts(c, c.spec.endpoints.map(toHost));
          break;
        case "EDS":
          this.loadEds(c);
          c.stopWatch = watchMovedTo(c.spec.eds!.path, () => this.loadEds(c));
          break;
        default:
          pending.push(this.resolve(c));
          c.dnsTimer = setInterval(() => void this.resolve(c), c.spec.dnsRefreshMs);
          c.dnsTimer.unref();
      }
    }
    await Promise.all(pending);
  }

  close(): void {
    for (const c of this.clusters.values()) {
      c.stopWatch?.();
      if (c.dnsTimer) clearInterval(c.dnsTimer);
      c.agent.destroy();
    }
  }

  has(name: string): boolean {
    return this.clusters.has(name);
  }

  names(): string[] {
    return [...this.clusters.keys()];
  }

  /** The hosts currently eligible for traffic (for /clusters and tests). */
  hosts(name: string): readonly Host[] {
    return this.clusters.get(name)?.hosts ?? [];
  }

  /** One host chosen by the cluster's load balancer (the Redis connector uses this; no criteria). */
  pickHost(name: string): Host | null {
    const c = this.clusters.get(name);
    if (!c) return null;
    return c.subsetLb ? c.subsetLb.pick(null) : c.lb.pick();
  }

  request(name: string, headers: HeaderList, callbacks: UpstreamCallbacks, metadataMatch?: MetadataMatchCriteria | null): UpstreamRequest | null {
    const c = this.clusters.get(name);
    if (!c) return null;
    const prefix = `cluster.${name}.`;
    // Criteria matter only to a subset load balancer (Envoy ignores them otherwise).
    const host = c.subsetLb ? c.subsetLb.pick(metadataMatch) : c.lb.pick();
    if (!host) {
      // cluster_manager_impl: upstream_cx_none_healthy; the router's chargeUpstreamCode(503)
      // charges upstream_rq_completed / _5xx / _503 for its local reply.
      this.stats.inc(prefix + "upstream_cx_none_healthy");
      this.stats.inc(prefix + "upstream_rq_completed");
      this.stats.inc(prefix + "upstream_rq_5xx");
      this.stats.inc(prefix + "upstream_rq_503");
      return failLater(callbacks, "no_healthy_upstream", "no healthy upstream");
    }
    this.stats.inc(prefix + "upstream_rq_total"); // by the connection pool: only once a host is chosen
    if (c.active >= c.spec.maxRequests) {
      this.stats.inc(prefix + "upstream_rq_pending_overflow");
      return failLater(callbacks, "overflow", "too many requests in flight (circuit breaker)");
    }
    c.active++;
    host.active++;
    this.stats.addGauge(prefix + "upstream_rq_active", 1);
    const target = {
      address: host.address,
      port: host.port,
      agent: c.agent,
      tls: c.spec.tls ? { servername: c.spec.tls.sni } : null,
      connectTimeoutMs: c.spec.connectTimeoutMs,
    };
    return startUpstreamRequest(target, headers, callbacks, {
      onNewConnection: () => this.stats.inc(prefix + "upstream_cx_total"),
      onResponseHeaders: (status) => {
        this.stats.inc(prefix + `upstream_rq_${status}`);
        this.stats.inc(prefix + `upstream_rq_${Math.floor(status / 100)}xx`);
      },
      onDone: (outcome) => {
        c.active--;
        host.active--;
        this.stats.addGauge(prefix + "upstream_rq_active", -1);
        if (outcome.kind === "response") {
          this.stats.inc(prefix + "upstream_rq_completed");
          this.stats.recordHistogram(prefix + "upstream_rq_time", outcome.durationMs);
        } else if (outcome.kind === "failure") {
          if (outcome.reason === "connect") {
            this.stats.inc(prefix + "upstream_cx_connect_fail");
            if (outcome.detail.startsWith("connect_timeout")) this.stats.inc(prefix + "upstream_cx_connect_timeout");
          } else if (outcome.reason === "reset") {
            this.stats.inc(prefix + "upstream_rq_rx_reset");
          }
        } else {
          this.stats.inc(prefix + "upstream_rq_cancelled");
        }
      },
    });
  }

  private setHosts(c: Cluster, hosts: Host[]): void {
    c.hosts = hosts;
    c.lb.setHosts(hosts);
    c.subsetLb?.setHosts(hosts);
    this.stats.setGauge(`cluster.${c.spec.name}.membership_total`, hosts.length);
    this.stats.setGauge(`cluster.${c.spec.name}.membership_healthy`, hosts.length);
  }

  private loadEds(c: Cluster): void {
    const eds = c.spec.eds!;
    const prefix = `cluster.${c.spec.name}.`;
    this.stats.inc(prefix + "update_attempt");
    let text: string;
    try {
      text = fs.readFileSync(eds.path, "utf8");
    } catch (e) {
      this.stats.inc(prefix + "update_rejected");
      this.logger.log(3, "runner", `cluster ${c.spec.name}: cannot read ${eds.path}: ${(e as Error).message}`);
      return;
    }
    const parsed = parseEdsFile(text, eds.serviceName, eds.path);
    if (parsed.kind === "rejected") {
      this.stats.inc(prefix + "update_rejected");
      this.logger.log(3, "runner", `cluster ${c.spec.name}: EDS update rejected, keeping the last good endpoints: ${parsed.errors.join("; ")}`);
      return;
    }
    if (parsed.kind === "empty") {
      this.stats.inc(prefix + "update_empty");
      this.logger.log(2, "runner", `cluster ${c.spec.name}: ${eds.path} has no ClusterLoadAssignment for ${eds.serviceName}`);
      return;
    }
    this.stats.inc(prefix + "update_success");
    this.setHosts(c, parsed.endpoints.map(toHost));
    this.logger.log(1, "runner", `cluster ${c.spec.name}: ${parsed.endpoints.length} endpoint(s) from ${eds.path}`);
  }

  private async resolve(c: Cluster): Promise<void> {
    const hosts: Host[] = [];
    for (const ep of c.spec.endpoints) {
      const addrs = await resolveName(ep.address, c.spec.dnsLookupFamily);
      // LOGICAL_DNS connects to the first address only.
      for (const a of c.spec.type === "LOGICAL_DNS" ? addrs.slice(0, 1) : addrs) hosts.push(toHost({ ...ep, address: a }));
    }
    const prefix = `cluster.${c.spec.name}.`;
    this.stats.inc(prefix + "update_attempt");
    if (hosts.length === 0 && c.hosts.length > 0) {
      // Envoy keeps the previous hosts when a resolution fails.
      this.stats.inc(prefix + "update_failure");
      this.logger.log(3, "runner", `cluster ${c.spec.name}: DNS resolution failed, keeping ${c.hosts.length} host(s)`);
      return;
    }
    if (hosts.length === 0) this.logger.log(3, "runner", `cluster ${c.spec.name}: DNS resolution returned no address`);
    this.stats.inc(prefix + "update_success");
    if (!sameHosts(c.hosts, hosts)) this.setHosts(c, hosts);
  }
}

function toHost(ep: EndpointSpec): Host {
  return { address: ep.address, port: ep.port, weight: ep.weight, priority: ep.priority, metadata: ep.metadata, hostname: ep.hostname, active: 0 };
}

function sameHosts(a: Host[], b: Host[]): boolean {
  return a.length === b.length && a.every((h, i) => h.address === b[i].address && h.port === b[i].port && h.weight === b[i].weight);
}

/** A request that fails before it starts; the callback comes after request() has returned. */
function failLater(cb: UpstreamCallbacks, reason: UpstreamFailure, detail: string): UpstreamRequest {
  let aborted = false;
  process.nextTick(() => {
    if (!aborted) cb.onFailure(reason, detail);
  });
  return {
    write() {},
    abort() {
      aborted = true;
    },
  };
}
