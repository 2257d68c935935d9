// A body buffer as a list of chunks (Envoy's Buffer::Instance, the parts the filter chain and the
// ABI use). Chunks are never copied when data moves between buffers; copying happens only when a
// module reads bytes or the host needs one contiguous view.

const EMPTY = new Uint8Array(0);

export class BodyBuffer {
  chunks: Uint8Array[] = [];
  length = 0;

  constructor(first?: Uint8Array) {
    if (first && first.length) {
      this.chunks.push(first);
      this.length = first.length;
    }
  }

  add(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.length += data.length;
  }

  prepend(data: Uint8Array): void {
    if (data.length === 0) return;
    // Usually the buffer was just drained (set_buffer_bytes replacing a whole chunk).
    if (this.chunks.length === 0) this.chunks.push(data);
    else this.chunks.unshift(data);
    this.length += data.length;
  }

  /** Moves every chunk of other to the end of this one; other becomes empty. */
  move(other: BodyBuffer): void {
    if (other === this || other.length === 0) return;
    for (const c of other.chunks) this.chunks.push(c);
    this.length += other.length;
    other.chunks = [];
    other.length = 0;
  }

  drain(n: number): void {
    if (n >= this.length) {
      this.chunks = [];
      this.length = 0;
      return;
    }
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0];
      if (c.length <= n) {
        n -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /** Copies bytes [start, start+len) into dest at destOff (the caller clamps to length). */
  copyOut(start: number, len: number, dest: Uint8Array, destOff: number): void {
    let skip = start;
    for (const c of this.chunks) {
      if (len === 0) return;
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const n = Math.min(c.length - skip, len);
      dest.set(skip === 0 && n === c.length ? c : c.subarray(skip, skip + n), destOff);
      destOff += n;
      len -= n;
      skip = 0;
    }
  }

  /** One contiguous view of the whole buffer (joins chunks once and keeps the result). */
  bytes(): Uint8Array {
    if (this.chunks.length === 0) return EMPTY;
    if (this.chunks.length > 1) {
      const out = new Uint8Array(this.length);
      this.copyOut(0, this.length, out, 0);
      this.chunks = [out];
    }
    return this.chunks[0];
  }

  /** Takes all bytes out (as one view), leaving the buffer empty. */
  take(): Uint8Array {
    const b = this.bytes();
    this.chunks = [];
    this.length = 0;
    return b;
  }
}
