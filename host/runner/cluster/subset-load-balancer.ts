// Envoy's subset load balancer (source/extensions/load_balancing_policies/subset/subset_lb.cc) over
// the runner's LoadBalancer, one per subset, so weights and lb_policy work inside a subset:
// - each selector (its keys sorted) puts every host whose filter_metadata["envoy.lb"] has all its
//   keys into the subset of those values;
// - criteria pick the subset whose keys are exactly the criteria's keys and whose values equal
//   them (findSubset walks the criteria in key order); a found, non-empty subset answers even
//   when it has no host to give (lb_subsets_selected);
// - otherwise, if the criteria's key path is a selector's (the first selector that created that
//   path) with its own fallback_policy, that policy answers (ANY_ENDPOINT, DEFAULT_SUBSET, or
//   NO_FALLBACK = no host);
// - otherwise (also with no criteria) the cluster's fallback_policy: NO_FALLBACK = no host,
//   ANY_ENDPOINT = all hosts, DEFAULT_SUBSET = hosts matching default_subset (empty = all);
//   a host from it counts lb_subsets_fallback; with panic_mode_any an empty fallback falls to
//   all hosts (lb_subsets_fallback_panic).
import type { LbPolicy } from "../config/types.ts";
import type { SubsetFallback, SubsetSpec } from "../config/types.ts";
import { type Host, LoadBalancer, type Random } from "./load-balancer.ts";

export interface SubsetStatsSink {
  inc(name: string, delta?: number): void;
  setGauge(name: string, value: number): void;
}

const ENVOY_LB = "envoy.lb";

/** Protobuf Value equality by a canonical text (a string "1" is not the number 1). */
function valueKey(v: unknown): string {
  if (typeof v === "string") return "s" + v;
  if (typeof v === "number") return "n" + String(v);
  if (typeof v === "boolean") return "b" + String(v);
  if (v === null || v === undefined) return "z";
  if (Array.isArray(v)) return "l[" + v.map(valueKey).join(",") + "]";
  const o = v as Record<string, unknown>;
  return "o{" + Object.keys(o).sort().map((k) => JSON.stringify(k) + ":" + valueKey(o[k])).join(",") + "}";
}

function lbMetadata(h: Host): Record<string, unknown> | null {
  const md = h.metadata[ENVOY_LB];
  return md !== null && typeof md === "object" && !Array.isArray(md) ? (md as Record<string, unknown>) : null;
}

/** The subset's name for sorted keys and their values ("\u0000" cannot appear in YAML keys we read). */
function subsetKey(keys: string[], values: unknown[]): string {
  let s = "";
  for (let i = 0; i < keys.length; i++) s += keys[i] + "\u0000" + valueKey(values[i]) + "\u0001";
  return s;
}

export class SubsetLoadBalancer {
  private any: LoadBalancer;
  private defaultLb: LoadBalancer | null = null;
  private subsets = new Map<string, LoadBalancer>();
  /** sorted key path -> that selector's own fallback (set by the selector that created the path) */
  private readonly selectorFallback = new Map<string, SubsetFallback | "NOT_DEFINED">();
  private readonly prefix: string;

  constructor(
    private readonly spec: SubsetSpec,
    private readonly policy: LbPolicy,
    private readonly random: Random,
    private readonly stats: SubsetStatsSink,
    clusterName: string,
  ) {
    this.prefix = `cluster.${clusterName}.`;
    this.any = new LoadBalancer(policy, random);
    // initSubsetSelectorMap: a path's fallback is recorded only when its last node is created.
    const created = new Set<string>();
    for (const sel of spec.selectors) {
      let path = "";
      sel.keys.forEach((k, i) => {
        path += k + "\u0000";
        if (created.has(path)) return;
        created.add(path);
        this.selectorFallback.set(path, i === sel.keys.length - 1 ? sel.fallback : "NOT_DEFINED");
      });
    }
  }

  setHosts(hosts: Host[]): void {
    this.any = new LoadBalancer(this.policy, this.random);
    this.any.setHosts(hosts);
    const ds = this.spec.defaultSubset;
    const dsKeys = Object.keys(ds);
    const defaults = hosts.filter((h) => {
      const md = lbMetadata(h);
      return dsKeys.every((k) => md !== null && k in md && valueKey(md[k]) === valueKey(ds[k]));
    });
    this.defaultLb = new LoadBalancer(this.policy, this.random);
    this.defaultLb.setHosts(defaults);

    const groups = new Map<string, Host[]>();
    for (const sel of this.spec.selectors) {
      for (const h of hosts) {
        const md = lbMetadata(h);
        if (md === null || !sel.keys.every((k) => k in md)) continue;
        const key = subsetKey(sel.keys, sel.keys.map((k) => md[k]));
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        if (!g.includes(h)) g.push(h);
      }
    }
    const next = new Map<string, LoadBalancer>();
    for (const [key, g] of groups) {
      const lb = new LoadBalancer(this.policy, this.random);
      lb.setHosts(g);
      next.set(key, lb);
    }
    let created = 0;
    let removed = 0;
    for (const k of next.keys()) if (!this.subsets.has(k)) created++;
    for (const k of this.subsets.keys()) if (!next.has(k)) removed++;
    this.subsets = next;
    if (created) this.stats.inc(this.prefix + "lb_subsets_created", created);
    if (removed) this.stats.inc(this.prefix + "lb_subsets_removed", removed);
    this.stats.setGauge(this.prefix + "lb_subsets_active", next.size);
  }

  /** criteria: the router's MetadataMatchCriteria (null or empty: none). */
  pick(criteria: Record<string, unknown> | null | undefined): Host | null {
    const keys = criteria ? Object.keys(criteria).sort() : [];
    if (keys.length > 0) {
      const subset = this.subsets.get(subsetKey(keys, keys.map((k) => criteria![k])));
      if (subset && subset.size > 0) {
        this.stats.inc(this.prefix + "lb_subsets_selected");
        return subset.pick();
      }
      const own = this.selectorFallback.get(keys.join("\u0000") + "\u0000");
      if (own !== undefined && own !== "NOT_DEFINED") return this.fallbackLb(own)?.pick() ?? null;
    }
    const fb = this.fallbackLb(this.spec.fallback);
    if (fb === null) return null;
    const host = fb.pick();
    if (host) {
      this.stats.inc(this.prefix + "lb_subsets_fallback");
      return host;
    }
    if (this.spec.panicModeAny) {
      const any = this.any.pick();
      if (any) this.stats.inc(this.prefix + "lb_subsets_fallback_panic");
      return any;
    }
    return null;
  }

  private fallbackLb(policy: SubsetFallback): LoadBalancer | null {
    if (policy === "ANY_ENDPOINT") return this.any;
    if (policy === "DEFAULT_SUBSET") return this.defaultLb;
    return null;
  }
}
