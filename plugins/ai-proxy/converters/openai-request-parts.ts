// Reading pieces of an OpenAI chat request that every converter from an OpenAI client needs
// (openai-to-anthropic, openai-to-gemini): message roles, data: URLs of image parts, and tool-call
// `arguments` text, which both Anthropic (`input`) and Gemini (`args`) want as a JSON object.
import { JsonDoc, K_OBJ, K_STR } from "./json-tape";
import { Reader } from "./reader";
import { OutBuf } from "./out-buf";

export const ROLE_SYSTEM: i32 = 0; // system and developer
export const ROLE_USER: i32 = 1;
export const ROLE_ASSISTANT: i32 = 2;
export const ROLE_TOOL: i32 = 3;

/**
 * Checks that `messages` (array token msgs) is a non-empty array of objects with a known role and
 * fills `roles` with one ROLE_* per message, so later passes never re-read or re-check roles.
 */
export function readRoles(r: Reader, msgs: i32, roles: Array<i32>): bool {
  const d = r.doc;
  roles.length = 0;
  let i = 0;
  for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
    r.enter("messages", i++);
    if (d.kind(m) != K_OBJ) return r.wrong("", "object", m);
    const t = r.req(m, "role", K_STR);
    if (t < 0) return false;
    let role = -1;
    if (d.strIs(t, "user")) role = ROLE_USER;
    else if (d.strIs(t, "assistant")) role = ROLE_ASSISTANT;
    else if (d.strIs(t, "tool")) role = ROLE_TOOL;
    else if (d.strIs(t, "system") || d.strIs(t, "developer")) role = ROLE_SYSTEM;
    else return r.fail("role", "expected system, developer, user, assistant or tool");
    roles.push(role);
    r.leave();
  }
  if (i == 0) return r.fail("messages", "must not be empty");
  return true;
}

/**
 * A `data:<media type>[;params];base64,<data>` URL split into spans of `src` (the request text
 * itself when the URL has no JSON escapes, so megabytes of base64 are never copied to a string).
 */
export class DataUrl {
  src: string = "";
  typeStart: i32 = 0;
  typeEnd: i32 = 0;
  dataStart: i32 = 0;
  dataEnd: i32 = 0;
  /** Set by read() when the URL is not a data: URL but starts with http:// or https://. */
  isHttp: bool = false;
  /** src is the decoded URL (it had escapes), so spans must be re-escaped when written. */
  decoded: bool = false;

  /** Writes the media type as JSON string content. */
  writeType(out: OutBuf): void {
    if (this.decoded) out.escaped(this.src, this.typeStart, this.typeEnd);
    else out.span(this.src, this.typeStart, this.typeEnd);
  }

  /** Writes the base64 data as JSON string content. */
  writeData(out: OutBuf): void {
    if (this.decoded) out.escaped(this.src, this.dataStart, this.dataEnd);
    else out.span(this.src, this.dataStart, this.dataEnd);
  }

  /** True when string token t is a base64 data: URL. */
  read(d: JsonDoc, t: i32): bool {
    this.isHttp = false;
    let a = d.start(t) + 1;
    let b = d.end(t) - 1;
    this.src = d.src;
    this.decoded = d.hasEscapes(t);
    if (this.decoded) {
      this.src = d.str(t);
      a = 0;
      b = this.src.length;
    }
    const s = this.src;
    if (!startsWithAt(s, a, "data:")) {
      this.isHttp = startsWithAt(s, a, "https://") || startsWithAt(s, a, "http://");
      return false;
    }
    const comma = s.indexOf(",", a);
    if (comma < 0 || comma >= b) return false;
    // the header must end with ";base64"
    if (comma - a < 12 || !startsWithAt(s, comma - 7, ";base64")) return false;
    this.typeStart = a + 5;
    let e = this.typeStart;
    while (e < comma && s.charCodeAt(e) != 0x3b) e++;
    this.typeEnd = e;
    if (this.typeEnd == this.typeStart) return false;
    this.dataStart = comma + 1;
    this.dataEnd = b;
    return true;
  }
}

function startsWithAt(s: string, at: i32, prefix: string): bool {
  const n = prefix.length;
  if (at < 0 || at + n > s.length) return false;
  return memory.compare(changetype<usize>(s) + (<usize>at << 1), changetype<usize>(prefix), <usize>n << 1) == 0;
}

/**
 * Writes the `arguments` of function object fn (the current path) as a JSON object; per OpenAI
 * they are JSON text in a string. Empty text
 * becomes {}; an object given directly (some clients do) is copied; anything else is an error.
 */
export function writeToolInput(r: Reader, args: JsonDoc, fn: i32): bool {
  const d = r.doc;
  const t = r.member(fn, "arguments");
  if (t < 0) {
    r.out.str("{}");
    return true;
  }
  if (d.kind(t) == K_OBJ) {
    r.copy(t);
    return true;
  }
  if (d.kind(t) != K_STR) return r.wrong("arguments", "string of JSON object text", t);
  const text = d.str(t);
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) {
      blank = false;
      break;
    }
  }
  if (blank) {
    r.out.str("{}");
    return true;
  }
  if (!args.parse(text)) return r.fail("arguments", "expected JSON object text (" + args.error + ")");
  if (args.kind(0) != K_OBJ) return r.fail("arguments", "expected JSON object text");
  r.out.str(text);
  return true;
}
