// Parser for the regular expressions the rate limiter accepts (`regexp:` limit keys, path and
// header matches). AssemblyScript has no RegExp, so this is a small RE2-style subset, matched in
// linear time by the Pike VM in vm.ts (no backtracking, so a hostile key cannot stall a worker):
//   literals and escapes (\. \\ \t \n \r \f \v \xHH \uHHHH), . (any but \n), classes [a-z0-9_] [^...]
//   with \d \w \s \D \W \S inside or outside, anchors ^ $ \A \z, groups ( ) (?: ) (?P<name> ) (?<name> ),
//   alternation |, quantifiers * + ? {n} {n,} {n,m} (a trailing ? for laziness is accepted; it does
//   not change whether a string matches), and a leading (?i) for case-insensitive ASCII.
// Not supported (rejected with an error naming the position): backreferences, lookaround, \b.

export const enum NodeKind {
  Empty = 0,
  Char = 1, // code unit in `value`
  Any = 2, // any code unit except '\n'
  Class = 3, // ranges in `ranges`, `negated`
  Bol = 4,
  Eol = 5,
  Concat = 6,
  Alt = 7,
  Repeat = 8, // child 0, min, max (-1 = unbounded)
}

export class Node {
  kind: NodeKind;
  value: i32 = 0;
  ranges: i32[] = []; // pairs lo, hi (inclusive)
  negated: bool = false;
  children: Node[] = [];
  min: i32 = 0;
  max: i32 = 0;
  constructor(kind: NodeKind) {
    this.kind = kind;
  }
}

/** Largest count accepted in {n,m}; keeps the expanded program small. */
export const MAX_REPEAT: i32 = 1000;

export class ParseResult {
  node: Node | null = null;
  caseInsensitive: bool = false;
  error: string | null = null;
}

function addRange(ranges: i32[], lo: i32, hi: i32): void {
  ranges.push(lo);
  ranges.push(hi);
}

function addPerl(ranges: i32[], c: i32): bool {
  if (c == 0x64 /* d */) {
    addRange(ranges, 0x30, 0x39);
    return true;
  }
  if (c == 0x77 /* w */) {
    addRange(ranges, 0x30, 0x39);
    addRange(ranges, 0x41, 0x5a);
    addRange(ranges, 0x5f, 0x5f);
    addRange(ranges, 0x61, 0x7a);
    return true;
  }
  if (c == 0x73 /* s */) {
    addRange(ranges, 0x09, 0x0a);
    addRange(ranges, 0x0c, 0x0d);
    addRange(ranges, 0x20, 0x20);
    return true;
  }
  return false;
}

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

class Parser {
  src: string;
  pos: i32 = 0;
  error: string | null = null;

  constructor(src: string) {
    this.src = src;
  }

  fail(msg: string): Node {
    if (this.error === null) this.error = msg + " at position " + this.pos.toString();
    return new Node(NodeKind.Empty);
  }

  more(): bool {
    return this.pos < this.src.length;
  }

  peek(): i32 {
    return this.src.charCodeAt(this.pos);
  }

  parseAlt(depth: i32): Node {
    if (depth > 100) return this.fail("nesting too deep");
    const first = this.parseConcat(depth);
    if (!this.more() || this.peek() != 0x7c /* | */) return first;
    const alt = new Node(NodeKind.Alt);
    alt.children.push(first);
    while (this.error === null && this.more() && this.peek() == 0x7c) {
      this.pos++;
      alt.children.push(this.parseConcat(depth));
    }
    return alt;
  }

  parseConcat(depth: i32): Node {
    const cat = new Node(NodeKind.Concat);
    while (this.error === null && this.more()) {
      const c = this.peek();
      if (c == 0x7c || c == 0x29 /* ) */) break;
      const atom = this.parseAtom(depth);
      if (this.error !== null) break;
      cat.children.push(this.parseQuantifiers(atom));
    }
    return cat;
  }

  parseQuantifiers(atom: Node): Node {
    let node = atom;
    while (this.error === null && this.more()) {
      const c = this.peek();
      let min: i32 = -1;
      let max: i32 = -1;
      if (c == 0x2a /* * */) {
        min = 0;
        this.pos++;
      } else if (c == 0x2b /* + */) {
        min = 1;
        this.pos++;
      } else if (c == 0x3f /* ? */) {
        min = 0;
        max = 1;
        this.pos++;
      } else if (c == 0x7b /* { */) {
        const save = this.pos;
        if (!this.parseBraces()) {
          // Not a valid counted repetition: a literal '{' (RE2 does the same).
          this.pos = save;
          break;
        }
        min = this.braceMin;
        max = this.braceMax;
      } else {
        break;
      }
      if (node.kind == NodeKind.Bol || node.kind == NodeKind.Eol || node.kind == NodeKind.Empty) {
        this.fail("missing argument to repetition operator");
        return node;
      }
      if (node.kind == NodeKind.Repeat) {
        this.fail("invalid nested repetition operator");
        return node;
      }
      if (this.more() && this.peek() == 0x3f) this.pos++; // lazy suffix: same match set
      const rep = new Node(NodeKind.Repeat);
      rep.children.push(node);
      rep.min = min;
      rep.max = max;
      node = rep;
    }
    return node;
  }

  braceMin: i32 = 0;
  braceMax: i32 = 0;

  /** Reads {n}, {n,}, {n,m} at pos; false (pos unspecified) when it is not one. */
  parseBraces(): bool {
    this.pos++; // {
    const n = this.parseInt();
    if (n < 0) return false;
    let m = n;
    if (this.more() && this.peek() == 0x2c /* , */) {
      this.pos++;
      if (this.more() && this.peek() == 0x7d) m = -1;
      else {
        m = this.parseInt();
        if (m < 0) return false;
      }
    }
    if (!this.more() || this.peek() != 0x7d /* } */) return false;
    this.pos++;
    if (n > MAX_REPEAT || m > MAX_REPEAT) {
      this.fail("repetition count above " + MAX_REPEAT.toString());
      return true;
    }
    if (m >= 0 && m < n) {
      this.fail("invalid repetition range");
      return true;
    }
    this.braceMin = n;
    this.braceMax = m;
    return true;
  }

  parseInt(): i32 {
    let v: i32 = 0;
    let digits = 0;
    while (this.more()) {
      const c = this.peek();
      if (c < 0x30 || c > 0x39) break;
      if (v < 100000) v = v * 10 + (c - 0x30);
      digits++;
      this.pos++;
    }
    return digits == 0 ? -1 : v;
  }

  parseAtom(depth: i32): Node {
    const c = this.peek();
    if (c == 0x28 /* ( */) return this.parseGroup(depth);
    if (c == 0x5b /* [ */) return this.parseClass();
    if (c == 0x2e /* . */) {
      this.pos++;
      return new Node(NodeKind.Any);
    }
    if (c == 0x5e /* ^ */) {
      this.pos++;
      return new Node(NodeKind.Bol);
    }
    if (c == 0x24 /* $ */) {
      this.pos++;
      return new Node(NodeKind.Eol);
    }
    if (c == 0x2a || c == 0x2b || c == 0x3f) return this.fail("missing argument to repetition operator");
    if (c == 0x5c /* \ */) return this.parseEscape();
    this.pos++;
    const n = new Node(NodeKind.Char);
    n.value = c;
    return n;
  }

  parseGroup(depth: i32): Node {
    this.pos++; // (
    if (this.more() && this.peek() == 0x3f /* ? */) {
      this.pos++;
      if (!this.more()) return this.fail("missing closing )");
      const k = this.peek();
      if (k == 0x3a /* : */) {
        this.pos++;
      } else if (k == 0x50 /* P */ || k == 0x3c /* < */) {
        if (k == 0x50) this.pos++;
        if (!this.more() || this.peek() != 0x3c) return this.fail("invalid named capture");
        const close = this.src.indexOf(">", this.pos);
        if (close < 0) return this.fail("invalid named capture");
        this.pos = close + 1;
      } else {
        return this.fail("unsupported group syntax (?" + String.fromCharCode(k));
      }
    }
    const inner = this.parseAlt(depth + 1);
    if (this.error !== null) return inner;
    if (!this.more() || this.peek() != 0x29) return this.fail("missing closing )");
    this.pos++;
    // Wrapped so that (a*)* is not mistaken for the nested repetition a**.
    const group = new Node(NodeKind.Concat);
    group.children.push(inner);
    return group;
  }

  /** An escape outside a class: a Char, a Class (\d...), or an anchor. */
  parseEscape(): Node {
    this.pos++; // backslash
    if (!this.more()) return this.fail("trailing backslash");
    const c = this.peek();
    this.pos++;
    if (c == 0x41 /* A */) return new Node(NodeKind.Bol);
    if (c == 0x7a /* z */) return new Node(NodeKind.Eol);
    const lower = c | 0x20;
    if (lower == 0x64 || lower == 0x77 || lower == 0x73) {
      const n = new Node(NodeKind.Class);
      addPerl(n.ranges, lower);
      n.negated = c != lower;
      return n;
    }
    const v = this.escapedChar(c);
    if (v < 0) return new Node(NodeKind.Empty);
    const n = new Node(NodeKind.Char);
    n.value = v;
    return n;
  }

  /** Value of a single-character escape whose letter `c` was just consumed; -1 after fail(). */
  escapedChar(c: i32): i32 {
    if (c == 0x74) return 0x09; // \t
    if (c == 0x6e) return 0x0a; // \n
    if (c == 0x72) return 0x0d; // \r
    if (c == 0x66) return 0x0c; // \f
    if (c == 0x76) return 0x0b; // \v
    if (c == 0x78 /* x */ || c == 0x75 /* u */) {
      const len = c == 0x78 ? 2 : 4;
      if (this.pos + len > this.src.length) {
        this.fail("invalid escape");
        return -1;
      }
      let v: i32 = 0;
      for (let i = 0; i < len; i++) {
        const h = hexVal(this.src.charCodeAt(this.pos + i));
        if (h < 0) {
          this.fail("invalid escape");
          return -1;
        }
        v = (v << 4) | h;
      }
      this.pos += len;
      return v;
    }
    // Punctuation escapes itself; letters and digits would be backreferences or unknown classes.
    const isWordChar = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f;
    if (isWordChar) {
      this.pos--;
      this.fail("unsupported escape \\" + String.fromCharCode(c));
      return -1;
    }
    return c;
  }

  parseClass(): Node {
    this.pos++; // [
    const n = new Node(NodeKind.Class);
    if (this.more() && this.peek() == 0x5e) {
      n.negated = true;
      this.pos++;
    }
    let first = true;
    while (this.error === null) {
      if (!this.more()) return this.fail("missing closing ]");
      let c = this.peek();
      if (c == 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      this.pos++;
      if (c == 0x5c) {
        if (!this.more()) return this.fail("missing closing ]");
        const e = this.peek();
        this.pos++;
        if (addPerl(n.ranges, e)) continue;
        const le = e | 0x20;
        if (le == 0x64 || le == 0x77 || le == 0x73) return this.fail("negated class escape inside []");
        c = this.escapedChar(e);
        if (c < 0) return n;
      }
      let hi = c;
      // A range a-z, unless the '-' is last before ']'.
      if (this.pos + 1 < this.src.length && this.peek() == 0x2d && this.src.charCodeAt(this.pos + 1) != 0x5d) {
        this.pos++;
        hi = this.peek();
        this.pos++;
        if (hi == 0x5c) {
          if (!this.more()) return this.fail("missing closing ]");
          const e = this.peek();
          this.pos++;
          hi = this.escapedChar(e);
          if (hi < 0) return n;
        }
        if (hi < c) return this.fail("invalid character class range");
      }
      addRange(n.ranges, c, hi);
    }
    return n;
  }
}

export function parseRegex(src: string): ParseResult {
  const out = new ParseResult();
  let body = src;
  if (body.startsWith("(?i)")) {
    out.caseInsensitive = true;
    body = body.substring(4);
  }
  const p = new Parser(body);
  const node = p.parseAlt(0);
  if (p.error === null && p.more()) p.fail("unexpected )");
  if (p.error !== null) {
    out.error = p.error;
    return out;
  }
  out.node = node;
  return out;
}
