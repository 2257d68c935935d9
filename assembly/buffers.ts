// Byte buffers: request/response bodies, configuration, http-call response body.
// Bytes stay bytes: pass-through bodies are never decoded and re-encoded.
import { proxy_get_buffer_bytes, proxy_set_buffer_bytes, proxy_get_buffer_status } from "./abi/imports";
import { BufferType, WasmResult } from "./enums";
import { RET_PTR, RET_SIZE, RET_EXTRA, clearReturnSlots, expectBuffer, takeReturnedBytes, releaseReturned } from "./memory";

/** Up to `maxSize` bytes from `start`. The host clamps to the buffer; a missing buffer or an
 *  error gives an empty ArrayBuffer. */
export function getBuffer(bufferType: BufferType, start: u32, maxSize: u32): ArrayBuffer {
  expectBuffer(); // the host writes straight into the ArrayBuffer returned (no copy)
  const r = proxy_get_buffer_bytes(<u32>bufferType, start, maxSize, RET_PTR, RET_SIZE);
  if (r != WasmResult.Ok) {
    releaseReturned(0); // unpins a buffer the host allocated before failing
    return new ArrayBuffer(0);
  }
  return takeReturnedBytes();
}

/** The whole buffer (e.g. a body buffered with StopIterationAndBuffer). */
export function getWholeBuffer(bufferType: BufferType): ArrayBuffer {
  return getBuffer(bufferType, 0, u32.MAX_VALUE);
}

/** Envoy's rules: start 0 drains `size` bytes then prepends `data`, so (0, >= length) replaces
 *  everything and (0, 0) prepends; start >= length appends; anything else is BadArgument.
 *  Configuration and http-call bodies are read-only. */
export function setBuffer(bufferType: BufferType, start: u32, size: u32, data: ArrayBuffer): WasmResult {
  return <WasmResult>proxy_set_buffer_bytes(<u32>bufferType, start, size, changetype<usize>(data), <usize>data.byteLength);
}

/** Replaces the whole buffer with `data`. */
export function replaceBuffer(bufferType: BufferType, data: ArrayBuffer): WasmResult {
  return setBuffer(bufferType, 0, u32.MAX_VALUE, data);
}

/** Current size of a buffer in bytes, or -1 when it is not available. */
export function bufferSize(bufferType: BufferType): i64 {
  clearReturnSlots();
  const r = proxy_get_buffer_status(<u32>bufferType, RET_SIZE, RET_EXTRA);
  if (r != WasmResult.Ok) return -1;
  return <i64>load<u32>(RET_SIZE);
}
