// Contexts: one RootContext per plugin instance (per worker VM), one HttpContext per stream.
// Plugins subclass both and register a factory for the root; abi/exports.ts finds the context
// for each callback and calls the method here. Defaults let a stream pass untouched.
import { FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus, WasmResult } from "./enums";
import { proxy_set_effective_context } from "./abi/imports";
import { forgetLogLevel } from "./log";

export class RootContext {
  constructor(public readonly id: u32) {}

  /** vm_config.configuration text. false fails the VM start. */
  onVmStart(vmConfiguration: string): bool { return true; }
  /** The plugin configuration text (whole). false rejects the configuration. */
  onConfigure(configuration: string): bool { return true; }
  /** proxy_validate_configuration (not called by Envoy today). */
  validateConfiguration(configuration: string): bool { return true; }
  /** One stream. The default passes everything through. */
  createHttpContext(contextId: u32): HttpContext { return new HttpContext(contextId, this); }
  onTick(): void {}
  onQueueReady(queueId: u32): void {}
  onForeignFunction(functionId: u32, dataSize: u32): void {}
  /** Plugin shutdown. Return false to finish later with proxy_done. */
  onDone(): bool { return true; }
  onLog(): void {}
  onDelete(): void {}
}

export class HttpContext {
  /** Set by the SDK when createHttpContext did not pass it. */
  _root: RootContext | null;

  constructor(public readonly id: u32, root: RootContext | null = null) {
    this._root = root;
  }

  /** The root context of this plugin instance (cast to your class). */
  get root(): RootContext {
    return this._root!;
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  /** Access-log time: after the response (also after a local reply). */
  onLog(): void {}
  /** Stream destroyed (after onLog). */
  onDone(): void {}
}

/** A plugin's root factory: a plain function, no captured locals. */
export type RootFactory = (contextId: u32) => RootContext;

class Registration {
  constructor(public name: string, public factory: RootFactory) {}
}

const registrations = new Array<Registration>();

/** Registers the root factory for root_id `name` (the `root_id` of the Envoy filter config).
 *  With a single registration, that one is used whatever root_id the host gives. */
export function registerRootContext(name: string, factory: RootFactory): void {
  registrations.push(new Registration(name, factory));
}

/** @internal The factory for a root id: exact name, else the only/first registration. */
export function findRootFactory(rootId: string): RootFactory | null {
  if (registrations.length == 0) return null;
  for (let i = 0; i < registrations.length; i++) {
    if (unchecked(registrations[i]).name == rootId) return unchecked(registrations[i]).factory;
  }
  return unchecked(registrations[0]).factory;
}

// Live contexts by id. A context id is either a root or a stream, never both.
export const roots = new Map<u32, RootContext>();
export const streams = new Map<u32, HttpContext>();

/** Id of the context whose callback is running (the one host calls act on). */
let currentId: u32 = 0;

/** @internal */
export function setCurrentContextId(id: u32): void {
  currentId = id;
  forgetLogLevel();
}

/** Id of the context whose callback is running now. */
export function currentContextId(): u32 {
  return currentId;
}

/** Makes `contextId` (a live stream or root of this VM) the context later host calls act on,
 *  e.g. to continue or reply to a held stream from onTick / onQueueReady. false when the context
 *  is unknown here or the host refuses it (already destroyed); nothing changes then. */
export function setEffectiveContext(contextId: u32): bool {
  if (!streams.has(contextId) && !roots.has(contextId)) return false;
  if (proxy_set_effective_context(contextId) != WasmResult.Ok) return false;
  currentId = contextId;
  return true;
}
