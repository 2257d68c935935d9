// Everything ai-proxy knows about one request, as typed fields (no string-keyed bag). Created in
// onRequestHeaders, filled by the request phase, read by the response phase and by the retry /
// fallback calls.
import { Config } from "./config";
import { Provider } from "./providers/provider";
import { ClientRequest, UpstreamRequest } from "./upstream-request";
import { StreamRelay } from "./stream-relay";

/** What on_response_body does with the upstream's bytes. */
export const enum BodyMode {
  Pass = 0, // untouched
  Drop = 1, // a retry or fallback call is answering instead
  BufferConvert = 2, // whole body, converted (non-stream answer)
  BufferError = 3, // whole body, an upstream error rewritten in the client's protocol
  BufferCache = 4, // whole body, unchanged, kept for the degrade cache
  Stream = 5, // SSE, relayed chunk by chunk
  HoldFirst = 6, // SSE with the response headers held until the first event shows success
  BufferPlainError = 7, // whole body, a non-JSON error (e.g. Envoy's own local reply) wrapped as the message
  Replace = 8, // the held response now carries `replacement`: earlier chunks emptied, it goes at the end
}

/** One upstream target: a provider, a model override ("" = its mapping) and a key index. */
export class Target {
  constructor(public provider: Provider, public model: string, public key: i32) {}
}

export class RequestState {
  cfg: Config;
  client: ClientRequest = new ClientRequest();
  /** the live upstream (the route's); null when the request passes through untouched */
  live: Target | null = null;
  liveUp: UpstreamRequest | null = null;
  variant: string = "";
  /** the upstream cluster the live request went to (xds.cluster_name), for same-provider retries */
  liveCluster: string = "";
  /** request headers are held (StopIteration) until the body is read */
  headersHeld: bool = false;
  /** the target now being tried (live, or a retry/fallback call) */
  current: Target | null = null;
  currentUp: UpstreamRequest | null = null;
  /** keys already used on the current provider */
  triedKeys: i32[] = [];
  retries: i32 = 0;
  /** next routing.fallback entry to try */
  fallbackPos: i32 = 0;
  attempts: i32 = 0;
  /** the last failed answer (for the final error when nothing else works) */
  lastStatus: u32 = 0;
  lastBody: ArrayBuffer = new ArrayBuffer(0);
  lastUp: UpstreamRequest | null = null;
  cacheHash: u64 = 0;
  cacheable: bool = false;
  // response side
  status: u32 = 0;
  /** the status the client gets for a failure (after a converter's mapping) */
  errorStatus: u32 = 0;
  mode: BodyMode = BodyMode.Pass;
  relay: StreamRelay | null = null;
  /** the final answer is settled (a local reply, or `replacement` in the held response) */
  answered: bool = false;
  /** the failed upstream response is held (StopAll) with a body still to come: the final answer
   *  replaces it in place, so filters before ai-proxy see it (a local reply would bypass them) */
  replaceHeld: bool = false;
  /** the body that replaces the held upstream body (BodyMode.Replace) */
  replacement: ArrayBuffer | null = null;
  fromCache: bool = false;

  constructor(cfg: Config) {
    this.cfg = cfg;
  }
}
