// The wasm HTTP filter of one stream, which is also that stream's context in the VM
// (Envoy Common::Wasm::Context decode*/encode*, cpp-host ContextBase::on* and CHECK_FAIL).
//
// - maps: request headers are readable/writable from on_request_headers until the headers phase
//   continues (Continue, or continue_stream); same for the other maps in their phase. In on_log
//   the request/response headers come back read-only.
// - header status: ContinueAndEndStream is Continue; > 4 is 4; StopIteration becomes
//   StopAllIterationAndWatermark unless allow_on_headers_stop_iteration is set or the module is a
//   Higress 0_2_100 build; send_local_response forces Stop.
// - body: with StopIterationAndBuffer the next call sees everything buffered (new chunk appended
//   first); otherwise each call sees only its chunk.
// - trap: the VM is failed; the stream gets a 503 "wasm_fail_stream" (once), or with fail_open
//   every later callback just continues.
// - route cache: a request header change clears it (ABI <= 0.2.1 always; 0_2_100 unless the
//   plugin set property clear_route_cache to "off", Higress).

import { BufferType, DataStatus, HeadersStatus, MapType, StreamType, TrailersStatus, WasmResult } from "../enums.ts";
import { BodyView, Context, EMPTY_BUFFER, type AbiBuffer, type RootContext } from "../context.ts";
import type { PluginInfo } from "../plugin-info.ts";
import type { PropertySource } from "../properties.ts";
import type { WasmVm } from "../vm.ts";
import type { BodyBuffer } from "./body-buffer.ts";
import type { HeaderMap } from "./header-map.ts";
import type { FilterEntry, FilterManager, StreamFilter } from "./filter-manager.ts";
import type { StreamInfo } from "./stream-info.ts";

type Fn = ((...a: number[]) => number) | undefined;

export class WasmStreamContext extends Context implements StreamFilter {
  readonly rootContext: RootContext;
  readonly info: PluginInfo;
  readonly fm: FilterManager;
  readonly filterName: string;
  decEntry: FilterEntry | null = null;
  encEntry: FilterEntry | null = null;

  private createdInVm = false;
  private destroyed = false;
  private streamFailed = false;
  private failureLocalReplySent = false;
  private localResponseSent = false;
  private disableClearRouteCache = false;
  private readonly allowStopIteration: boolean;

  private requestHeaders: HeaderMap | null = null;
  private requestBody: BodyBuffer | null = null;
  private bufferingRequestBody = false;
  private requestTrailers: HeaderMap | null = null;
  private responseHeaders: HeaderMap | null = null;
  private responseBody: BodyBuffer | null = null;
  private bufferingResponseBody = false;
  private responseTrailers: HeaderMap | null = null;
  private endOfStream = false;
  private logPhase = false;

  constructor(vm: WasmVm, root: RootContext, info: PluginInfo, fm: FilterManager) {
    super(vm, vm.allocContextId());
    vm.contexts.set(this.id, this);
    this.rootContext = root;
    this.info = info;
    this.fm = fm;
    this.filterName = info.filterName;
    this.allowStopIteration = info.allowOnHeadersStopIteration || vm.abi === "0_2_100";
  }

  get root(): RootContext {
    return this.rootContext;
  }
  get plugin(): PluginInfo {
    return this.info;
  }

  // ---------------------------------------------------------------------------------------------
  // Calls into the VM with cpp-host's CHECK_FAIL before and after.

  /** Returns "open"/"closed" when the VM has failed (and fails the stream once), else null. */
  private checkFail(): "open" | "closed" | null {
    if (!this.vm.failed) return null;
    if (this.info.failOpen) return "open";
    if (!this.streamFailed) {
      this.streamFailed = true;
      this.failStream();
    }
    return "closed";
  }

  private failStream(): void {
    if (this.failureLocalReplySent) return;
    this.failureLocalReplySent = true;
    this.fm.sendLocalReply(503, "", [], "wasm_fail_stream");
  }

  private onCreate(): void {
    const vm = this.vm;
    if (!vm.failed && !this.createdInVm && vm.exports.proxy_on_context_create) {
      vm.call(this, vm.exports.proxy_on_context_create, this.id, this.rootContext.id);
    }
    this.createdInVm = true;
  }

  private headersCall(fn: Fn, n: number, end: boolean): HeadersStatus {
    let f = this.checkFail();
    if (f) return f === "open" ? HeadersStatus.Continue : HeadersStatus.StopAllIterationAndWatermark;
    if (!fn) return HeadersStatus.Continue;
    const r = this.vm.call(this, fn, this.id, n, end ? 1 : 0);
    const stop = this.vm.stopNext;
    this.vm.stopNext = false;
    f = this.checkFail();
    if (f) return f === "open" ? HeadersStatus.Continue : HeadersStatus.StopAllIterationAndWatermark;
    if (stop || r > 4) return HeadersStatus.StopAllIterationAndWatermark;
    if (r === HeadersStatus.StopIteration) return this.allowStopIteration ? HeadersStatus.StopIteration : HeadersStatus.StopAllIterationAndWatermark;
    if (r === HeadersStatus.ContinueAndEndStream) return HeadersStatus.Continue;
    return r;
  }

  private dataCall(fn: Fn, n: number, end: boolean): DataStatus {
    let f = this.checkFail();
    if (f) return f === "open" ? DataStatus.Continue : DataStatus.StopIterationNoBuffer;
    if (!fn) return DataStatus.Continue;
    const r = this.vm.call(this, fn, this.id, n, end ? 1 : 0);
    const stop = this.vm.stopNext;
    this.vm.stopNext = false;
    f = this.checkFail();
    if (f) return f === "open" ? DataStatus.Continue : DataStatus.StopIterationNoBuffer;
    if (stop || r > 3) return DataStatus.StopIterationNoBuffer;
    return r;
  }

  private trailersCall(fn: Fn, n: number): TrailersStatus {
    let f = this.checkFail();
    if (f) return f === "open" ? TrailersStatus.Continue : TrailersStatus.StopIteration;
    if (!fn) return TrailersStatus.Continue;
    const r = this.vm.call(this, fn, this.id, n);
    const stop = this.vm.stopNext;
    this.vm.stopNext = false;
    f = this.checkFail();
    if (f) return f === "open" ? TrailersStatus.Continue : TrailersStatus.StopIteration;
    return stop || r > 1 ? TrailersStatus.StopIteration : r;
  }

  // ---------------------------------------------------------------------------------------------
  // StreamFilter

  decodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    this.onCreate();
    this.requestHeaders = headers;
    this.endOfStream = endStream;
    const s = this.headersCall(this.vm.exports.proxy_on_request_headers, headers.size, endStream);
    if (s === HeadersStatus.Continue) this.requestHeaders = null;
    return s;
  }

  decodeData(data: BodyBuffer, endStream: boolean): DataStatus {
    if (!this.createdInVm) return DataStatus.Continue;
    if (this.bufferingRequestBody) {
      this.fm.addData(this.decEntry!, data);
      if (this.fm.dec.aborted) return DataStatus.StopIterationAndBuffer; // 413 sent
    }
    this.requestBody = data;
    this.endOfStream = endStream;
    const size = this.getBuffer(BufferType.HttpRequestBody)!.length;
    const s = this.dataCall(this.vm.exports.proxy_on_request_body, size, endStream);
    this.bufferingRequestBody = false;
    if (s === DataStatus.Continue) this.requestBody = null;
    else if (s === DataStatus.StopIterationAndBuffer) this.bufferingRequestBody = true;
    return s;
  }

  decodeTrailers(trailers: HeaderMap): TrailersStatus {
    if (!this.createdInVm) return TrailersStatus.Continue;
    this.requestTrailers = trailers;
    const s = this.trailersCall(this.vm.exports.proxy_on_request_trailers, trailers.size);
    if (s === TrailersStatus.Continue) this.requestTrailers = null;
    return s;
  }

  encodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    if (!this.createdInVm || this.failureLocalReplySent) return HeadersStatus.Continue;
    this.responseHeaders = headers;
    this.endOfStream = endStream;
    const s = this.headersCall(this.vm.exports.proxy_on_response_headers, headers.size, endStream);
    if (s === HeadersStatus.Continue) this.responseHeaders = null;
    return s;
  }

  encodeData(data: BodyBuffer, endStream: boolean): DataStatus {
    if (!this.createdInVm || this.failureLocalReplySent) return DataStatus.Continue;
    if (this.bufferingResponseBody) {
      this.fm.addData(this.encEntry!, data);
      if (this.fm.enc.aborted || this.fm.ended) return DataStatus.StopIterationAndBuffer; // 500 or reset
    }
    this.responseBody = data;
    this.endOfStream = endStream;
    const size = this.getBuffer(BufferType.HttpResponseBody)!.length;
    const s = this.dataCall(this.vm.exports.proxy_on_response_body, size, endStream);
    this.bufferingResponseBody = false;
    if (s === DataStatus.Continue) this.responseBody = null;
    else if (s === DataStatus.StopIterationAndBuffer) this.bufferingResponseBody = true;
    return s;
  }

  encodeTrailers(trailers: HeaderMap): TrailersStatus {
    if (!this.createdInVm || this.failureLocalReplySent) return TrailersStatus.Continue;
    this.responseTrailers = trailers;
    const s = this.trailersCall(this.vm.exports.proxy_on_response_trailers, trailers.size);
    if (s === TrailersStatus.Continue) this.responseTrailers = null;
    return s;
  }

  /** Envoy Context::log: creates the VM context if the stream never reached this filter. */
  onLog(): void {
    if (!this.createdInVm) this.onCreate();
    this.logPhase = true;
    try {
      if (!this.vm.failed) this.vm.call(this, this.vm.exports.proxy_on_log, this.id);
    } finally {
      this.logPhase = false;
    }
  }

  /** Envoy Context::onDestroy: on_done then on_delete, then the context is gone. */
  onDestroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const vm = this.vm;
    if (this.createdInVm) {
      if (!vm.failed) vm.call(this, vm.exports.proxy_on_done, this.id);
      if (!vm.failed) vm.call(this, vm.exports.proxy_on_delete, this.id);
    }
    vm.contexts.delete(this.id);
  }

  // ---------------------------------------------------------------------------------------------
  // ABI surface

  get accessLogPhase(): boolean {
    return this.logPhase;
  }

  getMap(type: MapType): HeaderMap | null {
    switch (type) {
      case MapType.RequestHeaders:
        return this.requestHeaders;
      case MapType.RequestTrailers:
        if (!this.requestTrailers && this.requestBody && this.endOfStream) this.requestTrailers = this.fm.addTrailers(false);
        return this.requestTrailers;
      case MapType.ResponseHeaders:
        return this.responseHeaders;
      case MapType.ResponseTrailers:
        if (!this.responseTrailers && this.responseBody && this.endOfStream) this.responseTrailers = this.fm.addTrailers(true);
        return this.responseTrailers;
      default:
        return null;
    }
  }

  getConstMap(type: MapType): HeaderMap | null {
    const log = this.logPhase;
    switch (type) {
      case MapType.RequestHeaders:
        return log ? this.fm.requestHeaders : this.requestHeaders;
      case MapType.RequestTrailers:
        return log ? null : this.requestTrailers;
      case MapType.ResponseHeaders:
        return log ? this.fm.responseHeaders : this.responseHeaders;
      case MapType.ResponseTrailers:
        return log ? this.fm.responseTrailers : this.responseTrailers;
      default:
        return super.getConstMap(type);
    }
  }

  headersModified(type: MapType): void {
    if (type !== MapType.RequestHeaders) return;
    if (this.vm.abi === "0_2_100" && this.disableClearRouteCache) return;
    this.fm.clearRouteCache();
  }

  clearRouteCache(): void {
    this.fm.clearRouteCache();
  }

  getBuffer(type: BufferType): AbiBuffer | null {
    switch (type) {
      case BufferType.HttpRequestBody:
        if (this.bufferingRequestBody && this.decEntry?.buffered) return new BodyView(this.decEntry.buffered);
        return this.requestBody ? new BodyView(this.requestBody) : EMPTY_BUFFER;
      case BufferType.HttpResponseBody:
        if (this.bufferingResponseBody && this.encEntry?.buffered) return new BodyView(this.encEntry.buffered);
        return this.responseBody ? new BodyView(this.responseBody) : EMPTY_BUFFER;
      default:
        return super.getBuffer(type);
    }
  }

  streamInfo(): StreamInfo {
    return this.fm.info;
  }

  /** One object per stream, refreshed per lookup (plugins read several properties per request). */
  private props: PropertySource | null = null;

  propertySource(): PropertySource {
    const log = this.logPhase;
    let p = this.props;
    if (p === null) {
      p = { info: this.fm.info, requestHeaders: null, responseHeaders: null, responseTrailers: null, plugin: this.info, rootId: this.info.rootId, vmId: this.vm.vmId };
      this.props = p;
    }
    p.info = this.fm.info;
    p.requestHeaders = log ? this.fm.requestHeaders : this.requestHeaders;
    p.responseHeaders = log ? this.fm.responseHeaders : this.responseHeaders;
    p.responseTrailers = log ? this.fm.responseTrailers : this.responseTrailers;
    return p;
  }

  /**
   * Envoy Context::continueStream: the continue itself runs after the current callback; the
   * request maps are dropped at once (Envoy drops the *request* maps for a Response continue too).
   */
  continueStream(type: number): WasmResult {
    if (type === StreamType.Request) {
      const e = this.decEntry;
      if (e) this.fm.env.dispatcher.post(() => this.fm.continueDecoding(e));
    } else if (type === StreamType.Response) {
      const e = this.encEntry;
      if (e) this.fm.env.dispatcher.post(() => this.fm.continueEncoding(e));
    } else if (type === StreamType.Downstream) {
      return WasmResult.Ok;
    } else if (type === StreamType.Upstream) {
      return WasmResult.Unimplemented;
    } else {
      return WasmResult.BadArgument;
    }
    this.requestHeaders = null;
    this.requestBody = null;
    this.requestTrailers = null;
    return WasmResult.Ok;
  }

  closeStream(type: number): WasmResult {
    if (type === StreamType.Request || type === StreamType.Response) {
      if (this.fm.info.responseCodeDetails === null) this.fm.info.responseCodeDetails = "wasm_close_stream";
      this.fm.env.dispatcher.post(() => this.fm.resetStream());
      return WasmResult.Ok;
    }
    return type > StreamType.Upstream ? WasmResult.BadArgument : WasmResult.Ok;
  }

  sendLocalResponse(code: number, body: Uint8Array, headers: [string, string][], _grpc: number, details: string): WasmResult {
    // Higress (H-1.27): a second local reply from the same context is refused.
    if (this.localResponseSent) return WasmResult.BadArgument;
    this.localResponseSent = true;
    const d = details.replace(/\s/g, "_");
    this.fm.env.dispatcher.post(() => this.fm.sendLocalReply(code, body, headers, d));
    return WasmResult.Ok;
  }

  setProperty(path: string, value: Uint8Array): WasmResult {
    if (this.vm.abi === "0_2_100") {
      // Higress: per-plugin, per-request switches.
      const v = Buffer.from(value).toString("latin1");
      if (path === "clear_route_cache") {
        this.disableClearRouteCache = v === "off";
        return WasmResult.Ok;
      }
      if (path === "set_decoder_buffer_limit" || path === "set_encoder_buffer_limit") {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) return WasmResult.BadArgument;
        this.fm.bufferLimit = Math.max(this.fm.bufferLimit, n);
        return WasmResult.Ok;
      }
    }
    this.fm.info.filterState.set("wasm." + path, value);
    return WasmResult.Ok;
  }
}
