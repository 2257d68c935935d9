// Scans the buffered request body where the host put it: the unmanaged block the host allocates
// for proxy_get_buffer_bytes is read in place and freed, so a token decision leaves nothing for
// the GC to track (getBuffer hands over a managed ArrayBuffer of the body's size).
import { BufferType, WasmResult } from "../../assembly";
import { proxy_get_buffer_bytes } from "../../assembly/abi/imports";
import { RET_PTR, RET_SIZE, clearReturnSlots, releaseReturned } from "../../assembly/memory";
import { RequestFacts, scanBodyBytes } from "./estimate";

export function scanHostRequestBody(size: u32, out: RequestFacts): void {
  clearReturnSlots();
  const r = proxy_get_buffer_bytes(<u32>BufferType.HttpRequestBody, 0, size, RET_PTR, RET_SIZE);
  const ptr = <usize>load<u32>(RET_PTR);
  if (r == WasmResult.Ok) scanBodyBytes(ptr, <i32>load<u32>(RET_SIZE), out);
  else out.reset();
  releaseReturned(ptr); // frees the unmanaged block (and resets the SDK's return-buffer state)
}
