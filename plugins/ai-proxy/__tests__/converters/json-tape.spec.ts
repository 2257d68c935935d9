// The strict JSON reader behind every converter: what it accepts (RFC 8259), what it refuses (with
// an offset), and the accessors converters rely on.
import { JsonDoc, K_OBJ, K_ARR, K_STR, K_NUM, K_TRUE, K_FALSE, K_NULL, decodeJsonString } from "../../converters/json-tape";

const d = new JsonDoc(2); // tiny on purpose: the tape must grow

function accepts(s: string): bool {
  return d.parse(s);
}

describe("JsonDoc.parse accepts RFC 8259 JSON", () => {
  it("takes every value kind, at top level too", () => {
    expect(accepts('{"a":[1,-0,2.5e-3,1E+2,"x",true,false,null,{},[]]}')).toBe(true);
    expect(d.kind(0)).toBe(K_OBJ);
    expect(accepts(" \t\r\n[ 1 , 2 ]\n")).toBe(true);
    expect(d.kind(0)).toBe(K_ARR);
    expect(accepts('"s"')).toBe(true);
    expect(d.kind(0)).toBe(K_STR);
    expect(accepts("-12")).toBe(true);
    expect(d.kind(0)).toBe(K_NUM);
    expect(accepts("true")).toBe(true);
    expect(accepts("false")).toBe(true);
    expect(accepts("null")).toBe(true);
    expect(d.kind(0)).toBe(K_NULL);
  });
  it("takes every escape and non-ASCII text", () => {
    expect(accepts('"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83c\\udf0d é 🌍"')).toBe(true);
    expect(d.str(0)).toBe('" \\ / \b \f \n \r \t é 🌍 é 🌍');
  });
  it("grows its tape for large documents and can be reused", () => {
    let s = "[";
    for (let i = 0; i < 500; i++) s += (i > 0 ? "," : "") + '{"k":' + i.toString() + "}";
    expect(accepts(s + "]")).toBe(true);
    expect(d.size(0)).toBe(500);
    expect(d.count).toBe(1 + 500 * 3);
    expect(accepts("[1]")).toBe(true);
    expect(d.count).toBe(2);
  });
});

describe("JsonDoc.parse refuses what is not JSON, naming the offset", () => {
  it("refuses syntax errors", () => {
    const bad = [
      "", "   ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]",
      "[NaN]", "[Infinity]", "[tru]", "[nul]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "{} {}", "[1] x",
      "{\"a\" 1}", "[1 2]", "{\"a\":1 \"b\":2}", "\"tab\there\"", "\"nl\nhere\"", "[\"\u0000\"]",
    ];
    for (let i = 0; i < bad.length; i++) {
      const ok = d.parse(bad[i]);
      if (ok) trace("accepted: " + bad[i]);
      expect(ok).toBe(false);
      expect(d.error.startsWith("invalid JSON at offset ")).toBe(true);
    }
  });
  it("says where and what", () => {
    d.parse('{"a":[1,2,}');
    expect(d.error).toBe("invalid JSON at offset 10: unexpected character");
    d.parse('{"a":1');
    expect(d.error).toBe("invalid JSON at offset 6: unexpected end of input");
    d.parse('{"a" 1}');
    expect(d.error).toBe("invalid JSON at offset 5: expected ':' after object key");
    d.parse("[1 2]");
    expect(d.error).toBe("invalid JSON at offset 3: expected ',' or ']'");
    d.parse('"ab');
    expect(d.error).toBe("invalid JSON at offset 0: unterminated string");
  });
  it("limits nesting instead of overflowing the stack", () => {
    let deep = "";
    for (let i = 0; i < 300; i++) deep += "[";
    expect(d.parse(deep)).toBe(false);
    expect(d.error).toBe("invalid JSON at offset 256: nesting deeper than 256");
    let ok = "";
    for (let i = 0; i < 256; i++) ok += "[";
    for (let i = 0; i < 256; i++) ok += "]";
    expect(d.parse(ok)).toBe(true);
  });
});

describe("JsonDoc accessors", () => {
  it("finds members, last duplicate winning, escaped keys decoded", () => {
    d.parse('{"a":1,"b":{"c":"x"},"a":2,"\\u0064":true}');
    expect(d.raw(d.get(0, "a"))).toBe("2");
    expect(d.get(0, "zz")).toBe(-1);
    expect(d.kind(d.get(0, "d"))).toBe(K_TRUE);
    expect(d.strIs(d.get(d.get(0, "b"), "c"), "x")).toBe(true);
    expect(d.get(-1, "a")).toBe(-1);
    expect(d.kind(-1)).toBe(0);
    expect(d.get(d.get(0, "a"), "x")).toBe(-1); // not an object
    expect(d.size(0)).toBe(4);
  });
  it("walks arrays by jumping over subtrees", () => {
    d.parse('[{"x":[1,2,[3]]},"s",[],4]');
    let e = d.first(0);
    const kinds: i32[] = [];
    while (e < d.after(0)) {
      kinds.push(d.kind(e));
      e = d.after(e);
    }
    expect(kinds.length).toBe(4);
    expect(kinds[0]).toBe(K_OBJ);
    expect(kinds[1]).toBe(K_STR);
    expect(kinds[2]).toBe(K_ARR);
    expect(kinds[3]).toBe(K_NUM);
  });
  it("compares and decodes strings", () => {
    d.parse('["plain","a\\nb","\\u0041"]');
    const a = d.first(0);
    const b = d.after(a);
    const c = d.after(b);
    expect(d.strIs(a, "plain")).toBe(true);
    expect(d.strIs(a, "plai")).toBe(false);
    expect(d.hasEscapes(a)).toBe(false);
    expect(d.strIs(b, "a\nb")).toBe(true);
    expect(d.hasEscapes(b)).toBe(true);
    expect(d.str(c)).toBe("A");
    expect(d.raw(b)).toBe('"a\\nb"');
    const esc = 'x\\"y\\\\z';
    expect(decodeJsonString(esc, 0, esc.length)).toBe('x"y\\z');
  });
  it("reads integers exactly and refuses fractions", () => {
    d.parse("[42,-7,1e3,1.5,12345678901234567,0,2.0]");
    let e = d.first(0);
    expect(d.int(e)).toBe(42);
    e = d.after(e);
    expect(d.int(e)).toBe(-7);
    e = d.after(e);
    expect(d.int(e)).toBe(1000);
    e = d.after(e);
    expect(d.int(e)).toBe(i64.MIN_VALUE);
    e = d.after(e);
    expect(d.int(e)).toBe(12345678901234567);
    e = d.after(e);
    expect(d.int(e)).toBe(0);
    e = d.after(e);
    expect(d.int(e)).toBe(2);
    expect(d.num(d.first(0))).toBe(42.0);
    d.parse('"7"');
    expect(d.int(0)).toBe(i64.MIN_VALUE);
    expect(d.kind(0) == K_FALSE).toBe(false);
  });
});
