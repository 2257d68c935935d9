// Writes one metric name as UTF-8 into a reusable buffer, for defining it with the host: the same
// text as metric-names.ts builds (higressPrefix + metric [+ extraSuffix [+ status/error]]), but no
// string is allocated and nothing stays behind once the id is known. One name at a time per VM.
// Pure.
import { MetricLabels } from "./metric-names";

export class NameBytes {
  buf: StaticArray<u8> = new StaticArray<u8>(512);
  len: i32 = 0;

  get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  private room(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < this.len + n) cap <<= 1;
    const nb = new StaticArray<u8>(cap);
    memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len);
    this.buf = nb;
  }

  /** Appends `s` as UTF-8 (ASCII copied char by char; anything else through the encoder). */
  add(s: string): void {
    const n = s.length;
    this.room(n);
    const p = changetype<usize>(s);
    const out = changetype<usize>(this.buf) + <usize>this.len;
    for (let i = 0; i < n; i++) {
      const c = load<u16>(p + (<usize>i << 1));
      if (c >= 0x80) {
        this.addEncoded(s);
        return;
      }
      store<u8>(out + <usize>i, <u8>c);
    }
    this.len += n;
  }

  private addEncoded(s: string): void {
    const n = String.UTF8.byteLength(s);
    this.room(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, changetype<usize>(this.buf) + <usize>this.len);
    this.len += n;
  }

  /** `route.<r>.upstream.<c>.model.<m>.consumer.<u>.metric.<metric>` */
  higress(l: MetricLabels, metric: string): NameBytes {
    this.len = 0;
    this.add("route.");
    this.add(l.route);
    this.add(".upstream.");
    this.add(l.cluster);
    this.add(".model.");
    this.add(l.model);
    this.add(".consumer.");
    this.add(l.consumer);
    this.add(".metric.");
    this.add(metric);
    return this;
  }

  /** The Higress prefix + metric + `.provider.<p>.request_model.<rm>.variant.<v>` */
  ai(l: MetricLabels, metric: string): NameBytes {
    this.higress(l, metric);
    this.add(".provider.");
    this.add(l.provider);
    this.add(".request_model.");
    this.add(l.requestModel);
    this.add(".variant.");
    this.add(l.variant);
    return this;
  }

  /** The ai_requests counter of (status class, error type). */
  requests(l: MetricLabels, statusClass: string, errorType: string): NameBytes {
    this.ai(l, "ai_requests");
    this.add(".status.");
    this.add(statusClass);
    this.add(".error.");
    this.add(errorType);
    return this;
  }

  /** The bytes as a string (tests). */
  toString(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buf), <usize>this.len);
  }
}
