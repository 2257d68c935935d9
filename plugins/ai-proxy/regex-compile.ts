// Parser and compiler for regex.ts: pattern text -> syntax tree -> backtracking-VM program.
// Errors are recorded (`missing closing ) at offset 4`), never thrown. (A little over 400 lines:
// the parser and the compiler share the tree types and only make sense together.)

export const OP_CHAR: i32 = 0; // a = code unit
export const OP_ANY: i32 = 1; // any but \n
export const OP_CLASS: i32 = 2; // a = class index
export const OP_SPLIT: i32 = 3; // a = preferred pc, b = other pc
export const OP_JMP: i32 = 4; // a = pc
export const OP_SAVE: i32 = 5; // a = capture slot
export const OP_MATCH: i32 = 6;
export const OP_BOL: i32 = 7;
export const OP_EOL: i32 = 8;
export const OP_WORDB: i32 = 9;
export const OP_NWORDB: i32 = 10;

const MAX_PROGRAM: i32 = 5000;
const MAX_REPEAT: i32 = 1000;
// Memo bound: 4 Mbit = 512 KB. Longer texts simply do not match.
const MAX_VISITED_BITS: i64 = 4 << 20;

export class Inst {
  constructor(public op: i32, public a: i32 = 0, public b: i32 = 0) {}
}

/** A set of code-unit ranges, stored as [lo, hi] pairs. */
export class CharClass {
  ranges: i32[] = [];
  negated: bool = false;

  add(lo: i32, hi: i32): void {
    this.ranges.push(lo);
    this.ranges.push(hi);
  }

  has(c: i32, fold: bool): bool {
    let found = this.inRanges(c);
    if (!found && fold) {
      if (c >= 0x41 && c <= 0x5a) found = this.inRanges(c + 32);
      else if (c >= 0x61 && c <= 0x7a) found = this.inRanges(c - 32);
    }
    return found != this.negated;
  }

  private inRanges(c: i32): bool {
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (c >= unchecked(this.ranges[i]) && c <= unchecked(this.ranges[i + 1])) return true;
    }
    return false;
  }
}

// ---- syntax tree -------------------------------------------------------------------------------

const N_CHAR: i32 = 0;
const N_ANY: i32 = 1;
const N_CLASS: i32 = 2;
const N_SEQ: i32 = 3;
const N_ALT: i32 = 4;
const N_REPEAT: i32 = 5;
const N_GROUP: i32 = 6; // a = capture index, or -1 for (?:...)
const N_BOL: i32 = 7;
const N_EOL: i32 = 8;
const N_WORDB: i32 = 9;
const N_NWORDB: i32 = 10;

class Node {
  kids: Node[] = [];
  a: i32 = 0; // char code, class index, group index, repeat min
  b: i32 = 0; // repeat max (-1 = unbounded)
  greedy: bool = true;
  constructor(public kind: i32) {}
}

@inline export function isWordChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

export class Parser {
  pos: i32 = 0;
  error: string | null = null;
  groups: i32 = 0; // capture groups seen (group 0 is the whole match)
  names: string[] = [""];
  classes: CharClass[] = [];

  constructor(public src: string) {}

  fail(msg: string): Node {
    if (this.error === null) this.error = msg + " at offset " + this.pos.toString();
    return new Node(N_SEQ);
  }

  more(): bool {
    return this.pos < this.src.length;
  }

  peek(): i32 {
    return this.src.charCodeAt(this.pos);
  }

  parseAlt(): Node {
    const first = this.parseSeq();
    if (!this.more() || this.peek() != 0x7c) return first;
    const alt = new Node(N_ALT);
    alt.kids.push(first);
    while (this.more() && this.peek() == 0x7c && this.error === null) {
      this.pos++;
      alt.kids.push(this.parseSeq());
    }
    return alt;
  }

  parseSeq(): Node {
    const seq = new Node(N_SEQ);
    while (this.more() && this.error === null) {
      const c = this.peek();
      if (c == 0x7c || c == 0x29) break; // | )
      const atom = this.parseAtom();
      seq.kids.push(this.parseQuantifier(atom));
    }
    return seq;
  }

  parseQuantifier(atom: Node): Node {
    if (!this.more()) return atom;
    const c = this.peek();
    let min = -1;
    let max = -1;
    if (c == 0x2a) { min = 0; max = -1; this.pos++; }
    else if (c == 0x2b) { min = 1; max = -1; this.pos++; }
    else if (c == 0x3f) { min = 0; max = 1; this.pos++; }
    else if (c == 0x7b) {
      const save = this.pos;
      if (!this.parseBraces()) {
        this.pos = save; // not a repeat: `{` is a literal, as in Go
        return atom;
      }
      min = this.repMin;
      max = this.repMax;
    } else return atom;
    if (atom.kind == N_BOL || atom.kind == N_EOL) return this.fail("nothing to repeat");
    if (min > MAX_REPEAT || max > MAX_REPEAT) return this.fail("repeat count too large");
    if (max != -1 && max < min) return this.fail("invalid repeat range");
    const rep = new Node(N_REPEAT);
    rep.kids.push(atom);
    rep.a = min;
    rep.b = max;
    if (this.more() && this.peek() == 0x3f) {
      rep.greedy = false;
      this.pos++;
    }
    if (this.more()) {
      const n = this.peek();
      if (n == 0x2a || n == 0x2b || n == 0x3f) return this.fail("invalid nested repetition operator");
    }
    return rep;
  }

  repMin: i32 = 0;
  repMax: i32 = 0;

  /** `{n}`, `{n,}`, `{n,m}` at pos; sets repMin/repMax. */
  parseBraces(): bool {
    this.pos++; // {
    const min = this.parseInt();
    if (min < 0) return false;
    let max = min;
    if (this.more() && this.peek() == 0x2c) {
      this.pos++;
      if (this.more() && this.peek() == 0x7d) max = -1;
      else {
        max = this.parseInt();
        if (max < 0) return false;
      }
    }
    if (!this.more() || this.peek() != 0x7d) return false;
    this.pos++;
    this.repMin = min;
    this.repMax = max;
    return true;
  }

  parseInt(): i32 {
    let n = 0;
    let digits = 0;
    while (this.more()) {
      const c = this.peek();
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
      if (n > 100000) n = 100000;
      digits++;
      this.pos++;
    }
    return digits == 0 ? -1 : n;
  }

  parseAtom(): Node {
    const c = this.peek();
    this.pos++;
    if (c == 0x28) return this.parseGroup();
    if (c == 0x5b) return this.parseClass();
    if (c == 0x2e) return new Node(N_ANY);
    if (c == 0x5e) return new Node(N_BOL);
    if (c == 0x24) return new Node(N_EOL);
    if (c == 0x5c) return this.parseEscape(false);
    if (c == 0x2a || c == 0x2b || c == 0x3f) return this.fail("missing argument to repetition operator");
    const n = new Node(N_CHAR);
    n.a = c;
    return n;
  }

  parseGroup(): Node {
    const g = new Node(N_GROUP);
    g.a = -1;
    if (this.more() && this.peek() == 0x3f) {
      this.pos++;
      if (!this.more()) return this.fail("missing closing )");
      const k = this.peek();
      if (k == 0x3a) {
        this.pos++; // (?:
      } else if (k == 0x50 || k == 0x3c) {
        if (k == 0x50) {
          this.pos++;
          if (!this.more() || this.peek() != 0x3c) return this.fail("invalid named capture");
        }
        this.pos++; // <
        const end = this.src.indexOf(">", this.pos);
        if (end < 0) return this.fail("invalid named capture");
        const name = this.src.substring(this.pos, end);
        if (name.length == 0) return this.fail("invalid named capture");
        this.pos = end + 1;
        g.a = ++this.groups;
        this.names.push(name);
      } else return this.fail("unsupported group flag");
    } else {
      g.a = ++this.groups;
      this.names.push("");
    }
    g.kids.push(this.parseAlt());
    if (!this.more() || this.peek() != 0x29) return this.fail("missing closing )");
    this.pos++;
    return g;
  }

  /** Class escapes shared by atoms and [...] bodies. Returns null when `e` is not one. */
  shorthand(e: i32): CharClass | null {
    const lower = e | 0x20;
    if (lower != 0x64 && lower != 0x77 && lower != 0x73) return null;
    const cc = new CharClass();
    if (lower == 0x64) cc.add(0x30, 0x39);
    else if (lower == 0x73) {
      cc.add(0x09, 0x0a);
      cc.add(0x0c, 0x0d);
      cc.add(0x20, 0x20);
    } else {
      cc.add(0x30, 0x39);
      cc.add(0x41, 0x5a);
      cc.add(0x61, 0x7a);
      cc.add(0x5f, 0x5f);
    }
    cc.negated = e != lower; // upper-case letter = complement
    return cc;
  }

  /** Escaped literal code unit, or -1 after recording an error. */
  escapedChar(e: i32): i32 {
    if (e == 0x6e) return 0x0a;
    if (e == 0x74) return 0x09;
    if (e == 0x72) return 0x0d;
    if (e == 0x66) return 0x0c;
    if (e == 0x76) return 0x0b;
    if (isWordChar(e)) {
      this.fail("unsupported escape \\" + String.fromCharCode(e));
      return -1;
    }
    return e; // punctuation escapes itself
  }

  parseEscape(inClass: bool): Node {
    if (!this.more()) return this.fail("trailing backslash");
    const e = this.peek();
    this.pos++;
    const cc = this.shorthand(e);
    if (cc !== null) {
      const n = new Node(N_CLASS);
      n.a = this.classes.length;
      this.classes.push(cc);
      return n;
    }
    if (!inClass && e == 0x62) return new Node(N_WORDB);
    if (!inClass && e == 0x42) return new Node(N_NWORDB);
    const ch = this.escapedChar(e);
    const n = new Node(N_CHAR);
    n.a = ch;
    return n;
  }

  parseClass(): Node {
    const cc = new CharClass();
    if (this.more() && this.peek() == 0x5e) {
      cc.negated = true;
      this.pos++;
    }
    let first = true;
    while (true) {
      if (!this.more()) return this.fail("missing closing ]");
      let c = this.peek();
      if (c == 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      this.pos++;
      if (c == 0x5c) {
        if (!this.more()) return this.fail("missing closing ]");
        const e = this.peek();
        this.pos++;
        const sh = this.shorthand(e);
        if (sh !== null) {
          if (sh.negated) return this.fail("negated shorthand inside a class is unsupported");
          for (let i = 0; i < sh.ranges.length; i += 2) cc.add(sh.ranges[i], sh.ranges[i + 1]);
          continue;
        }
        c = this.escapedChar(e);
        if (c < 0) return new Node(N_SEQ);
      }
      let hi = c;
      if (this.pos + 1 < this.src.length && this.peek() == 0x2d && this.src.charCodeAt(this.pos + 1) != 0x5d) {
        this.pos++; // -
        hi = this.peek();
        this.pos++;
        if (hi == 0x5c) {
          if (!this.more()) return this.fail("missing closing ]");
          hi = this.escapedChar(this.peek());
          this.pos++;
          if (hi < 0) return new Node(N_SEQ);
        }
        if (hi < c) return this.fail("invalid character class range");
      }
      cc.add(c, hi);
    }
    const n = new Node(N_CLASS);
    n.a = this.classes.length;
    this.classes.push(cc);
    return n;
  }
}

// ---- compiler ----------------------------------------------------------------------------------

export class Compiler {
  prog: Inst[] = [];
  error: string | null = null;

  emit(op: i32, a: i32 = 0, b: i32 = 0): i32 {
    if (this.prog.length >= MAX_PROGRAM) {
      if (this.error === null) this.error = "pattern too large";
      return this.prog.length - 1;
    }
    this.prog.push(new Inst(op, a, b));
    return this.prog.length - 1;
  }

  node(n: Node): void {
    if (this.error !== null) return;
    const k = n.kind;
    if (k == N_CHAR) this.emit(OP_CHAR, n.a);
    else if (k == N_ANY) this.emit(OP_ANY);
    else if (k == N_CLASS) this.emit(OP_CLASS, n.a);
    else if (k == N_BOL) this.emit(OP_BOL);
    else if (k == N_EOL) this.emit(OP_EOL);
    else if (k == N_WORDB) this.emit(OP_WORDB);
    else if (k == N_NWORDB) this.emit(OP_NWORDB);
    else if (k == N_SEQ) {
      for (let i = 0; i < n.kids.length; i++) this.node(n.kids[i]);
    } else if (k == N_GROUP) {
      if (n.a >= 0) this.emit(OP_SAVE, n.a * 2);
      this.node(n.kids[0]);
      if (n.a >= 0) this.emit(OP_SAVE, n.a * 2 + 1);
    } else if (k == N_ALT) {
      const jumps: i32[] = [];
      for (let i = 0; i < n.kids.length - 1; i++) {
        const split = this.emit(OP_SPLIT);
        this.prog[split].a = this.prog.length;
        this.node(n.kids[i]);
        jumps.push(this.emit(OP_JMP));
        this.prog[split].b = this.prog.length;
      }
      this.node(n.kids[n.kids.length - 1]);
      for (let i = 0; i < jumps.length; i++) this.prog[jumps[i]].a = this.prog.length;
    } else if (k == N_REPEAT) this.repeat(n);
  }

  /** x{min,max}: min copies, then (max-min) optional copies or a star. */
  repeat(n: Node): void {
    const body = n.kids[0];
    for (let i = 0; i < n.a; i++) this.node(body);
    if (n.b == -1) {
      const split = this.emit(OP_SPLIT);
      this.node(body);
      this.emit(OP_JMP, split);
      this.setSplit(split, split + 1, this.prog.length, n.greedy);
      return;
    }
    const splits: i32[] = [];
    for (let i = n.a; i < n.b; i++) {
      const split = this.emit(OP_SPLIT);
      splits.push(split);
      this.node(body);
      this.setSplit(split, split + 1, 0, n.greedy);
    }
    const end = this.prog.length;
    for (let i = 0; i < splits.length; i++) {
      const s = this.prog[splits[i]];
      if (n.greedy) s.b = end;
      else s.a = end;
    }
  }

  setSplit(at: i32, body: i32, out: i32, greedy: bool): void {
    if (this.error !== null) return;
    const s = this.prog[at];
    s.a = greedy ? body : out;
    s.b = greedy ? out : body;
  }
}

