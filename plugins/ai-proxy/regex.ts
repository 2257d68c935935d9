// A small RE2-style regular expression engine for the two places the Higress config uses Go
// regexps: `~regex` modelMapping keys (with Go's ReplaceAllString `$1` / `${name}` templates) and
// status patterns (`failoverOnStatus`, `retryOnStatus`). AssemblyScript has no RegExp.
//
// Syntax: literals, `.`, `[...]` (ranges, negation, \d \w \s inside), `\d \w \s \D \W \S \b \B`,
// `^ $` (whole text), groups `(...)`, `(?:...)`, `(?P<name>...)` / `(?<name>...)`, `|`,
// `* + ? {n} {n,} {n,m}` and their lazy forms, and a leading `(?i)`.
// Matching is leftmost-first (Go's default) with a backtracking VM that memoizes (pc, position)
// pairs (RE2's "bit state"), so time is bounded by program size x text length: no blow-up.
// Text is matched by UTF-16 code unit; model names and status codes are ASCII.

import {
  OP_CHAR, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_SAVE, OP_MATCH, OP_BOL, OP_EOL, OP_WORDB, OP_NWORDB,
  Inst, CharClass, Parser, Compiler, isWordChar,
} from "./regex-compile";

// Memo bound: 4 Mbit = 512 KB. Longer texts simply do not match.
const MAX_VISITED_BITS: i64 = 4 << 20;

// ---- matcher -----------------------------------------------------------------------------------

/** A compiled pattern. Build with Regex.compile; check `error` first. */
export class Regex {
  error: string | null = null;
  prog: Inst[] = [];
  classes: CharClass[] = [];
  names: string[] = [];
  fold: bool = false;
  /** Capture slots of the last successful find: [start0, end0, start1, end1, ...], -1 = unset. */
  caps: i32[] = [];

  private visited: Uint32Array = new Uint32Array(0);
  private stackPc: i32[] = [];
  private stackPos: i32[] = [];
  private stackSlot: i32[] = []; // -1 = a thread; >= 0 = restore caps[slot] = stackPos value
  private work: i32[] = [];

  static compile(pattern: string): Regex {
    const re = new Regex();
    let src = pattern;
    if (src.startsWith("(?i)")) {
      re.fold = true;
      src = src.substring(4);
    }
    const p = new Parser(src);
    const tree = p.parseAlt();
    if (p.error === null && p.more()) p.fail("unexpected )");
    if (p.error !== null) {
      re.error = p.error;
      return re;
    }
    const c = new Compiler();
    // Whole match is group 0.
    c.emit(OP_SAVE, 0);
    c.node(tree);
    c.emit(OP_SAVE, 1);
    c.emit(OP_MATCH);
    if (c.error !== null) {
      re.error = c.error;
      return re;
    }
    re.prog = c.prog;
    re.classes = p.classes;
    re.names = p.names;
    re.caps = new Array<i32>((p.groups + 1) * 2).fill(-1);
    return re;
  }

  /** Number of capture groups, group 0 excluded. */
  get groupCount(): i32 {
    return this.caps.length / 2 - 1;
  }

  /** True when the pattern matches somewhere in `text` (Go MatchString). */
  test(text: string): bool {
    return this.find(text, 0);
  }

  /** True when the pattern matches all of `text` (used for status patterns like `4.*`). */
  fullMatch(text: string): bool {
    if (!this.resetVisited(text.length)) return false;
    return this.run(text, 0, text.length);
  }

  /** Finds the leftmost-first match starting at or after `from`; fills `caps`. */
  find(text: string, from: i32): bool {
    if (!this.resetVisited(text.length)) return false;
    for (let start = from; start <= text.length; start++) {
      if (this.run(text, start, -1)) return true;
    }
    return false;
  }

  /** Clears the (pc, position) memo; false when the text is too long to match in bounded memory. */
  private resetVisited(len: i32): bool {
    if (this.error !== null) return false;
    const bits = <i64>this.prog.length * <i64>(len + 1);
    if (bits > MAX_VISITED_BITS) return false;
    const words = <i32>((bits + 31) >>> 5);
    if (this.visited.length < words) this.visited = new Uint32Array(words);
    else this.visited.fill(0, 0, words);
    return true;
  }

  /** Backtracking from (pc 0, start). requireEnd >= 0 accepts only matches ending there. */
  private run(text: string, start: i32, requireEnd: i32): bool {
    const len = text.length;
    const caps = this.caps;
    for (let i = 0; i < caps.length; i++) unchecked(caps[i] = -1);
    this.stackPc.length = 0;
    this.stackPos.length = 0;
    this.stackSlot.length = 0;
    this.push(0, start, -1);
    while (this.stackPc.length > 0) {
      const pcTop = this.stackPc.pop();
      const posTop = this.stackPos.pop();
      const slot = this.stackSlot.pop();
      if (slot >= 0) {
        caps[slot] = posTop; // undo a SAVE while backtracking
        continue;
      }
      let pc = pcTop;
      let pos = posTop;
      while (true) {
        const bit = pc * (len + 1) + pos;
        const word = bit >>> 5;
        const mask: u32 = 1 << (bit & 31);
        if ((this.visited[word] & mask) != 0) break;
        this.visited[word] |= mask;
        const ins = unchecked(this.prog[pc]);
        const op = ins.op;
        if (op == OP_CHAR) {
          if (pos < len && this.sameChar(text.charCodeAt(pos), ins.a)) { pc++; pos++; continue; }
          break;
        } else if (op == OP_ANY) {
          if (pos < len && text.charCodeAt(pos) != 0x0a) { pc++; pos++; continue; }
          break;
        } else if (op == OP_CLASS) {
          if (pos < len && this.classes[ins.a].has(text.charCodeAt(pos), this.fold)) { pc++; pos++; continue; }
          break;
        } else if (op == OP_SPLIT) {
          this.push(ins.b, pos, -1);
          pc = ins.a;
          continue;
        } else if (op == OP_JMP) {
          pc = ins.a;
          continue;
        } else if (op == OP_SAVE) {
          this.push(0, caps[ins.a], ins.a);
          caps[ins.a] = pos;
          pc++;
          continue;
        } else if (op == OP_BOL) {
          if (pos == 0) { pc++; continue; }
          break;
        } else if (op == OP_EOL) {
          if (pos == len) { pc++; continue; }
          break;
        } else if (op == OP_WORDB || op == OP_NWORDB) {
          const before = pos > 0 && isWordChar(text.charCodeAt(pos - 1));
          const after = pos < len && isWordChar(text.charCodeAt(pos));
          if ((before != after) == (op == OP_WORDB)) { pc++; continue; }
          break;
        } else {
          // OP_MATCH
          if (requireEnd < 0 || pos == requireEnd) return true;
          break;
        }
      }
    }
    return false;
  }

  @inline private sameChar(c: i32, want: i32): bool {
    if (c == want) return true;
    if (!this.fold) return false;
    return ((c | 0x20) == (want | 0x20)) && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
  }

  @inline private push(pc: i32, pos: i32, slot: i32): void {
    this.stackPc.push(pc);
    this.stackPos.push(pos);
    this.stackSlot.push(slot);
  }

  /** Go's Regexp.ReplaceAllString(text, template): every non-overlapping match replaced by the
   *  template with `$1`, `${1}`, `$name`, `${name}` expanded and `$$` as a literal `$`. */
  replaceAll(text: string, template: string): string {
    let out = "";
    let lastEnd = 0;
    let searchPos = 0;
    while (searchPos <= text.length) {
      if (!this.find(text, searchPos)) break;
      const a0 = this.caps[0];
      const a1 = this.caps[1];
      out += text.substring(lastEnd, a0);
      // An empty match right after the previous match is not replaced (Go does the same).
      if (a1 > lastEnd || a0 == 0) out += this.expand(text, template);
      lastEnd = a1;
      searchPos = a1 > searchPos ? a1 : searchPos + 1;
    }
    return out + text.substring(lastEnd);
  }

  /** Go's Regexp.Expand over the current captures. */
  expand(text: string, template: string): string {
    let out = "";
    let i = 0;
    const t = template;
    while (i < t.length) {
      const d = t.indexOf("$", i);
      if (d < 0) {
        out += t.substring(i);
        break;
      }
      out += t.substring(i, d);
      i = d + 1;
      if (i < t.length && t.charCodeAt(i) == 0x24) {
        out += "$";
        i++;
        continue;
      }
      let name = "";
      if (i < t.length && t.charCodeAt(i) == 0x7b) {
        const close = t.indexOf("}", i);
        if (close < 0) {
          out += "$";
          continue;
        }
        name = t.substring(i + 1, close);
        if (name.length == 0 || !isName(name)) {
          out += "$";
          continue;
        }
        i = close + 1;
      } else {
        let j = i;
        while (j < t.length && isWordChar(t.charCodeAt(j))) j++;
        if (j == i) {
          out += "$";
          continue;
        }
        name = t.substring(i, j);
        i = j;
      }
      out += this.group(text, name);
    }
    return out;
  }

  /** Text of a numbered or named group, "" when unknown or unset. */
  private group(text: string, name: string): string {
    let idx = -1;
    if (isDigits(name)) {
      idx = name.length > 6 ? -1 : I32.parseInt(name);
    } else {
      for (let g = 1; g < this.names.length; g++) {
        if (this.names[g] == name) {
          idx = g;
          break;
        }
      }
    }
    if (idx < 0 || idx * 2 + 1 >= this.caps.length) return "";
    const s = this.caps[idx * 2];
    const e = this.caps[idx * 2 + 1];
    if (s < 0 || e < 0) return "";
    return text.substring(s, e);
  }
}

function isDigits(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return s.length > 0;
}

function isName(s: string): bool {
  for (let i = 0; i < s.length; i++) if (!isWordChar(s.charCodeAt(i))) return false;
  return true;
}
