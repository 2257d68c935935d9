// Guest memory shared with the host: the allocator the host writes returned bytes into, scratch
// slots for the host's out-parameters, taking returned bytes over, and a reusable scratch area
// for text the SDK hands to the host (header names/values, property paths).
// Per-call allocations are what the SDK's host calls cost most (allocator + GC), so the paths
// here allocate at most the one object the caller gets back.

// Out-parameter slots (pointer, size, cas/token/flags). Static memory, so no allocation per call.
// Single-threaded VM and no re-entrancy during a host call, so one set is enough.
export const RET_PTR: usize = memory.data(8);
export const RET_SIZE: usize = memory.data(8);
export const RET_EXTRA: usize = memory.data(8);

// When a caller wants the returned bytes as an ArrayBuffer (expectBuffer()), the host's malloc
// hands out a pinned managed ArrayBuffer, which takeReturnedBytes() then gives the caller as is
// (no second block, no copy). Everything else gets unmanaged blocks, freed right after use.
let wantBuffer = false;
let pinned: usize = 0;

/** Allocator for bytes the host returns (exported as `malloc` by abi/exports.ts). */
export function hostMalloc(size: usize): usize {
  if (wantBuffer && pinned == 0) {
    wantBuffer = false;
    const p = __new(size, idof<ArrayBuffer>());
    __pin(p);
    pinned = p;
    return p;
  }
  return heap.alloc(size);
}

/** Call before a host call whose single returned value the caller takes with takeReturnedBytes(). */
// @ts-ignore: decorator
@inline export function expectBuffer(): void {
  clearReturnSlots();
  wantBuffer = true;
}

/** Takes the bytes the host just returned through RET_PTR / RET_SIZE as an ArrayBuffer. */
export function takeReturnedBytes(): ArrayBuffer {
  wantBuffer = false;
  const ptr = <usize>load<u32>(RET_PTR);
  const size = load<u32>(RET_SIZE);
  let out: ArrayBuffer;
  if (ptr != 0 && ptr == pinned && <u32>changetype<ArrayBuffer>(ptr).byteLength == size) {
    out = changetype<ArrayBuffer>(ptr);
  } else {
    out = new ArrayBuffer(<i32>size);
    if (size > 0 && ptr != 0) memory.copy(changetype<usize>(out), ptr, <usize>size);
    if (ptr != 0 && ptr != pinned) heap.free(ptr);
  }
  releasePinned();
  return out;
}

/** Takes the returned bytes decoded as UTF-8 (decoded straight from the host's block). */
export function takeReturnedString(): string {
  const ptr = <usize>load<u32>(RET_PTR);
  const size = <usize>load<u32>(RET_SIZE);
  if (ptr == 0) return "";
  const s = String.UTF8.decodeUnsafe(ptr, size);
  releaseReturned(ptr);
  return s;
}

/** Takes the returned value as an 8-byte little-endian integer (-1 when shorter). */
export function takeReturnedI64(): i64 {
  const ptr = <usize>load<u32>(RET_PTR);
  const size = load<u32>(RET_SIZE);
  if (ptr == 0) return -1;
  const v = size >= 8 ? load<i64>(ptr) : -1;
  releaseReturned(ptr);
  return v;
}

/** Frees a returned block the SDK has read in place (the pinned buffer just becomes garbage). */
export function releaseReturned(ptr: usize): void {
  wantBuffer = false;
  if (ptr != 0 && ptr != pinned) heap.free(ptr);
  releasePinned();
}

function releasePinned(): void {
  if (pinned != 0) {
    __unpin(pinned);
    pinned = 0;
  }
}

/** Clears the return slots before a host call, so a host that writes nothing leaves (0, 0). */
export function clearReturnSlots(): void {
  store<u64>(RET_PTR, 0);
  store<u64>(RET_SIZE, 0);
  store<u64>(RET_EXTRA, 0);
}

// ---- outgoing text --------------------------------------------------------------------------
// One unmanaged area reused for every name/value/path the SDK passes to the host: the host only
// reads it during the call. Texts above SCRATCH_MAX get a block of their own, freed after the call
// (releaseText), so one huge header does not pin memory for the VM's lifetime.
const SCRATCH_MAX: usize = 4096;
let scratch: usize = 0;
let scratchCap: usize = 0;

/** Length in bytes of the texts placed by the last textBlock() call. */
export let textLen1: usize = 0;
export let textLen2: usize = 0;

function blockFor(bound: usize): usize {
  if (bound > SCRATCH_MAX) return heap.alloc(bound);
  if (scratch == 0) {
    scratchCap = SCRATCH_MAX;
    scratch = heap.alloc(scratchCap);
  }
  return scratch;
}

/** UTF-8 of `a` then `b` (may be "") back to back in one block; lengths in textLen1/textLen2.
 *  Pass the result to releaseText() after the host call. */
export function textBlock(a: string, b: string = ""): usize {
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
  const p = blockFor(<usize>(a.length + b.length) * 3);
  textLen1 = String.UTF8.encodeUnsafe(changetype<usize>(a), a.length, p);
  textLen2 = String.UTF8.encodeUnsafe(changetype<usize>(b), b.length, p + textLen1);
  return p;
}

/** Segments joined by NUL (a property path) in one block; length in textLen1. */
export function pathBlock(segments: string[]): usize {
  let units: usize = 0;
  const n = segments.length;
  for (let i = 0; i < n; i++) units += <usize>unchecked(segments[i]).length + 1;
  const p = blockFor(units * 3);
  let at = p;
  for (let i = 0; i < n; i++) {
    if (i > 0) store<u8>(at++, 0);
    const s = unchecked(segments[i]);
    at += String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
  }
  textLen1 = at - p;
  textLen2 = 0;
  return p;
}

/** Frees a block from textBlock()/pathBlock() when it was not the shared scratch area. */
// @ts-ignore: decorator
@inline export function releaseText(p: usize): void {
  if (p != scratch) heap.free(p);
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
