// Every callback the host calls (proxy-wasm ABI 0.2.1). Each one finds its context, records it as
// the current one and delegates; no logic of its own. scripts/build.mjs passes this file as an
// entry of every build, so these are the module's exports (plugins do not re-export them).
import { BufferType, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus } from "../enums";
import { hostMalloc } from "../memory";
import { getBuffer } from "../buffers";
import { pluginRootId } from "../properties";
import { log } from "../log";
import {
  RootContext, HttpContext, roots, streams, findRootFactory, setCurrentContextId,
} from "../context";
import { dispatchHttpCallResponse, dropHttpCallsOf } from "../http-call";
// abort.ts holds the replacements for env.abort / env.seed named by `--use` in scripts/build.mjs.
import "../abort";

/** The host allocates returned bytes here (cpp-host prefers `malloc` to proxy_on_memory_allocate). */
export function malloc(size: usize): usize {
  return hostMalloc(size);
}

function readText(bufferType: BufferType, size: u32): string {
  if (size == 0) return "";
  return String.UTF8.decode(getBuffer(bufferType, 0, size));
}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  setCurrentContextId(contextId);
  if (parentId == 0) {
    const factory = findRootFactory(pluginRootId());
    let root: RootContext;
    if (factory === null) {
      log.error("no root context registered (registerRootContext); passing traffic through");
      root = new RootContext(contextId);
    } else {
      root = factory(contextId);
    }
    roots.set(contextId, root);
    return;
  }
  if (!roots.has(parentId)) return;
  const root = roots.get(parentId);
  const stream = root.createHttpContext(contextId);
  if (stream._root === null) stream._root = root;
  streams.set(contextId, stream);
}

export function proxy_on_vm_start(rootId: u32, vmConfigurationSize: u32): u32 {
  if (!roots.has(rootId)) return 1;
  setCurrentContextId(rootId);
  return roots.get(rootId).onVmStart(readText(BufferType.VmConfiguration, vmConfigurationSize)) ? 1 : 0;
}

export function proxy_on_configure(rootId: u32, configurationSize: u32): u32 {
  if (!roots.has(rootId)) return 1;
  setCurrentContextId(rootId);
  return roots.get(rootId).onConfigure(readText(BufferType.PluginConfiguration, configurationSize)) ? 1 : 0;
}

export function proxy_validate_configuration(rootId: u32, configurationSize: u32): u32 {
  if (!roots.has(rootId)) return 1;
  setCurrentContextId(rootId);
  return roots.get(rootId).validateConfiguration(readText(BufferType.PluginConfiguration, configurationSize)) ? 1 : 0;
}

export function proxy_on_tick(rootId: u32): void {
  if (!roots.has(rootId)) return;
  setCurrentContextId(rootId);
  roots.get(rootId).onTick();
}

export function proxy_on_queue_ready(rootId: u32, queueId: u32): void {
  if (!roots.has(rootId)) return;
  setCurrentContextId(rootId);
  roots.get(rootId).onQueueReady(queueId);
}

export function proxy_on_foreign_function(rootId: u32, functionId: u32, dataSize: u32): void {
  if (!roots.has(rootId)) return;
  setCurrentContextId(rootId);
  roots.get(rootId).onForeignFunction(functionId, dataSize);
}

// The stream of the previous callback: a stream's callbacks mostly come in a row, so this skips
// the two map lookups (has + get) per callback. Cleared when that stream is deleted.
let lastStreamId: u32 = 0;
let lastStream: HttpContext | null = null;

/** Stream for a callback, made current; null when unknown (the call then passes through). */
function enter(contextId: u32): HttpContext | null {
  let s = lastStream;
  if (s === null || lastStreamId != contextId) {
    if (!streams.has(contextId)) return null;
    s = streams.get(contextId);
    lastStream = s;
    lastStreamId = contextId;
  }
  setCurrentContextId(contextId);
  return s;
}

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterHeadersStatus.Continue : s.onRequestHeaders(numHeaders, endOfStream != 0);
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterDataStatus.Continue : s.onRequestBody(bodySize, endOfStream != 0);
}

export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterTrailersStatus.Continue : s.onRequestTrailers(numTrailers);
}

export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterHeadersStatus.Continue : s.onResponseHeaders(numHeaders, endOfStream != 0);
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterDataStatus.Continue : s.onResponseBody(bodySize, endOfStream != 0);
}

export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): u32 {
  const s = enter(contextId);
  return s === null ? FilterTrailersStatus.Continue : s.onResponseTrailers(numTrailers);
}

/** Arrives on the root context; the SDK hands it to the context that made the call. */
export function proxy_on_http_call_response(rootId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  setCurrentContextId(rootId);
  dispatchHttpCallResponse(token, numHeaders, bodySize, numTrailers);
}

export function proxy_on_log(contextId: u32): void {
  const s = enter(contextId);
  if (s !== null) {
    s.onLog();
    return;
  }
  if (roots.has(contextId)) {
    setCurrentContextId(contextId);
    roots.get(contextId).onLog();
  }
}

export function proxy_on_done(contextId: u32): u32 {
  const s = enter(contextId);
  if (s !== null) {
    s.onDone();
    return 1;
  }
  if (roots.has(contextId)) {
    setCurrentContextId(contextId);
    return roots.get(contextId).onDone() ? 1 : 0;
  }
  return 1;
}

export function proxy_on_delete(contextId: u32): void {
  dropHttpCallsOf(contextId);
  if (contextId == lastStreamId) lastStream = null;
  if (streams.has(contextId)) {
    streams.delete(contextId);
    return;
  }
  if (roots.has(contextId)) {
    setCurrentContextId(contextId);
    roots.get(contextId).onDelete();
    roots.delete(contextId);
  }
}
