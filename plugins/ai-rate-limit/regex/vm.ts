// Compiles a parsed regex (parse.ts) to a Pike VM program and runs it: every position of the
// input is visited once with at most one thread per instruction, so matching is
// O(len(input) * len(program)) whatever the pattern - no catastrophic backtracking.
// Two entry points: search() (unanchored, like Go's regexp.MatchString used by Higress for
// `regexp:` keys) and fullMatch() (like Envoy's safe_regex, which must match the whole string).
import { Node, NodeKind, parseRegex } from "./parse";

const OP_CHAR: u8 = 0;
const OP_ANY: u8 = 1;
const OP_CLASS: u8 = 2;
const OP_SPLIT: u8 = 3;
const OP_JMP: u8 = 4;
const OP_MATCH: u8 = 5;
const OP_BOL: u8 = 6;
const OP_EOL: u8 = 7;

/** Largest compiled program accepted (instructions). */
export const MAX_PROGRAM: i32 = 20000;

class CharClass {
  ranges: i32[];
  negated: bool;
  constructor(ranges: i32[], negated: bool) {
    this.ranges = ranges;
    this.negated = negated;
  }
  has(c: i32): bool {
    const r = this.ranges;
    let inside = false;
    for (let i = 0; i < r.length; i += 2) {
      if (c >= unchecked(r[i]) && c <= unchecked(r[i + 1])) {
        inside = true;
        break;
      }
    }
    return inside != this.negated;
  }
}

function foldRanges(ranges: i32[]): i32[] {
  const out = ranges.slice(0);
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i];
    const hi = ranges[i + 1];
    // Intersections with A-Z and a-z, mapped to the other case.
    const ulo = max(lo, 0x41);
    const uhi = min(hi, 0x5a);
    if (ulo <= uhi) {
      out.push(ulo + 32);
      out.push(uhi + 32);
    }
    const llo = max(lo, 0x61);
    const lhi = min(hi, 0x7a);
    if (llo <= lhi) {
      out.push(llo - 32);
      out.push(lhi - 32);
    }
  }
  return out;
}

export class Regex {
  source: string;
  private op: u8[] = [];
  private a: i32[] = [];
  private b: i32[] = [];
  private classes: CharClass[] = [];
  private fold: bool = false;
  /** the pattern starts with ^ in every branch: a search need not restart past position 0 */
  private anchored: bool = false;
  error: string | null = null;
  // Reused per match: thread lists and the visit marks of the current step.
  private clist: Int32Array = new Int32Array(0);
  private nlist: Int32Array = new Int32Array(0);
  private mark: Int32Array = new Int32Array(0);
  private stack: Int32Array = new Int32Array(0);
  private step: i32 = 0;

  constructor(source: string) {
    this.source = source;
    this.error = this.compile(source);
  }

  private compile(source: string): string | null {
    const parsed = parseRegex(source);
    if (parsed.error !== null) return parsed.error;
    this.fold = parsed.caseInsensitive;
    this.emit(parsed.node!);
    this.push(OP_MATCH, 0, 0);
    if (this.op.length > MAX_PROGRAM) return "expression too large";
    this.anchored = this.op[0] == OP_BOL;
    const n = this.op.length;
    this.clist = new Int32Array(n);
    this.nlist = new Int32Array(n);
    this.mark = new Int32Array(n);
    this.stack = new Int32Array(n * 2 + 2);
    return null;
  }

  private push(op: u8, a: i32, b: i32): i32 {
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  private addClass(ranges: i32[], negated: bool): i32 {
    this.classes.push(new CharClass(this.fold ? foldRanges(ranges) : ranges, negated));
    return this.classes.length - 1;
  }

  private emit(n: Node): void {
    if (this.op.length > MAX_PROGRAM) return; // stop growing; the constructor reports it
    switch (n.kind) {
      case NodeKind.Empty:
        return;
      case NodeKind.Char: {
        const l = n.value | 0x20;
        if (this.fold && l >= 0x61 && l <= 0x7a) {
          this.push(OP_CLASS, this.addClass([l - 32, l - 32, l, l], false), 0);
        } else {
          this.push(OP_CHAR, n.value, 0);
        }
        return;
      }
      case NodeKind.Any:
        this.push(OP_ANY, 0, 0);
        return;
      case NodeKind.Class:
        this.push(OP_CLASS, this.addClass(n.ranges, n.negated), 0);
        return;
      case NodeKind.Bol:
        this.push(OP_BOL, 0, 0);
        return;
      case NodeKind.Eol:
        this.push(OP_EOL, 0, 0);
        return;
      case NodeKind.Concat:
        for (let i = 0; i < n.children.length; i++) this.emit(n.children[i]);
        return;
      case NodeKind.Alt:
        this.emitAlt(n, 0);
        return;
      case NodeKind.Repeat:
        this.emitRepeat(n.children[0], n.min, n.max);
        return;
    }
  }

  private emitAlt(n: Node, from: i32): void {
    if (from == n.children.length - 1) {
      this.emit(n.children[from]);
      return;
    }
    const split = this.push(OP_SPLIT, 0, 0);
    this.a[split] = this.op.length;
    this.emit(n.children[from]);
    const jmp = this.push(OP_JMP, 0, 0);
    this.b[split] = this.op.length;
    this.emitAlt(n, from + 1);
    this.a[jmp] = this.op.length;
  }

  private emitRepeat(child: Node, minCount: i32, maxCount: i32): void {
    for (let i = 0; i < minCount; i++) this.emit(child);
    if (maxCount < 0) {
      // L: split body, out; body; jmp L
      const split = this.push(OP_SPLIT, 0, 0);
      this.a[split] = this.op.length;
      this.emit(child);
      this.push(OP_JMP, split, 0);
      this.b[split] = this.op.length;
      return;
    }
    // (max - min) nested optional copies: split body, end ... all exits jump to the end.
    const splits = new Array<i32>();
    for (let i = minCount; i < maxCount; i++) {
      const split = this.push(OP_SPLIT, 0, 0);
      this.a[split] = this.op.length;
      splits.push(split);
      this.emit(child);
      if (this.op.length > MAX_PROGRAM) return;
    }
    const end = this.op.length;
    for (let i = 0; i < splits.length; i++) this.b[splits[i]] = end;
  }

  /** Adds pc and everything reachable by empty transitions to `list`; returns the new size. */
  private addThread(list: Int32Array, size: i32, start: i32, pos: i32, len: i32): i32 {
    const stack = this.stack;
    const mark = this.mark;
    const step = this.step;
    let sp = 0;
    stack[sp++] = start;
    while (sp > 0) {
      const pc = stack[--sp];
      if (unchecked(mark[pc]) == step) continue;
      unchecked((mark[pc] = step));
      const op = unchecked(this.op[pc]);
      if (op == OP_JMP) {
        stack[sp++] = unchecked(this.a[pc]);
      } else if (op == OP_SPLIT) {
        // Pushed in reverse so the preferred branch is explored first (order is irrelevant to
        // whether the input matches, but keeps the thread list in priority order).
        stack[sp++] = unchecked(this.b[pc]);
        stack[sp++] = unchecked(this.a[pc]);
      } else if (op == OP_BOL) {
        if (pos == 0) stack[sp++] = pc + 1;
      } else if (op == OP_EOL) {
        if (pos == len) stack[sp++] = pc + 1;
      } else {
        unchecked((list[size++] = pc));
      }
    }
    return size;
  }

  private run(s: string, full: bool): bool {
    if (this.error !== null) return false;
    const len = s.length;
    let clist = this.clist;
    let nlist = this.nlist;
    let csize = 0;
    if (this.step > 0x3fffffff) {
      this.mark.fill(0);
      this.step = 0;
    }
    this.step++;
    csize = this.addThread(clist, 0, 0, 0, len);
    for (let pos = 0; ; pos++) {
      // Threads waiting at MATCH: accepted when unanchored, or at the end for a full match.
      for (let i = 0; i < csize; i++) {
        const pc = unchecked(clist[i]);
        if (unchecked(this.op[pc]) == OP_MATCH && (!full || pos == len)) return true;
      }
      if (pos == len) return false;
      const c = <i32>s.charCodeAt(pos);
      this.step++;
      let nsize = 0;
      for (let i = 0; i < csize; i++) {
        const pc = unchecked(clist[i]);
        const op = unchecked(this.op[pc]);
        let ok = false;
        if (op == OP_CHAR) ok = unchecked(this.a[pc]) == c;
        else if (op == OP_ANY) ok = c != 0x0a;
        else if (op == OP_CLASS) ok = unchecked(this.classes[unchecked(this.a[pc])]).has(c);
        if (ok) nsize = this.addThread(nlist, nsize, pc + 1, pos + 1, len);
      }
      // An unanchored search may start at every position.
      if (!full && !this.anchored) nsize = this.addThread(nlist, nsize, 0, pos + 1, len);
      if (nsize == 0 && (full || this.anchored)) return false;
      const t = clist;
      clist = nlist;
      nlist = t;
      csize = nsize;
    }
    return false;
  }

  /** True when the pattern matches somewhere in s (Go regexp.MatchString). */
  search(s: string): bool {
    return this.run(s, false);
  }

  /** True when the pattern matches all of s (Envoy safe_regex). */
  fullMatch(s: string): bool {
    return this.run(s, true);
  }
}

/** Compiles `source`; check `.error` before use. */
export function compileRegex(source: string): Regex {
  return new Regex(source);
}
