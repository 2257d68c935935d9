// Picks the provider for a request, in this order:
//   1. `routing.tags`: the first rule whose header matches;
//   2. `routing.models`: the first rule whose pattern matches the request's model (body needed);
//   3. provider weights: a bucket in [0, total weight) from the sticky key's hash (same key ->
//      same variant, so an A/B split is stable per consumer or user), or random without a key;
//   4. activeProviderId (or the only provider).
// A tag or model rule's endpointMetadata comes with the decision (weights and default have none).
// Pure: the caller supplies the headers, the model, the sticky value and a random number.
import { Config } from "./config";
import { EndpointMetadata, NO_ENDPOINT_METADATA } from "./routing-config";
import { Provider } from "./providers/provider";
import { fnv1a32 } from "./hash";

export abstract class HeaderLookup {
  abstract get(name: string): string | null;
}

export class Decision {
  endpoint: EndpointMetadata = NO_ENDPOINT_METADATA;
  constructor(public provider: Provider, public reason: string) {}

  withEndpoint(e: EndpointMetadata): Decision {
    this.endpoint = e;
    return this;
  }

  /** The A/B label: the provider's `variant`, else its id. */
  get variant(): string {
    return this.provider.variant.length > 0 ? this.provider.variant : this.provider.id;
  }
}

/** The sticky key's bucket in [0, total). */
export function stickyBucket(key: string, total: u32): u32 {
  // Mix the FNV result so that keys differing only in their last byte spread over the range.
  let h = fnv1a32(key);
  h ^= h >>> 16;
  h *= 0x7feb352d;
  h ^= h >>> 15;
  h *= 0x846ca68b;
  h ^= h >>> 16;
  return h % total;
}

/** The weighted provider owning `bucket` (cumulative weights in config order). */
export function pickWeighted(c: Config, bucket: u32): Provider {
  let acc: u32 = 0;
  for (let i = 0; i < c.weighted.length; i++) {
    acc += <u32>c.weighted[i].weight;
    if (bucket < acc) return c.weighted[i];
  }
  return c.weighted[c.weighted.length - 1];
}

/** stickyValue "" = no sticky key on this request; random32 is used only then. */
export function decide(c: Config, headers: HeaderLookup, model: string, stickyValue: string, random32: u32): Decision {
  const r = c.routing;
  for (let i = 0; i < r.tags.length; i++) {
    const t = r.tags[i];
    const v = headers.get(t.header);
    if (v !== null && t.matches(v)) return new Decision(t.provider!, "tag").withEndpoint(t.endpoint);
  }
  if (model.length > 0) {
    for (let i = 0; i < r.models.length; i++) {
      if (r.models[i].pattern.matches(model)) return new Decision(r.models[i].provider, "model").withEndpoint(r.models[i].endpoint);
    }
  }
  if (c.weighted.length > 0) {
    const total = <u32>c.totalWeight;
    if (stickyValue.length > 0) return new Decision(pickWeighted(c, stickyBucket(stickyValue, total)), "sticky");
    return new Decision(pickWeighted(c, <u32>((<u64>random32 * <u64>total) >> 32)), "weight");
  }
  return new Decision(c.active!, "default");
}
