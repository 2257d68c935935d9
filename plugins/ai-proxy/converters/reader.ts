// Typed reads over a JsonDoc that turn a wrong type into a ConvertError naming the field
// ("messages[2].content: expected string or array, got number") instead of trapping. One Reader is
// made per conversion; it also carries the output buffer so helpers need a single argument.
// Field paths are only built when something fails.
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL, kindName } from "./json-tape";
import { OutBuf } from "./out-buf";
import { ConvertError } from "./converter";

/** "messages[2].content" from ("messages", 2, "content"); sub may be "". */
export function pathOf(name: string, i: i32, sub: string = ""): string {
  const p = name + "[" + i.toString() + "]";
  return sub.length > 0 ? p + "." + sub : p;
}

export class Reader {
  doc: JsonDoc = new JsonDoc(128);
  out: OutBuf = new OutBuf(2048);
  err: ConvertError | null = null;
  /** HTTP status for failures: 400 for a client body, 502 for an upstream body. */
  status: i32 = 400;

  /** Parses text and requires a top-level object; "body" names it in errors. */
  open(text: string, status: i32): bool {
    this.status = status;
    this.err = null;
    this.out.reset();
    if (!this.doc.parse(text)) return this.fail("body", this.doc.error);
    if (this.doc.count == 0 || this.doc.kind(0) != K_OBJ) return this.fail("body", "expected a JSON object");
    return true;
  }

  /** Records the first failure; always returns false so callers can `return r.fail(...)`. */
  fail(path: string, msg: string): bool {
    if (this.err === null) this.err = new ConvertError(this.status, path + ": " + msg, path);
    return false;
  }

  /** Records "expected <what>, got <kind of t>". */
  wrong(path: string, what: string, t: i32): bool {
    return this.fail(path, "expected " + what + ", got " + kindName(this.doc.kind(t)));
  }

  @inline ok(): bool {
    return this.err === null;
  }

  /** Member `key` of object o when it is present and not null; -1 otherwise. */
  @inline member(o: i32, key: string): i32 {
    const t = this.doc.get(o, key);
    return t >= 0 && this.doc.kind(t) != K_NULL ? t : -1;
  }

  /** Optional member of the given kind: its token, -1 when absent/null, -2 (and an error) when mistyped. */
  opt(o: i32, key: string, kind: i32, path: string): i32 {
    const t = this.member(o, key);
    if (t < 0) return -1;
    if (!this.kindIs(t, kind)) {
      this.wrong(path, kindName(kind), t);
      return -2;
    }
    return t;
  }

  /** Required member of the given kind, or -1 with an error. */
  req(o: i32, key: string, kind: i32, path: string): i32 {
    const t = this.member(o, key);
    if (t < 0) {
      this.fail(path, "required " + kindName(kind) + " is missing");
      return -1;
    }
    if (!this.kindIs(t, kind)) {
      this.wrong(path, kindName(kind), t);
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
  optBool(o: i32, key: string, path: string): i32 {
    const t = this.opt(o, key, K_TRUE, path);
    if (t < 0) return t;
    return this.doc.kind(t) == K_TRUE ? 1 : 0;
  }

  /** Copies token t to the output verbatim (strings keep their escapes). */
  @inline copy(t: i32): void {
    this.out.span(this.doc.src, this.doc.start(t), this.doc.end(t));
  }

  /** Copies a string token's content without its quotes (to splice into another JSON string). */
  @inline copyInner(t: i32): void {
    this.out.span(this.doc.src, this.doc.start(t) + 1, this.doc.end(t) - 1);
  }

  /** Writes `"key":` then token t verbatim. */
  @inline field(key: string, t: i32): void {
    this.out.str(key);
    this.copy(t);
  }

  /** Writes token t's raw JSON text as a JSON string value (object -> "{\"a\":1}"). */
  quoteRaw(t: i32): void {
    this.out.ch(0x22);
    this.out.escaped(this.doc.src, this.doc.start(t), this.doc.end(t));
    this.out.ch(0x22);
  }

  /** Positive integer member (token limits, counts): value, -1 absent, -2 invalid (error set). */
  optPositiveInt(o: i32, key: string, path: string): i64 {
    const t = this.opt(o, key, K_NUM, path);
    if (t < 0) return t;
    const v = this.doc.int(t);
    if (v < 1) {
      this.fail(path, "expected a positive integer");
      return -2;
    }
    return v;
  }

  /** Requires every element of array a to be a string (stop sequences). */
  allStrings(a: i32, path: string): bool {
    const d = this.doc;
    let i = 0;
    for (let e = d.first(a); e < d.after(a); e = d.after(e)) {
      if (d.kind(e) != K_STR) return this.wrong(pathOf(path, i), "string", e);
      i++;
    }
    return true;
  }
}

export { K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL };
