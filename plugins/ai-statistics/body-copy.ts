// A bounded copy of a body, kept only when a configured attribute needs a JSON path over the whole
// body. Past `max` bytes the copy is dropped (the attribute then takes its default value); the
// body itself always flows on unbuffered. Pure.

export class BoundedCopy {
  private buf: StaticArray<u8>;
  private len: i32 = 0;
  overflowed: bool = false;
  private pinned: ArrayBuffer | null = null;

  constructor(private max: i32) {
    this.buf = new StaticArray<u8>(max < 4096 ? max : 4096);
  }

  push(chunk: ArrayBuffer): void {
    // `chunk` stays reachable (it is read after an allocation below): the GC sees no locals.
    this.pinned = chunk;
    this.pushBytes(changetype<usize>(chunk), chunk.byteLength);
    this.pinned = null;
  }

  /** Appends n bytes at p (memory the GC does not move or free during the call). */
  pushBytes(p: usize, n: i32): void {
    if (this.overflowed || n <= 0) return;
    if (this.len + n > this.max) {
      this.overflowed = true;
      this.buf = new StaticArray<u8>(0);
      this.len = 0;
      return;
    }
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length > 0 ? this.buf.length : 256;
      while (cap < this.len + n) cap <<= 1;
      if (cap > this.max) cap = this.max;
      const nb = new StaticArray<u8>(cap);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len);
      this.buf = nb;
    }
    memory.copy(changetype<usize>(this.buf) + <usize>this.len, p, <usize>n);
    this.len += n;
  }

  /** The body as text, or null when it was too large. */
  text(): string | null {
    if (this.overflowed) return null;
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buf), <usize>this.len);
  }
}
