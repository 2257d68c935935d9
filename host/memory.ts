// Guest memory access and the pairs codec. The only code in the host that touches a module's
// linear memory (cpp-host: WasmVm::getMemory/setMemory/getWord/setWord, WasmBase::copyToPointerSize,
// PairsUtil). Every read/write is bounds-checked; a bad pointer throws MEMORY_FAULT, which the ABI
// wrapper turns into WasmResult::InvalidMemoryAccess.
//
// Views are re-made after every call into the module (sync()), because malloc may grow memory and
// growing detaches the old ArrayBuffer.
//
// Header names/values and other "byte strings" are JavaScript strings holding one byte per char
// (latin1): lossless for any bytes, and what Node uses for header values.

import { PAIRS_MAX_BYTES, PAIRS_MAX_COUNT } from "./limits.ts";
import type { HeaderList, HeaderPair } from "./contract.ts";

/** Thrown on an out-of-bounds access; caught by the ABI wrapper (-> InvalidMemoryAccess). */
export class MemoryFault extends Error {}
export const MEMORY_FAULT = new MemoryFault("guest memory access out of bounds");

const utf8 = new TextDecoder("utf-8");

export class GuestMemory {
  private memory: WebAssembly.Memory;
  private ab: ArrayBuffer;
  u8: Uint8Array;
  dv: DataView;
  buf: Buffer;
  /** Allocates in the guest (calls the module's malloc and then sync()). Set by the VM. */
  malloc: (size: number) => number = () => {
    throw MEMORY_FAULT;
  };

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.ab = memory.buffer;
    this.u8 = new Uint8Array(this.ab);
    this.dv = new DataView(this.ab);
    this.buf = Buffer.from(this.ab);
  }

  /** Re-make the views if the memory grew (call after every call into the module). */
  sync(): void {
    const ab = this.memory.buffer;
    if (ab !== this.ab) {
      this.ab = ab;
      this.u8 = new Uint8Array(ab);
      this.dv = new DataView(ab);
      this.buf = Buffer.from(ab);
    }
  }

  /**
   * Slow path of every bounds check: the module may have grown its memory during the current
   * callback (its own allocations, not only our malloc), which detaches the old views. Re-make
   * them and check again, as cpp-host reads memory fresh on every host call.
   */
  private fit(end: number): void {
    this.sync();
    if (end > this.u8.length) throw MEMORY_FAULT;
  }

  get size(): number {
    return this.u8.length;
  }

  check(ptr: number, len: number): void {
    // ptr and len come from i32 parameters: make them unsigned first.
    ptr = ptr >>> 0;
    len = len >>> 0;
    if (ptr + len > this.u8.length) this.fit(ptr + len);
  }

  /** A view (no copy) valid until the next call into the module. */
  view(ptr: number, len: number): Uint8Array {
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > this.u8.length) this.fit(ptr + len);
    return this.u8.subarray(ptr, ptr + len);
  }

  readBytes(ptr: number, len: number): Uint8Array {
    return copyBytes(this.view(ptr, len));
  }

  readLatin1(ptr: number, len: number): string {
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > this.u8.length) this.fit(ptr + len);
    if (len === 0) return "";
    return this.buf.toString("latin1", ptr, ptr + len);
  }

  readUtf8(ptr: number, len: number): string {
    return utf8.decode(this.view(ptr, len));
  }

  readU32(ptr: number): number {
    ptr >>>= 0;
    if (ptr + 4 > this.u8.length) this.fit(ptr + 4);
    return this.dv.getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): void {
    ptr >>>= 0;
    if (ptr + 4 > this.u8.length) this.fit(ptr + 4);
    this.dv.setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    ptr >>>= 0;
    if (ptr + 8 > this.u8.length) this.fit(ptr + 8);
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  writeBytes(ptr: number, bytes: Uint8Array): void {
    ptr >>>= 0;
    if (ptr + bytes.length > this.u8.length) this.fit(ptr + bytes.length);
    this.u8.set(bytes, ptr);
  }

  /** malloc(size) in the guest; throws if the module returns an unusable pointer. */
  alloc(size: number): number {
    const p = this.malloc(size) >>> 0;
    if (p === 0) throw MEMORY_FAULT;
    if (p + size > this.u8.length) this.fit(p + size);
    return p;
  }

  /** WasmBase::copyToPointerSize: length 0 writes (0, 0) without calling malloc. */
  returnBytes(bytes: Uint8Array, ptrPtr: number, sizePtr: number): void {
    let p = 0;
    const n = bytes.length;
    if (n > 0) {
      p = this.alloc(n);
      this.u8.set(bytes, p);
    }
    this.writeU32(ptrPtr, p);
    this.writeU32(sizePtr, n);
  }

  /** Same for a byte string (one byte per char). */
  returnLatin1(s: string, ptrPtr: number, sizePtr: number): void {
    let p = 0;
    const n = s.length;
    if (n > 0) {
      p = this.alloc(n);
      putLatin1(this.u8, s, p);
    }
    this.writeU32(ptrPtr, p);
    this.writeU32(sizePtr, n);
  }

  /** A header list in pairs serialization; an empty list returns (0, 0) like cpp-host. */
  returnPairs(list: readonly HeaderPair[], ptrPtr: number, sizePtr: number): void {
    if (list.length === 0) {
      this.writeU32(ptrPtr, 0);
      this.writeU32(sizePtr, 0);
      return;
    }
    const size = pairsSize(list);
    const p = this.alloc(size);
    writePairs(list, this.buf, p);
    this.writeU32(ptrPtr, p);
    this.writeU32(sizePtr, size);
  }

  /** Decodes pairs from guest memory with cpp-host's strict parser (invalid -> empty list). */
  readPairs(ptr: number, len: number): HeaderList {
    return decodePairs(this.view(ptr, len));
  }
}

/**
 * A copy of bytes. Sizes between V8's on-heap limit (64) and Node's pool limit (4 KiB) come from
 * Node's Buffer pool: a fresh ArrayBuffer per copy cost ~3x more for SSE-event-sized chunks (every
 * set_buffer_bytes copies). The result may be a view into the pool (use its byteOffset).
 */
export function copyBytes(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n <= 64 || n >= 4096) return src.slice();
  const b = Buffer.allocUnsafe(n);
  b.set(src);
  return b;
}

/** Writes a byte string at u8[at..]; a plain loop beats a native call for header-sized strings. */
export function putLatin1(u8: Uint8Array, s: string, at: number): void {
  const n = s.length;
  if (n > 48) {
    Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).write(s, at, n, "latin1");
    return;
  }
  for (let i = 0; i < n; i++) u8[at + i] = s.charCodeAt(i);
}

// ---------------------------------------------------------------------------------------------
// Pairs serialization (cpp-host PairsUtil):
//   u32 count | count x (u32 key_len, u32 value_len) | count x (key bytes, 0, value bytes, 0)
// little-endian; size = 4 + sum(8 + k + 1 + v + 1).

export function pairsSize(list: readonly HeaderPair[]): number {
  let size = 4;
  for (let i = 0; i < list.length; i++) size += 10 + list[i][0].length + list[i][1].length;
  return size;
}

/** Writes the serialization of list at buf[at..]; the caller made room for pairsSize(list). */
export function writePairs(list: readonly HeaderPair[], buf: Buffer, at: number): void {
  buf.writeUInt32LE(list.length, at);
  let lens = at + 4;
  let pos = at + 4 + 8 * list.length;
  for (let i = 0; i < list.length; i++) {
    const k = list[i][0];
    const v = list[i][1];
    buf.writeUInt32LE(k.length, lens);
    buf.writeUInt32LE(v.length, lens + 4);
    lens += 8;
    putLatin1(buf, k, pos);
    pos += k.length;
    buf[pos++] = 0;
    putLatin1(buf, v, pos);
    pos += v.length;
    buf[pos++] = 0;
  }
}

export function encodePairs(list: readonly HeaderPair[]): Uint8Array {
  const out = Buffer.alloc(pairsSize(list));
  writePairs(list, out, 0);
  return out;
}

const EMPTY: HeaderList = [];

/**
 * PairsUtil::toPairs: more than 1 MiB, more than 1024 pairs, a length running past the end, a
 * missing NUL terminator or trailing bytes give an EMPTY list, silently.
 */
export function decodePairs(bytes: Uint8Array): HeaderList {
  const end = bytes.length;
  if (end > PAIRS_MAX_BYTES || end < 4) return EMPTY.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true);
  if (n > PAIRS_MAX_COUNT) return EMPTY.slice();
  if (4 + n * 8 > end) return EMPTY.slice();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 4 + n * 8;
  const out: HeaderList = new Array(n);
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + i * 8, true);
    const vl = dv.getUint32(8 + i * 8, true);
    if (pos + kl + 1 > end) return EMPTY.slice();
    const k = kl ? buf.toString("latin1", pos, pos + kl) : "";
    pos += kl;
    if (bytes[pos++] !== 0) return EMPTY.slice();
    if (pos + vl + 1 > end) return EMPTY.slice();
    const v = vl ? buf.toString("latin1", pos, pos + vl) : "";
    pos += vl;
    if (bytes[pos++] !== 0) return EMPTY.slice();
    out[i] = [k, v];
  }
  if (pos !== end) return EMPTY.slice();
  return out;
}
