// The endpoint headers (`x-ai-endpoint-<key>: <value>`): ai-proxy's way to hand a routing rule's
// endpointMetadata to Envoy, whose header_to_metadata filter (after the wasm filters) turns them
// into "envoy.lb" metadata for the cluster's subset load balancer. Headers with the prefix are
// ours alone: a client's copies are removed first, so clients cannot pick endpoints themselves.
import { requestHeaders } from "../../assembly";
import { EndpointMetadata } from "./routing-config";

/** Removes every request header whose name starts with `prefix`. */
export function removeEndpointHeaders(prefix: string): void {
  const pairs = requestHeaders.pairs();
  for (let i = 0; i < pairs.length; i++) {
    const k = pairs[i].key;
    if (k.startsWith(prefix)) requestHeaders.remove(k);
  }
}

/** One header per key of the winning rule's endpointMetadata. */
export function setEndpointHeaders(prefix: string, e: EndpointMetadata): void {
  for (let i = 0; i < e.keys.length; i++) requestHeaders.replace(prefix + e.keys[i], e.values[i]);
}
