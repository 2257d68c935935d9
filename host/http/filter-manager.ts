// One HTTP stream through the filter chain: Envoy's FilterManager (source/common/http/
// filter_manager.cc) reduced to what a chain of wasm filters followed by the router needs.
//
// Decoding runs the filters in order, the router last; encoding runs them in reverse order.
// For each filter and direction it keeps Envoy's iteration state:
// - headers: Continue goes on; StopIteration stops headers only (body still reaches this filter);
//   StopAllIterationAndBuffer/Watermark stop everything: later data and trailers are buffered
//   at this filter and delivered to it (iterate_from_current_filter) when it continues;
// - data: Continue passes the chunk on (or, if this filter had stopped, continues with what it
//   buffered); StopIterationAndBuffer/Watermark move the chunk into this filter's buffer;
//   StopIterationNoBuffer drops it;
// - buffer limit: over the limit a Buffer-mode buffer sends 413 (request) or 500 (response, or a
//   reset once response headers went out); a Watermark-mode buffer only pauses reading.
// Local replies enter the encoder chain at its start when no response has started, go straight
// to the client when one has started but no header reached the client, and reset the stream
// otherwise. The stream ends when the response ends or the client goes away: on_log for every
// filter, then on_done/on_delete for each, then the access log.
// (Over 400 lines on purpose: the iteration rules only make sense read together.)

import type { HeaderList } from "../contract.ts";
import { DataStatus, HeadersStatus, TrailersStatus } from "../enums.ts";
import { BodyBuffer } from "./body-buffer.ts";
import { HeaderMap } from "./header-map.ts";
import { CODE_TEXT, localReplyHeaders } from "./local-reply.ts";
import { matchRoute, routeClusterName } from "./route-match.ts";
import type { MatchedRoute, StreamInfo } from "./stream-info.ts";
import { FilterEntry, Iter, type Downstream, type StreamEnv, type StreamFilter } from "./filter-types.ts";

export { FilterEntry, HcmStatNames, type Downstream, type StreamEnv, type StreamFilter } from "./filter-types.ts";

/** One direction's shared state (Envoy keeps these per direction too). */
class Direction {
  headers: HeaderMap | null = null;
  trailers: HeaderMap | null = null;
  /** end of stream entered this direction's chain (remote_decode_complete / local_complete) */
  complete = false;
  /** last buffering mode was Watermark (flow control instead of 413/500) */
  streaming = false;
  aborted = false;
  constructor(readonly entries: FilterEntry[]) {}
}

export class FilterManager {
  readonly info: StreamInfo;
  readonly env: StreamEnv;
  readonly dec: Direction;
  readonly enc: Direction;
  private filters: StreamFilter[] = [];
  private cachedRoute: MatchedRoute | null | undefined = undefined;
  private cachedCluster = "";
  /** the router picked its cluster: later cache clears change nothing */
  routeFrozen = false;
  bufferLimit: number;
  /** a response header reached the client (Envoy non_100_response_headers_encoded_) */
  responseHeadersSent = false;
  localReplySent = false;
  ended = false;
  destroyed = false;
  private paused = false;

  constructor(
    info: StreamInfo,
    env: StreamEnv,
    readonly downstream: Downstream,
  ) {
    this.info = info;
    this.env = env;
    this.bufferLimit = env.bufferLimit;
    this.dec = new Direction([]);
    this.enc = new Direction([]);
  }

  /** Decoder order = filters order; the encoder chain is the same filters reversed. */
  setFilters(filters: StreamFilter[]): void {
    this.filters = filters;
    for (let i = 0; i < filters.length; i++) this.dec.entries.push(new FilterEntry(filters[i], i, false));
    for (let i = filters.length - 1; i >= 0; i--) {
      if (!filters[i].encodeHeaders) continue;
      const e = new FilterEntry(filters[i], this.enc.entries.length, true);
      e.peer = this.dec.entries[i];
      this.dec.entries[i].peer = e;
      this.enc.entries.push(e);
    }
  }

  get requestHeaders(): HeaderMap | null {
    return this.dec.headers;
  }
  get responseHeaders(): HeaderMap | null {
    return this.enc.headers;
  }
  get responseTrailers(): HeaderMap | null {
    return this.enc.trailers;
  }

  // ---------------------------------------------------------------------------------------------
  // Route cache

  route(): MatchedRoute | null {
    if (this.cachedRoute === undefined) {
      const h = this.dec.headers;
      const r = h ? matchRoute(this.env.routes, h) : null;
      this.cachedRoute = r;
      this.info.route = r;
      // cluster_header is resolved at match time (config_impl.cc pickClusterViaClusterHeader).
      this.cachedCluster = r && h ? routeClusterName(r.route, h) : "";
      this.info.clusterName = this.cachedCluster && this.env.clusterKnown(this.cachedCluster) ? this.cachedCluster : null;
    }
    return this.cachedRoute;
  }

  /** The cluster of the cached route ("" when none or when its cluster_header was missing). */
  routeCluster(): string {
    this.route();
    return this.cachedCluster;
  }

  clearRouteCache(): void {
    if (!this.routeFrozen) this.cachedRoute = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // From the client

  decodeHeaders(headers: HeaderMap, endStream: boolean): void {
    this.dec.headers = headers;
    this.dec.complete = endStream;
    if (endStream) this.info.requestCompleteMono = performance.now();
    this.route();
    this.iterateHeaders(this.dec, 0, endStream);
  }

  decodeData(chunk: Uint8Array, endStream: boolean): void {
    if (this.ended || this.dec.aborted) return;
    this.info.bytesReceived += chunk.length;
    this.dec.complete = endStream;
    if (endStream) this.info.requestCompleteMono = performance.now();
    this.iterateData(this.dec, 0, new BodyBuffer(chunk), endStream);
  }

  decodeTrailers(trailers: HeaderMap): void {
    if (this.ended || this.dec.aborted) return;
    this.dec.trailers = trailers;
    this.dec.complete = true;
    this.info.requestCompleteMono = performance.now();
    this.iterateTrailers(this.dec, 0);
  }

  /** Client went away: no more callbacks except the end of the stream. */
  downstreamReset(): void {
    if (this.ended) return;
    this.info.setResponseFlag("DownstreamConnectionTermination");
    if (this.info.responseCodeDetails === null) this.info.responseCodeDetails = "downstream_remote_disconnect";
    this.finish();
  }

  // ---------------------------------------------------------------------------------------------
  // From the router (start of the encoder chain)

  encodeHeaders(headers: HeaderMap, endStream: boolean): void {
    if (this.ended || this.enc.aborted) return;
    this.enc.headers = headers;
    this.enc.complete = endStream;
    this.iterateHeaders(this.enc, 0, endStream);
  }

  encodeData(chunk: Uint8Array, endStream: boolean): void {
    if (this.ended || this.enc.aborted) return;
    this.enc.complete = endStream;
    this.iterateData(this.enc, 0, new BodyBuffer(chunk), endStream);
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (this.ended || this.enc.aborted) return;
    this.enc.trailers = trailers;
    this.enc.complete = true;
    this.iterateTrailers(this.enc, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration (Envoy decodeHeaders/decodeData/decodeTrailers and the encode counterparts)

  private stopped(d: Direction): boolean {
    return this.ended || d.aborted;
  }

  private isDisabled(e: FilterEntry): boolean {
    const name = e.filter.filterName;
    if (name === undefined) return false;
    const disabled = this.route()?.route.disabledFilters;
    return disabled !== undefined && disabled.includes(name);
  }

  private iterateHeaders(d: Direction, start: number, endStream: boolean): void {
    const entries = d.entries;
    for (let i = start; i < entries.length; i++) {
      const e = entries[i];
      if (!e.encoder && !e.headersContinued && e.iteration === Iter.Continue && this.isDisabled(e)) {
        e.disabled = true;
        if (e.peer) e.peer.disabled = true;
      }
      if (e.disabled) {
        e.headersContinued = true;
        continue;
      }
      e.endStream = endStream;
      const status = e.encoder ? e.filter.encodeHeaders!(d.headers!, endStream) : e.filter.decodeHeaders(d.headers!, endStream);
      if (this.stopped(d)) return;
      switch (status) {
        case HeadersStatus.StopIteration:
          e.iteration = Iter.StopSingle;
          return;
        case HeadersStatus.StopAllIterationAndBuffer:
          e.iteration = Iter.StopAllBuffer;
          return;
        case HeadersStatus.StopAllIterationAndWatermark:
          e.iteration = Iter.StopAllWatermark;
          return;
        default:
          e.headersContinued = true;
      }
    }
    if (d === this.enc) this.sendHeadersToClient(d.headers!, endStream);
  }

  private iterateData(d: Direction, start: number, data: BodyBuffer, endStream: boolean): void {
    const entries = d.entries;
    for (let i = start; i < entries.length; i++) {
      const e = entries[i];
      if (e.disabled) continue;
      if (e.stoppedAll()) {
        e.iterateFromCurrent = true;
        this.bufferAt(d, e, data, e.iteration === Iter.StopAllWatermark);
        return;
      }
      if (e.endStream) return; // this filter already saw the end of the stream
      e.endStream = endStream;
      const status = e.encoder ? e.filter.encodeData!(data, endStream) : e.filter.decodeData(data, endStream);
      if (this.stopped(d)) return;
      if (status === DataStatus.Continue) {
        if (e.iteration === Iter.StopSingle) {
          this.bufferAt(d, e, data, d.streaming);
          this.continueAt(d, e);
          return;
        }
        continue;
      }
      e.iteration = Iter.StopSingle;
      if (status === DataStatus.StopIterationAndBuffer || status === DataStatus.StopIterationAndWatermark) {
        this.bufferAt(d, e, data, status === DataStatus.StopIterationAndWatermark);
      } else if (d.complete && !d.trailers && !e.buffered) {
        // NoBuffer at the end of the stream: keep an empty buffer so that continuing sends
        // an end-of-stream data frame.
        e.buffered = new BodyBuffer();
      }
      return;
    }
    if (d === this.enc) this.sendDataToClient(data, endStream);
  }

  private iterateTrailers(d: Direction, start: number): void {
    const entries = d.entries;
    for (let i = start; i < entries.length; i++) {
      const e = entries[i];
      if (e.disabled) continue;
      if (e.stoppedAll()) {
        e.iterateFromCurrent = true;
        return;
      }
      const status = e.encoder ? e.filter.encodeTrailers!(d.trailers!) : e.filter.decodeTrailers(d.trailers!);
      if (this.stopped(d)) return;
      if (status === TrailersStatus.StopIteration) {
        e.iteration = Iter.StopSingle;
        return;
      }
      if (e.iteration === Iter.StopSingle) {
        this.continueAt(d, e);
        return;
      }
    }
    if (d === this.enc) this.sendTrailersToClient(d.trailers!);
  }

  /** Envoy commonHandleBufferData + the watermark buffer's high-watermark callback. */
  private bufferAt(d: Direction, e: FilterEntry, data: BodyBuffer, streaming: boolean): void {
    d.streaming = streaming;
    if (e.buffered !== data) {
      if (!e.buffered) e.buffered = new BodyBuffer();
      e.buffered.move(data);
    }
    if (!e.overLimit && e.buffered.length > this.bufferLimit) {
      e.overLimit = true;
      this.aboveLimit(d);
    }
  }

  /** addDecodedData / addEncodedData from a filter that buffers in its own data callback. */
  addData(e: FilterEntry, data: BodyBuffer): void {
    const d = e.encoder ? this.enc : this.dec;
    this.bufferAt(d, e, data, false);
  }

  private aboveLimit(d: Direction): void {
    if (d.streaming) {
      if (d === this.dec && !this.paused) {
        this.paused = true;
        this.downstream.pauseReading?.();
      }
      return;
    }
    if (d === this.dec) {
      this.env.stats.inc(this.env.statNames.tooLarge);
      this.sendLocalReply(413, CODE_TEXT[413], [], "request_payload_too_large");
    } else {
      this.env.stats.inc(this.env.statNames.rsTooLarge);
      this.sendLocalReply(500, CODE_TEXT[500], [], "response_payload_too_large");
    }
  }

  /** continueDecoding / continueEncoding from filter entry e (Envoy commonContinue). */
  continueAt(d: Direction, e: FilterEntry): void {
    if (this.stopped(d)) return;
    if (e.iteration === Iter.Continue && e.headersContinued) return; // nothing is held here
    if (e.stoppedAll()) e.iterateFromCurrent = true;
    e.iteration = Iter.Continue;
    if (!e.headersContinued) {
      e.headersContinued = true;
      this.iterateHeaders(d, e.index + 1, d.complete && !e.buffered && !d.trailers);
      if (this.stopped(d)) return;
    }
    const hadTrailers = d.trailers !== null;
    if (e.buffered) {
      const from = e.iterateFromCurrent ? e.index : e.index + 1;
      if (from === e.index) e.endStream = false; // the data is (re)delivered to this filter
      this.iterateData(d, from, e.buffered, d.complete && !hadTrailers);
      if (this.stopped(d)) return;
      if (e.buffered.length <= this.bufferLimit) e.overLimit = false;
    }
    if (hadTrailers) this.iterateTrailers(d, e.iterateFromCurrent ? e.index : e.index + 1);
    e.iterateFromCurrent = false;
    if (d === this.dec && this.paused) {
      this.paused = false;
      this.downstream.resumeReading?.();
    }
  }

  continueDecoding(e: FilterEntry): void {
    this.continueAt(this.dec, e);
  }
  continueEncoding(e: FilterEntry): void {
    this.continueAt(this.enc, e);
  }

  /** Request trailers a filter adds in its last data callback (Envoy addDecodedTrailers). */
  addTrailers(encoder: boolean): HeaderMap {
    const d = encoder ? this.enc : this.dec;
    if (!d.trailers) d.trailers = new HeaderMap();
    return d.trailers;
  }

  // ---------------------------------------------------------------------------------------------
  // To the client

  private sendHeadersToClient(headers: HeaderMap, endStream: boolean): void {
    if (this.ended) return;
    this.responseHeadersSent = true;
    const status = Number(headers.get(":status") ?? 0);
    this.info.responseCode = status;
    if (status >= 100 && status < 600) this.env.stats.inc(this.env.statNames.byClass[Math.floor(status / 100)]);
    this.downstream.sendHeaders(headers, endStream);
    if (endStream) this.responseEnded();
  }

  private sendDataToClient(data: BodyBuffer, endStream: boolean): void {
    if (this.ended) return;
    const chunk = data.take();
    if (chunk.length === 0 && !endStream) return;
    this.info.bytesSent += chunk.length;
    this.downstream.sendData(chunk, endStream);
    if (endStream) this.responseEnded();
  }

  private sendTrailersToClient(trailers: HeaderMap): void {
    if (this.ended) return;
    this.downstream.sendTrailers(trailers);
    this.responseEnded();
  }

  private responseEnded(): void {
    this.env.dispatcher.post(this);
  }

  // ---------------------------------------------------------------------------------------------
  // Local replies and resets

  sendLocalReply(code: number, body: string | Uint8Array, extra: HeaderList, details: string): void {
    if (this.ended) return;
    this.localReplySent = true;
    this.info.responseCodeDetails = details;
    this.dec.aborted = true; // the request side is done with
    const bytes = typeof body === "string" ? Buffer.from(body, "latin1") : body;
    const isHead = this.dec.headers?.get(":method") === "HEAD";
    const headers = new HeaderMap(localReplyHeaders(code, bytes.length, extra));
    if (this.enc.headers === null) {
      // No response yet: through the encoder chain from its start.
      this.info.responseCode = code;
      this.enc.aborted = false;
      this.enc.headers = headers;
      const headersOnly = bytes.length === 0 || isHead;
      this.enc.complete = headersOnly;
      this.iterateHeaders(this.enc, 0, headersOnly);
      if (!headersOnly && !this.stopped(this.enc)) {
        this.enc.complete = true;
        this.iterateData(this.enc, 0, new BodyBuffer(bytes), true);
      }
    } else if (!this.responseHeadersSent) {
      // A response started through the filters but nothing reached the client: straight out.
      this.enc.aborted = true;
      this.info.responseCode = code;
      this.responseHeadersSent = true;
      const headersOnly = bytes.length === 0 || isHead;
      this.downstream.sendHeaders(headers, headersOnly);
      if (!headersOnly) {
        this.info.bytesSent += bytes.length;
        this.downstream.sendData(bytes, true);
      }
      this.responseEnded();
    } else {
      this.resetStream();
    }
  }

  /** Resets the client stream (after response headers went out, or close_stream). */
  resetStream(): void {
    if (this.ended) return;
    this.dec.aborted = true;
    this.enc.aborted = true;
    this.info.setResponseFlag("LocalReset");
    this.downstream.reset();
    this.env.dispatcher.post(this);
  }

  /** End of stream: on_log for every filter, then on_done/on_delete for each (Envoy order). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.dec.aborted = true;
    this.enc.aborted = true;
    this.env.stats.inc(this.env.statNames.completed);
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i].onLog?.();
    for (let i = 0; i < filters.length; i++) filters[i].onDestroy?.();
    this.destroyed = true;
    this.env.onComplete(this);
  }
}
