// The router filter, last in the decoder chain (Envoy source/common/router/router.cc), streaming:
// request body chunks go upstream as they come through the filters, response chunks go back
// through the encoder chain as they arrive.
// - no route: 404 "route_not_found" (flag NR); direct_response: that reply;
// - cluster from the route (cluster_header resolved now, after any route cache clear); unknown
//   or missing: cluster_not_found_response_code (default 503), "cluster_not_found" (flag NC);
// - prefix_rewrite (+ x-envoy-original-path), host_rewrite_literal; x-envoy-expected-rq-timeout-ms
//   when a timeout applies;
// - the route timeout (default 15 s, 0 = none) starts when the request is complete: no response
//   headers yet -> 504 "upstream request timeout" (flag UT), otherwise the stream is reset;
// - an upstream failure before response headers -> 503 "upstream connect error or disconnect/
//   reset before headers. reset reason: ..."; after them -> the client stream is reset;
// - header_to_metadata filters configured right before the router run first (they always
//   continue, so running them here is the same as a separate filter); the load balancer gets
//   the route's metadata_match merged with the stream's "envoy.lb" dynamic metadata, the
//   request's keys winning (router.h metadataMatchCriteria); no host chosen -> 503
//   "no healthy upstream" (flag UH, details no_healthy_upstream: sendNoHealthyUpstreamResponse).

import type {
  ClusterManager, HeaderList, HeaderToMetadataConfig, MetadataMatchCriteria, UpstreamCallbacks, UpstreamFailure, UpstreamRequest,
} from "../contract.ts";
import { DataStatus, HeadersStatus, TrailersStatus } from "../enums.ts";
import { DEFAULT_ROUTE_TIMEOUT_MS } from "../limits.ts";
import type { Clock } from "../contract.ts";
import type { BodyBuffer } from "./body-buffer.ts";
import { HeaderMap } from "./header-map.ts";
import type { FilterManager, StreamFilter } from "./filter-manager.ts";
import { upstreamResetBody, upstreamResetDetails } from "./local-reply.ts";
import { applyHeaderToMetadata } from "./header-to-metadata.ts";

const ENVOY_LB = "envoy.lb";

const EMPTY = new Uint8Array(0);

const FAILURE_FLAG = {
  connect: "UpstreamConnectionFailure",
  reset: "UpstreamConnectionTermination",
  timeout: "UpstreamConnectionFailure",
  overflow: "UpstreamOverflow",
  no_healthy_upstream: "NoHealthyUpstream",
} as const;

export class Router implements StreamFilter, UpstreamCallbacks {
  private upstream: UpstreamRequest | null = null;
  private timer: unknown = null;
  private timeoutMs = DEFAULT_ROUTE_TIMEOUT_MS;
  private gotHeaders = false;
  private upstreamDone = false;
  private started = 0;
  cluster = "";

  constructor(
    private readonly fm: FilterManager,
    private readonly clusters: ClusterManager,
    private readonly clock: Clock,
    private readonly headerToMetadata?: HeaderToMetadataConfig[],
  ) {}

  decodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    const fm = this.fm;
    if (this.headerToMetadata) this.runHeaderToMetadata(headers);
    const matched = fm.route();
    fm.routeFrozen = true;
    if (!matched) {
      fm.info.setResponseFlag("NoRouteFound");
      fm.sendLocalReply(404, "", [], "route_not_found");
      return HeadersStatus.StopIteration;
    }
    const route = matched.route;
    if (route.directResponse) {
      fm.sendLocalReply(route.directResponse.status, route.directResponse.body ?? "", [], "direct_response");
      return HeadersStatus.StopIteration;
    }
    const action = route.route!;
    const cluster = fm.routeCluster();
    if (!cluster || !this.clusters.has(cluster)) {
      fm.info.setResponseFlag("NoClusterFound");
      fm.sendLocalReply(action.clusterNotFoundResponseCode ?? 503, "", [], "cluster_not_found");
      return HeadersStatus.StopIteration;
    }
    this.cluster = cluster;
    fm.info.clusterName = cluster;
    fm.info.upstreamStarted = true;
    this.timeoutMs = action.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;

    const up = headers.clone();
    if (action.prefixRewrite !== undefined && route.match.prefix !== undefined) {
      const path = up.get(":path") ?? "/";
      if (path.startsWith(route.match.prefix)) {
        up.set(":path", action.prefixRewrite + path.slice(route.match.prefix.length));
        up.set("x-envoy-original-path", path); // finalizeRequestHeaders, Envoy headers not suppressed
      }
    }
    if (action.hostRewriteLiteral !== undefined) up.set(":authority", action.hostRewriteLiteral);
    if (this.timeoutMs > 0) up.set("x-envoy-expected-rq-timeout-ms", String(this.timeoutMs));

    this.started = performance.now();
    this.upstream = this.clusters.request(cluster, up.toList(), this, this.metadataMatch(action.metadataMatch));
    if (endStream && this.upstream) {
      this.upstream.write(EMPTY, true);
      this.requestComplete();
    }
    return HeadersStatus.StopIteration;
  }

  private runHeaderToMetadata(headers: HeaderMap): void {
    const disabled = this.fm.route()?.route.disabledFilters;
    for (const cfg of this.headerToMetadata!) {
      if (disabled !== undefined && disabled.includes(cfg.filterName)) continue;
      applyHeaderToMetadata(cfg, headers, this.fm.info);
    }
  }

  /** The route's criteria with the request's envoy.lb dynamic metadata over them; null = none. */
  private metadataMatch(route: MetadataMatchCriteria | undefined): MetadataMatchCriteria | null {
    const request = this.fm.info.dynamicMetadata?.get(ENVOY_LB);
    if (request === undefined) return route ?? null;
    return route ? { ...route, ...request } : request;
  }

  decodeData(data: BodyBuffer, endStream: boolean): DataStatus {
    if (this.upstream && !this.upstreamDone) {
      const chunk = data.take();
      if (chunk.length > 0 || endStream) this.upstream.write(chunk, endStream);
      if (endStream) this.requestComplete();
    } else {
      data.take();
    }
    return DataStatus.StopIterationNoBuffer;
  }

  decodeTrailers(): TrailersStatus {
    // The contract's upstream has no trailers: the request ends here.
    if (this.upstream && !this.upstreamDone) {
      this.upstream.write(EMPTY, true);
      this.requestComplete();
    }
    return TrailersStatus.StopIteration;
  }

  private requestComplete(): void {
    if (this.timeoutMs > 0 && this.timer === null && !this.upstreamDone) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.fm.env.dispatcher.event(() => this.onTimeout());
      }, this.timeoutMs);
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private onTimeout(): void {
    if (this.upstreamDone || this.fm.ended) return;
    this.upstreamDone = true;
    this.upstream?.abort();
    const fm = this.fm;
    fm.info.setResponseFlag("UpstreamRequestTimeout");
    fm.env.stats.inc(`cluster.${this.cluster}.upstream_rq_timeout`);
    if (this.gotHeaders) fm.resetStream();
    else fm.sendLocalReply(504, "upstream request timeout", [], "upstream_response_timeout");
  }

  // ---- UpstreamCallbacks: each one is an event on this stream's worker (queued if the worker
  // is busy, e.g. a cluster answering inside request()) ----

  onHeaders(list: HeaderList, end: boolean): void {
    const d = this.fm.env.dispatcher;
    if (d.busy) return d.post(() => this.onHeaders(list, end));
    d.enter();
    try {
      this.onUpstreamHeaders(list, end);
    } finally {
      d.exit();
    }
  }

  onData(chunk: Uint8Array, end: boolean): void {
    const d = this.fm.env.dispatcher;
    if (d.busy) return d.post(() => this.onData(chunk, end));
    d.enter();
    try {
      this.onUpstreamData(chunk, end);
    } finally {
      d.exit();
    }
  }

  onTrailers(list: HeaderList): void {
    const d = this.fm.env.dispatcher;
    if (d.busy) return d.post(() => this.onTrailers(list));
    d.enter();
    try {
      this.onUpstreamTrailers(list);
    } finally {
      d.exit();
    }
  }

  onFailure(reason: UpstreamFailure, detail: string): void {
    const d = this.fm.env.dispatcher;
    if (d.busy) return d.post(() => this.onFailure(reason, detail));
    d.enter();
    try {
      this.onUpstreamFailure(reason, detail);
    } finally {
      d.exit();
    }
  }

  private onUpstreamHeaders(list: [string, string][], end: boolean): void {
    if (this.upstreamDone || this.fm.ended) return;
    this.gotHeaders = true;
    const headers = new HeaderMap(list);
    headers.append("x-envoy-upstream-service-time", String(Math.round(performance.now() - this.started)));
    const fm = this.fm;
    fm.info.responseCode = Number(headers.get(":status") ?? 0);
    fm.info.responseCodeDetails = "via_upstream";
    if (end) this.finishUpstream();
    fm.encodeHeaders(headers, end);
  }

  private onUpstreamData(chunk: Uint8Array, end: boolean): void {
    if (this.upstreamDone || this.fm.ended) return;
    if (end) this.finishUpstream();
    this.fm.encodeData(chunk, end);
  }

  private onUpstreamTrailers(list: [string, string][]): void {
    if (this.upstreamDone || this.fm.ended) return;
    this.finishUpstream();
    this.fm.encodeTrailers(new HeaderMap(list));
  }

  private onUpstreamFailure(reason: UpstreamFailure, _detail: string): void {
    if (this.upstreamDone || this.fm.ended) return;
    this.upstreamDone = true;
    this.clearTimer();
    const fm = this.fm;
    fm.info.setResponseFlag(FAILURE_FLAG[reason]);
    if (this.gotHeaders) {
      fm.info.responseCodeDetails = "upstream_reset_after_response_started{" + upstreamResetDetails(reason).split("{")[1];
      fm.resetStream();
    } else {
      fm.sendLocalReply(503, upstreamResetBody(reason), [], upstreamResetDetails(reason));
    }
  }

  private finishUpstream(): void {
    this.upstreamDone = true;
    this.clearTimer();
  }

  onDestroy(): void {
    this.clearTimer();
    if (this.upstream && !this.upstreamDone) {
      this.upstreamDone = true;
      this.upstream.abort();
    }
  }
}
