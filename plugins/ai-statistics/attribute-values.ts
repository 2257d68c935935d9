// The values one request collects for its configured attributes. Streamed values follow the
// attribute's rule (first / replace / append); appended pieces are kept as a list and joined once,
// and stop growing at the length limit, so memory stays bounded on long streams. Pure.
import { Rule } from "./attribute-config";
import { limitLength } from "./log-record";

export class AttributeValues {
  private values: (string | null)[];
  private pieces: (string[] | null)[];
  private lengths: i32[];

  constructor(count: i32, private limit: i32) {
    this.values = new Array<string | null>(count);
    this.pieces = new Array<string[] | null>(count);
    this.lengths = new Array<i32>(count);
    for (let i = 0; i < count; i++) {
      this.values[i] = null;
      this.pieces[i] = null;
      this.lengths[i] = 0;
    }
  }

  get count(): i32 {
    return this.values.length;
  }

  /** Forgets every value (reuse for another request with the same attributes). */
  clear(limit: i32): void {
    this.limit = limit;
    for (let i = 0, n = this.values.length; i < n; i++) {
      unchecked((this.values[i] = null));
      unchecked((this.pieces[i] = null));
      unchecked((this.lengths[i] = 0));
    }
  }

  /** A value from a header, a fixed value or a whole body (null: absent). */
  set(i: i32, v: string | null): void {
    if (v === null) return;
    this.values[i] = limitLength(v, this.limit);
  }

  /** One streamed piece (one SSE event's value at the attribute's path). */
  stream(i: i32, rule: Rule, piece: string | null): void {
    if (piece === null) return;
    if (rule == Rule.First) {
      if (this.values[i] === null && this.pieces[i] === null) this.values[i] = limitLength(piece, this.limit);
      return;
    }
    if (rule == Rule.Replace) {
      this.values[i] = limitLength(piece, this.limit);
      return;
    }
    // Append
    if (this.lengths[i] >= this.limit) return;
    let list = this.pieces[i];
    if (list === null) {
      list = new Array<string>();
      this.pieces[i] = list;
    }
    const room = this.limit - this.lengths[i];
    const p = piece.length > room ? limitLength(piece, room) : piece;
    list.push(p);
    this.lengths[i] += p.length;
  }

  /** The collected value, else `fallback` when non-empty, else null. */
  get(i: i32, fallback: string): string | null {
    const list = this.pieces[i];
    if (list !== null) return list.join("");
    const v = this.values[i];
    if (v !== null && v.length > 0) return v;
    if (fallback.length > 0) return fallback;
    return v;
  }
}
