// Typed reads over a JsonDoc that turn a wrong type into a ConvertError naming the field
// ("messages[2].content: expected string or array, got number") instead of trapping. One Reader is
// kept per converter (conversions never overlap: wasm runs one request at a time) and carries the
// output buffer, so helpers take a single argument.
//
// Field paths cost nothing until something fails: the reader keeps a stack of (name, index) that
// callers push with enter("messages", 2) / leave(), and errors name a key relative to it.
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL, kindName } from "./json-tape";
import { OutBuf } from "./out-buf";
import { ConvertError } from "./converter";

const MAX_PATH: i32 = 16;

export class Reader {
  doc: JsonDoc = new JsonDoc(256);
  out: OutBuf = new OutBuf(4096);
  err: ConvertError | null = null;
  /** HTTP status for failures: 400 for a client body, 502 for an upstream body. */
  status: i32 = 400;
  // Path stack. Names are string literals (static data, never collected), kept as pointers so a
  // push is two stores and no GC write barrier.
  private names: StaticArray<usize> = new StaticArray<usize>(MAX_PATH);
  private idx: StaticArray<i32> = new StaticArray<i32>(MAX_PATH);
  private depth: i32 = 0;

  /** Parses text and requires a top-level object; "body" names it in errors. */
  open(text: string, status: i32): bool {
    this.status = status;
    this.err = null;
    this.depth = 0;
    // Do not keep a huge buffer alive after one huge body (base64 images): start small again.
    if (this.out.capacity > 1 << 20) this.out = new OutBuf(4096);
    this.out.reset();
    if (!this.doc.parse(text)) return this.fail("body", this.doc.error);
    if (this.doc.count == 0 || this.doc.kind(0) != K_OBJ) return this.fail("body", "expected a JSON object");
    return true;
  }

  /** Pushes a path segment: `name` (a string literal) and, for array elements, its index. */
  enter(name: string, i: i32 = -1): void {
    if (this.depth < MAX_PATH) {
      unchecked((this.names[this.depth] = changetype<usize>(name)));
      unchecked((this.idx[this.depth] = i));
    }
    this.depth++;
  }

  @inline leave(): void {
    this.depth--;
  }

  /** The current path plus `key` ("" for the current value itself): "messages[2].content". */
  path(key: string): string {
    let p = "";
    const n = this.depth < MAX_PATH ? this.depth : MAX_PATH;
    for (let k = 0; k < n; k++) {
      const name = changetype<string>(unchecked(this.names[k]));
      if (name.length > 0) p += p.length > 0 ? "." + name : name;
      const i = unchecked(this.idx[k]);
      if (i >= 0) p += "[" + i.toString() + "]";
    }
    if (key.length > 0) p += p.length > 0 ? "." + key : key;
    return p.length > 0 ? p : "body";
  }

  /** Records the first failure at path(key); always returns false so callers can `return r.fail(...)`. */
  fail(key: string, msg: string): bool {
    if (this.err === null) {
      const p = this.path(key);
      this.err = new ConvertError(this.status, p + ": " + msg, p);
    }
    return false;
  }

  /** Records "expected <what>, got <kind of t>" at path(key). */
  wrong(key: string, what: string, t: i32): bool {
    return this.fail(key, "expected " + what + ", got " + kindName(this.doc.kind(t)));
  }

  @inline ok(): bool {
    return this.err === null;
  }

  /** Member `key` of object o when it is present and not null; -1 otherwise. */
  @inline member(o: i32, key: string): i32 {
    const t = this.doc.get(o, key);
    return this.doc.kind(t) == K_NULL ? -1 : t;
  }

  /** Optional member of the given kind: its token, -1 when absent/null, -2 (and an error) when mistyped. */
  opt(o: i32, key: string, kind: i32): i32 {
    const t = this.member(o, key);
    if (t < 0) return -1;
    if (!this.kindIs(t, kind)) {
      this.wrong(key, kindName(kind), t);
      return -2;
    }
    return t;
  }

  /** Required member of the given kind, or -1 with an error. */
  req(o: i32, key: string, kind: i32): i32 {
    const t = this.member(o, key);
    if (t < 0) {
      this.fail(key, "required " + kindName(kind) + " is missing");
      return -1;
    }
    if (!this.kindIs(t, kind)) {
      this.wrong(key, kindName(kind), t);
      return -1;
    }
    return t;
  }

  /** Kind check where K_TRUE also accepts false (both are "boolean"). */
  @inline kindIs(t: i32, kind: i32): bool {
    const k = this.doc.kind(t);
    return k == kind || (kind == K_TRUE && k == K_FALSE);
  }

  /** Optional boolean member: 1 true, 0 false, -1 absent, -2 mistyped. */
  optBool(o: i32, key: string): i32 {
    const t = this.opt(o, key, K_TRUE);
    if (t < 0) return t;
    return this.doc.kind(t) == K_TRUE ? 1 : 0;
  }

  /** Positive integer member (token limits, counts): value, -1 absent, -2 invalid (error set). */
  optPositiveInt(o: i32, key: string): i64 {
    const t = this.opt(o, key, K_NUM);
    if (t < 0) return t;
    const v = this.doc.int(t);
    if (v < 1) {
      this.fail(key, "expected a positive integer");
      return -2;
    }
    return v;
  }

  /** Requires every element of array member `key` (token a) to be a string (stop sequences). */
  allStrings(a: i32, key: string): bool {
    const d = this.doc;
    let i = 0;
    for (let e = d.first(a); e < d.after(a); e = d.after(e)) {
      if (d.kind(e) != K_STR) {
        this.enter(key, i);
        this.wrong("", "string", e);
        this.leave();
        return false;
      }
      i++;
    }
    return true;
  }

  /** Copies token t to the output verbatim (strings keep their escapes). */
  copy(t: i32): void {
    this.out.span(this.doc.src, this.doc.start(t), this.doc.end(t));
  }

  /** Copies a string token's content without its quotes (to splice into another JSON string). */
  copyInner(t: i32): void {
    this.out.span(this.doc.src, this.doc.start(t) + 1, this.doc.end(t) - 1);
  }

  /** Writes `prefix` then token t verbatim. */
  field(prefix: string, t: i32): void {
    this.out.str(prefix);
    this.copy(t);
  }

  /** True when string token t is "" (two quote characters). */
  @inline isEmptyStr(t: i32): bool {
    return this.doc.end(t) - this.doc.start(t) <= 2;
  }

  /** Writes token t's raw JSON text as a JSON string value (object -> "{\"a\":1}"). */
  quoteRaw(t: i32): void {
    this.out.ch(0x22);
    this.out.escaped(this.doc.src, this.doc.start(t), this.doc.end(t));
    this.out.ch(0x22);
  }
}

export { K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL };
