// Cluster.lb_subset_config (envoy.config.cluster.v3.Cluster.LbSubsetConfig): the part the runner's
// subset load balancer implements. Other fields are accepted only at their defaults, so a file
// that relies on them fails to load instead of balancing differently than Envoy would.
import { Fields, isObj } from "./reader.ts";
import type { SubsetFallback, SubsetSelectorSpec, SubsetSpec } from "./types.ts";

const FALLBACK = ["NO_FALLBACK", "ANY_ENDPOINT", "DEFAULT_SUBSET"] as const;
const SELECTOR_FALLBACK = ["NOT_DEFINED", "NO_FALLBACK", "ANY_ENDPOINT", "DEFAULT_SUBSET", "KEYS_SUBSET"] as const;
const METADATA_FALLBACK = ["METADATA_NO_FALLBACK", "FALLBACK_LIST"] as const;

export function readLbSubsetConfig(f: Fields): SubsetSpec {
  const fallback: SubsetFallback = f.enumOf("fallback_policy", FALLBACK, "NO_FALLBACK");
  let defaultSubset: Record<string, unknown> = {};
  const ds = f.raw("default_subset");
  if (ds !== undefined) {
    if (isObj(ds)) defaultSubset = ds;
    else f.problems.add(f.at("default_subset"), "expected a mapping (google.protobuf.Struct)");
  }
  const selectors: SubsetSelectorSpec[] = [];
  for (const { f: s } of f.messages("subset_selectors")) {
    const keys = [...new Set(s.list("keys").filter((k, i) => {
      if (typeof k === "string") return true;
      s.problems.add(`${s.at("keys")}[${i}]`, "expected a string");
      return false;
    }) as string[])].sort();
    if (keys.length === 0) s.problems.add(s.at("keys"), "at least one key is required");
    const fb = s.enumOf("fallback_policy", SELECTOR_FALLBACK, "NOT_DEFINED");
    if (fb === "KEYS_SUBSET") s.problems.add(s.at("fallback_policy"), "KEYS_SUBSET: not supported by the local runner");
    if (s.bool("single_host_per_subset")) s.problems.add(s.at("single_host_per_subset"), "true: not supported by the local runner");
    if (s.list("fallback_keys_subset").length > 0) s.problems.add(s.at("fallback_keys_subset"), "not supported by the local runner");
    s.done();
    selectors.push({ keys, fallback: fb === "KEYS_SUBSET" ? "NOT_DEFINED" : fb });
  }
  const panicModeAny = f.bool("panic_mode_any");
  // Locality weights are not used by the runner's balancers at all, so these change nothing.
  f.bool("locality_weight_aware");
  f.bool("scale_locality_weight");
  for (const name of ["list_as_any", "allow_redundant_keys"]) {
    if (f.bool(name)) f.problems.add(f.at(name), "true: not supported by the local runner");
  }
  if (f.enumOf("metadata_fallback_policy", METADATA_FALLBACK, "METADATA_NO_FALLBACK") !== "METADATA_NO_FALLBACK")
    f.problems.add(f.at("metadata_fallback_policy"), "FALLBACK_LIST: not supported by the local runner");
  f.done();
  return { fallback, defaultSubset, selectors, panicModeAny };
}
