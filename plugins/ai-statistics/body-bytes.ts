// Feeds a body chunk to a reader where the host put it: the block the host allocates for
// proxy_get_buffer_bytes is read in place and freed, so reading a chunk allocates no managed
// ArrayBuffer (which the GC would then track): the readers copy only what they keep.
import { BufferType, WasmResult } from "../../assembly/enums";
import { proxy_get_buffer_bytes } from "../../assembly/abi/imports";
import { RET_PTR, RET_SIZE, clearReturnSlots } from "../../assembly/memory";

/** Something that reads body bytes as they stream past (the bytes are only valid during the call). */
export abstract class BodySink {
  abstract pushBytes(p: usize, n: i32): void;
}

/** Hands the first `size` bytes of the body buffer to `sink`. */
export function feedBody(type: BufferType, size: u32, sink: BodySink): void {
  clearReturnSlots();
  const r = proxy_get_buffer_bytes(<u32>type, 0, size, RET_PTR, RET_SIZE);
  const ptr = <usize>load<u32>(RET_PTR);
  if (r == WasmResult.Ok && ptr != 0) sink.pushBytes(ptr, <i32>load<u32>(RET_SIZE));
  if (ptr != 0) heap.free(ptr); // an unmanaged block (no takeReturnedBytes pending)
}
