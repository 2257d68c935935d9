// The response headers of an answer that replaces a held upstream response (retry, fallback,
// degrade cache, final error): the whole map is rebuilt, so nothing of the failed response stays
// (its x-request-id / request-id, x-ratelimit-* and anthropic-ratelimit-*, retry-after,
// server-timing, openai-processing-ms, x-envoy-upstream-service-time would describe an answer the
// client never gets). What goes out: `:status`, ai-proxy's own headers (content-type,
// x-ai-provider / x-ai-cache), then the served answer's own headers as its upstream sent them
// (the http_call response's, for a retry or fallback: its request id, rate limits, service time)
// minus the ones that describe the old framing: hop-by-hop headers (RFC 9110 7.6.1),
// content-length (the body differs; Envoy frames it again), and content-encoding unless the
// bytes are passed as they came. `date` and `server` are set again by Envoy's connection manager
// after the encoder filters. Pure: no host calls.
import { HeaderPair } from "../../assembly/pairs";

const DROPPED: string[] = [
  "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
  "content-length",
];

/** `own` wins over a served header of the same name; pseudo-headers of `served` are dropped. */
export function replacementHeaders(status: u32, own: HeaderPair[], served: HeaderPair[] | null, identity: bool): HeaderPair[] {
  const out: HeaderPair[] = [new HeaderPair(":status", status.toString())];
  for (let i = 0; i < own.length; i++) out.push(own[i]);
  if (served === null) return out;
  const list = served!;
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    const k = h.key.toLowerCase();
    if (k.startsWith(":") || DROPPED.includes(k)) continue;
    if (k == "content-encoding" && !identity) continue;
    if (hasKey(own, k)) continue;
    out.push(new HeaderPair(k, h.value));
  }
  return out;
}

function hasKey(list: HeaderPair[], k: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i].key == k) return true;
  return false;
}
