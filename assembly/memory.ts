// Guest memory shared with the host: the allocator the host writes returned bytes into, scratch
// slots for the host's out-parameters, and the copy from host-owned bytes into managed buffers.

// Out-parameter slots (pointer, size, cas/token/flags). Static memory, so no allocation per call.
// Single-threaded VM and no re-entrancy during a host call, so one set is enough.
export const RET_PTR: usize = memory.data(8);
export const RET_SIZE: usize = memory.data(8);
export const RET_EXTRA: usize = memory.data(8);

/** Allocator for bytes the host returns (exported as `malloc` by abi/exports.ts). Unmanaged:
 *  the SDK copies the bytes into a managed ArrayBuffer and frees the block right after. */
export function hostMalloc(size: usize): usize {
  return heap.alloc(size);
}

/** Takes the bytes the host just returned through RET_PTR / RET_SIZE: copies and frees them. */
export function takeReturnedBytes(): ArrayBuffer {
  const ptr = load<u32>(RET_PTR);
  const size = load<u32>(RET_SIZE);
  const out = new ArrayBuffer(<i32>size);
  if (size > 0 && ptr != 0) {
    memory.copy(changetype<usize>(out), <usize>ptr, <usize>size);
  }
  if (ptr != 0) heap.free(<usize>ptr);
  return out;
}

/** Clears the return slots before a host call, so a host that writes nothing leaves (0, 0). */
export function clearReturnSlots(): void {
  store<u64>(RET_PTR, 0);
  store<u64>(RET_SIZE, 0);
  store<u64>(RET_EXTRA, 0);
}

/** UTF-8 bytes of a string (the ABI's only text encoding). */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** Decodes UTF-8 bytes into a string (invalid sequences become U+FFFD). */
export function fromUtf8(buf: ArrayBuffer): string {
  return String.UTF8.decode(buf);
}

/** Pointer to the first byte of a buffer (a null buffer is (0, 0) to the host). */
// @ts-ignore: decorator
@inline export function bufPtr(buf: ArrayBuffer | null): usize {
  return buf === null ? 0 : changetype<usize>(buf);
}

// @ts-ignore: decorator
@inline export function bufLen(buf: ArrayBuffer | null): usize {
  return buf === null ? 0 : <usize>buf.byteLength;
}
