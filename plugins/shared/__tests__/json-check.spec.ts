import { JSON } from "json-as";
import { validateJson, validateJsonObject } from "../json-check";

function ok(s: string): void {
  const e = validateJson(s);
  if (e !== null) log<string>("unexpected error for " + s + ": " + e);
  expect(e).toBeNull();
}

function bad(s: string, contains: string): void {
  const e = validateJson(s);
  expect(e).not.toBeNull(s);
  if (e !== null && !e.includes(contains)) {
    log<string>("for " + s + " got: " + e);
    expect(e.includes(contains)).toBe(true);
  }
}

describe("validateJson: accepts RFC 8259 values", () => {
  it("scalars", () => {
    ok("0");
    ok("-0");
    ok("1.5e10");
    ok("-12.34E-5");
    ok("1E+2");
    ok("true");
    ok("false");
    ok("null");
    ok('""');
    ok('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"');
    ok('"\u00e9\u4e2d"');
  });
  it("containers and whitespace", () => {
    ok("{}");
    ok("[]");
    ok(" \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\" : { \"c\" : null } } \n");
    ok('[[[[[]]]]]');
    ok('{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}],"stream":true}');
  });
});

describe("validateJson: rejects malformed text with a position", () => {
  it("structure", () => {
    bad("", "empty input");
    bad("   ", "position 3");
    bad("{", "position 1");
    bad("[1,]", "expected a value at position 3");
    bad('{"a":1,}', "expected a string key at position 7");
    bad('{"a" 1}', "expected ':'");
    bad('{"a":1 "b":2}', "expected ',' or '}' at position 7");
    bad("[1 2]", "expected ',' or ']'");
    bad("[1}", "expected ',' or ']'");
    bad('{"a":1]', "expected ',' or '}'");
    bad("{} {}", "after the value at position 3");
    bad("]", "expected a value at position 0");
    bad("{1:2}", "expected a string key");
    bad("[", "unexpected end");
  });
  it("numbers", () => {
    bad("01", "leading zero");
    bad("-", "bare '-'");
    bad("1.", "expected digit after '.'");
    bad(".5", "unexpected '.'");
    bad("1e", "exponent");
    bad("+1", "unexpected '+'");
    bad("NaN", "unexpected 'N'");
    bad("Infinity", "unexpected 'I'");
    bad("0x10", "after the value");
  });
  it("strings and literals", () => {
    bad('"abc', "unterminated string at position 0");
    bad('"a\\x"', "bad escape");
    bad('"\\u12G4"', "bad \\u escape");
    bad('"\\u12"', "escape");
    bad('"a\nb"', "unescaped control character 0xa in string at position 2");
    bad("'a'", "unexpected '''");
    bad("tru", "expected true");
    bad("nul", "expected null");
    bad("[truex]", "expected ',' or ']'");
    bad("/* c */ 1", "unexpected '/'");
  });
  it("depth limit", () => {
    let deep = "";
    for (let i = 0; i < 200; i++) deep += "[";
    for (let i = 0; i < 200; i++) deep += "]";
    bad(deep, "nesting deeper than 128");
    expect(validateJson(deep, 300)).toBeNull();
  });
  it("object check", () => {
    expect(validateJsonObject(' {"a":1}')).toBeNull();
    expect(validateJsonObject("[1]")).toBe("expected a JSON object at position 0");
    expect(validateJsonObject("{")).not.toBeNull();
  });
});

describe("validateJson: whatever it accepts, json-as parses without trapping", () => {
  it("corpus", () => {
    const corpus = [
      '{"a":1e400,"b":-0,"c":"\\u0000","d":[1,[2,[3]]],"e":{"f":{"g":null}},"h":12345678901234567890}',
      '{"":"","\\"":1}',
      '{"dup":1,"dup":2}',
      '{"s":"\\ud800"}',
    ];
    for (let i = 0; i < corpus.length; i++) {
      expect(validateJson(corpus[i])).toBeNull();
      const o = JSON.parse<JSON.Obj>(corpus[i]);
      expect(o.size).toBeGreaterThan(0);
    }
  });
});
