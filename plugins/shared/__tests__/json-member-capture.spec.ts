import { JsonMemberCapture, MemberKeys } from "../json-member-capture";

const BODY = '{ "id" : "chatcmpl-1", "object":"chat.completion","created":1,"model":"gpt-4o",' +
  '"choices":[{"index":0,"message":{"role":"assistant","content":"a \\"quoted\\" {brace} [x] \u00e9\u4e16"},"finish_reason":"stop"}],' +
  '"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3}},"n":42,"b":true}';

function capture(body: string, cuts: i32[]): JsonMemberCapture {
  const c = new JsonMemberCapture(new MemberKeys(["id", "model", "usage", "n", "b", "missing"]));
  const all = String.UTF8.encode(body);
  let prev = 0;
  for (let i = 0; i <= cuts.length; i++) {
    const end = i < cuts.length ? cuts[i] : all.byteLength;
    c.push(all.slice(prev, end));
    prev = end;
  }
  c.finish();
  return c;
}

describe("JsonMemberCapture", () => {
  it("captures wanted top-level members and skips the rest", () => {
    const c = capture(BODY, []);
    expect(c.value("id")).toBe('"chatcmpl-1"');
    expect(c.value("model")).toBe('"gpt-4o"');
    expect(c.value("usage")).toBe('{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3}}');
    expect(c.value("n")).toBe("42");
    expect(c.value("b")).toBe("true");
    expect(c.value("missing")).toBeNull();
    expect(c.done).toBe(true);
    expect(c.malformed).toBe(false);
    expect(c.document()).toBe('{"id":"chatcmpl-1","model":"gpt-4o","usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3}},"n":42,"b":true}');
  });
  it("gives the same result for a cut at every byte and for two cuts", () => {
    const whole = capture(BODY, []).document();
    const n = String.UTF8.byteLength(BODY);
    for (let cut = 0; cut <= n; cut++) {
      expect(capture(BODY, [cut]).document()).toBe(whole);
    }
    for (let a = 0; a <= n; a += 11) {
      for (let b = a; b <= n; b += 13) expect(capture(BODY, [a, b]).document()).toBe(whole);
    }
  });
  it("bounds captured values and flags non-objects and breaks", () => {
    const c = new JsonMemberCapture(new MemberKeys(["usage"]), 8);
    c.push(String.UTF8.encode('{"usage":{"prompt_tokens":19}}'));
    expect(c.value("usage")).toBeNull();
    expect(c.truncated).toBe(true);
    const a = new JsonMemberCapture(new MemberKeys(["x"]));
    a.push(String.UTF8.encode("[1,2]"));
    expect(a.malformed).toBe(true);
    const t = new JsonMemberCapture(new MemberKeys(["x"]));
    t.push(String.UTF8.encode('{"x":1,"y":'));
    t.finish();
    expect(t.value("x")).toBe("1");
    expect(t.malformed).toBe(true);
    const e = new JsonMemberCapture(new MemberKeys(["x"]));
    e.push(String.UTF8.encode('{"x":{"a":"\\\\"},"x2":[]}'));
    expect(e.value("x")).toBe('{"a":"\\\\"}');
    expect(e.done).toBe(true);
  });
});
