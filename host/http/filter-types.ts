// The types the filter manager works with: the client side (Downstream), a filter
// (StreamFilter), a filter's per-direction iteration state (FilterEntry) and what all streams of a
// worker share (StreamEnv, HcmStatNames).

import type { RouteConfiguration, StatsStore } from "../contract.ts";
import type { DataStatus, HeadersStatus, TrailersStatus } from "../enums.ts";
import type { BodyBuffer } from "./body-buffer.ts";
import type { HeaderMap } from "./header-map.ts";
import type { Dispatcher } from "../dispatcher.ts";
import type { FilterManager } from "./filter-manager.ts";

/** The stream's peer: the client (a Node response or a test recorder). */
export interface Downstream {
  sendHeaders(headers: HeaderMap, endStream: boolean): void;
  sendData(chunk: Uint8Array, endStream: boolean): void;
  sendTrailers(trailers: HeaderMap): void;
  reset(): void;
  pauseReading?(): void;
  resumeReading?(): void;
}

export interface StreamFilter {
  decodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus;
  decodeData(data: BodyBuffer, endStream: boolean): DataStatus;
  decodeTrailers(trailers: HeaderMap): TrailersStatus;
  encodeHeaders?(headers: HeaderMap, endStream: boolean): HeadersStatus;
  encodeData?(data: BodyBuffer, endStream: boolean): DataStatus;
  encodeTrailers?(trailers: HeaderMap): TrailersStatus;
  onLog?(): void;
  onDestroy?(): void;
  /** http_filters[].name, for per-route disabling (the router has none) */
  readonly filterName?: string;
}

export const enum Iter {
  Continue,
  StopSingle,
  StopAllBuffer,
  StopAllWatermark,
}

export class FilterEntry {
  iteration = Iter.Continue;
  headersContinued = false;
  iterateFromCurrent = false;
  endStream = false;
  buffered: BodyBuffer | null = null;
  /** the buffer went over the limit (the watermark callback fires once per crossing) */
  overLimit = false;
  disabled = false;
  /** the same filter's entry in the other direction */
  peer: FilterEntry | null = null;
  constructor(
    readonly filter: StreamFilter,
    readonly index: number,
    readonly encoder: boolean,
  ) {}
  stoppedAll(): boolean {
    return this.iteration === Iter.StopAllBuffer || this.iteration === Iter.StopAllWatermark;
  }
}

/** Envoy connection-manager stat names, built once per listener. */
export class HcmStatNames {
  readonly total: string;
  readonly completed: string;
  readonly tooLarge: string;
  readonly rsTooLarge: string;
  readonly byClass: string[];
  constructor(statPrefix: string) {
    const p = `http.${statPrefix}.`;
    this.total = p + "downstream_rq_total";
    this.completed = p + "downstream_rq_completed";
    this.tooLarge = p + "downstream_rq_too_large";
    this.rsTooLarge = p + "rs_too_large";
    this.byClass = [0, 1, 2, 3, 4, 5].map((c) => `${p}downstream_rq_${c}xx`);
  }
}

export interface StreamEnv {
  routes: RouteConfiguration;
  clusterKnown(name: string): boolean;
  stats: StatsStore;
  statNames: HcmStatNames;
  dispatcher: Dispatcher;
  bufferLimit: number;
  /** after the stream ended (access log) */
  onComplete(fm: FilterManager): void;
}

