// Contexts: what every proxy_* call acts on (cpp-host ContextBase, Envoy Common::Wasm::Context).
// - Context: the ABI surface with the answers a context without a stream gives;
// - RootContext: one per (VM, root_id); owns ticks, http/redis calls and their responses;
// - the stream context (one per wasm filter per stream) lives in http/wasm-filter.ts.

import { BufferType, MapType, WasmResult } from "./enums.ts";
import type { HeaderMap } from "./http/header-map.ts";
import type { BodyBuffer } from "./http/body-buffer.ts";
import type { StreamInfo } from "./http/stream-info.ts";
import type { WasmVm } from "./vm.ts";
import type { PluginInfo } from "./plugin-info.ts";
import type { PropertySource } from "./properties.ts";

/** A buffer as proxy_get/set_buffer_bytes see it. */
export interface AbiBuffer {
  readonly length: number;
  copyOut(start: number, len: number, dest: Uint8Array, destOff: number): void;
  /** proxy_set_buffer_bytes(start, length, data) */
  copyFrom(start: number, length: number, data: Uint8Array): WasmResult;
}

/** Read-only bytes (configuration, http call response body): writes are BadArgument. */
export class ConstBuffer implements AbiBuffer {
  constructor(readonly bytes: Uint8Array) {}
  get length(): number {
    return this.bytes.length;
  }
  copyOut(start: number, len: number, dest: Uint8Array, destOff: number): void {
    dest.set(this.bytes.subarray(start, start + len), destOff);
  }
  copyFrom(): WasmResult {
    return WasmResult.BadArgument;
  }
}

export const EMPTY_BUFFER = new ConstBuffer(new Uint8Array(0));

/**
 * A body the filter may change (Envoy Buffer::copyFrom): start 0 drains `length` bytes then
 * prepends; start >= current length appends; anything else is BadArgument.
 */
export class BodyView implements AbiBuffer {
  constructor(readonly body: BodyBuffer) {}
  get length(): number {
    return this.body.length;
  }
  copyOut(start: number, len: number, dest: Uint8Array, destOff: number): void {
    this.body.copyOut(start, len, dest, destOff);
  }
  copyFrom(start: number, length: number, data: Uint8Array): WasmResult {
    if (start === 0) {
      if (length !== 0) this.body.drain(length);
      this.body.prepend(data);
      return WasmResult.Ok;
    }
    if (start >= this.body.length) {
      this.body.add(data);
      return WasmResult.Ok;
    }
    return WasmResult.BadArgument;
  }
}

export abstract class Context {
  readonly id: number;
  readonly vm: WasmVm;

  constructor(vm: WasmVm, id: number) {
    this.vm = vm;
    this.id = id;
  }

  abstract get root(): RootContext;
  abstract get plugin(): PluginInfo | null;
  get isRoot(): boolean {
    return this.root === (this as unknown as RootContext);
  }

  /** The prefix Envoy puts after "wasm log" (plugin name, root id, vm id). */
  logPrefix(): string {
    const p = this.plugin;
    if (!p) return "";
    return [p.name, p.rootId, p.vmId].filter((s) => s !== "").join(" ");
  }

  // ---- headers (Envoy Context::getMap / getConstMap) ----
  getMap(_type: MapType): HeaderMap | null {
    return null;
  }
  getConstMap(type: MapType): HeaderMap | null {
    const r = this.root.httpCallResponse;
    if (type === MapType.HttpCallResponseHeaders) return r ? r.headers : null;
    if (type === MapType.HttpCallResponseTrailers) return r ? r.trailers : null;
    return null;
  }
  /** After a successful header change through the ABI (the stream clears its route cache). */
  headersModified(_type: MapType): void {}
  /** on_log: missing maps answer NotFound instead of BadArgument. */
  get accessLogPhase(): boolean {
    return false;
  }

  // ---- buffers (Envoy Context::getBuffer) ----
  getBuffer(type: BufferType): AbiBuffer | null {
    switch (type) {
      case BufferType.VmConfiguration:
        return new ConstBuffer(this.vm.vmConfiguration);
      case BufferType.PluginConfiguration: {
        const c = this.root.configuring;
        return c && this.isRoot ? new ConstBuffer(c) : null;
      }
      case BufferType.HttpCallResponseBody: {
        const r = this.root.httpCallResponse;
        return r ? new ConstBuffer(r.body) : null;
      }
      case BufferType.RedisCallResponse: {
        const r = this.root.redisResponse;
        return r ? new ConstBuffer(r) : null;
      }
      default:
        // request/response bodies outside a stream, network data, gRPC, call data: empty.
        return EMPTY_BUFFER;
    }
  }

  // ---- properties ----
  propertySource(): PropertySource {
    return {
      info: null,
      requestHeaders: null,
      responseHeaders: null,
      responseTrailers: null,
      plugin: this.plugin,
      rootId: this.root.info?.rootId ?? "",
      vmId: this.vm.vmId,
    };
  }

  // ---- stream control (no stream here) ----
  streamInfo(): StreamInfo | null {
    return null;
  }
  continueStream(type: number): WasmResult {
    return type > 3 ? WasmResult.BadArgument : type === 3 ? WasmResult.Unimplemented : WasmResult.Ok;
  }
  closeStream(type: number): WasmResult {
    return type > 3 ? WasmResult.BadArgument : WasmResult.Ok;
  }
  sendLocalResponse(_code: number, _body: Uint8Array, _headers: [string, string][], _grpc: number, _details: string): WasmResult {
    return WasmResult.Ok;
  }
  setProperty(_path: string, _value: Uint8Array): WasmResult {
    return WasmResult.NotFound;
  }
  clearRouteCache(): void {}
}

export interface HttpCallResponse {
  headers: HeaderMap;
  body: Uint8Array;
  trailers: HeaderMap | null;
}

export class RootContext extends Context {
  readonly info: PluginInfo | null;
  /** Plugin configuration readable while on_configure / validate run (Envoy temp_plugin_). */
  configuring: Uint8Array | null = null;
  createdInVm = false;
  /** Response of the http call being delivered (Envoy http_call_response_). */
  httpCallResponse: HttpCallResponse | null = null;
  /** Higress: RESP reply of the redis call being delivered (buffer type 9). */
  redisResponse: Uint8Array | null = null;
  /** proxy_get_status; Envoy keeps the code after a failure, and clears only the message. */
  statusCode = 0;
  statusMessage = "";
  /** Outstanding calls of this root context, by token; cancelled when the VM goes. */
  readonly pending = new Map<number, { cancel(): void }>();
  tickPeriodMs = 0;
  tickTimer: unknown = null;

  constructor(vm: WasmVm, id: number, info: PluginInfo | null) {
    super(vm, id);
    this.info = info;
  }

  get root(): RootContext {
    return this;
  }
  get plugin(): PluginInfo | null {
    return this.info;
  }

  logPrefix(): string {
    const p = this.info;
    if (!p) return "";
    return [p.rootId, p.vmId].filter((s) => s !== "").join(" ");
  }

  /** Cancels timers and outstanding calls (VM replaced or host closing). */
  shutdown(): void {
    if (this.tickTimer !== null) this.vm.clock.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.tickPeriodMs = 0;
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
  }
}
