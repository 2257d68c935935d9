import { compileRegex } from "../regex/vm";

function search(p: string, s: string): bool {
  const r = compileRegex(p);
  expect(r.error).toBeNull(p);
  return r.search(s);
}

function full(p: string, s: string): bool {
  const r = compileRegex(p);
  expect(r.error).toBeNull(p);
  return r.fullMatch(s);
}

describe("regex search (Go MatchString semantics)", () => {
  it("matches Higress key examples", () => {
    expect(search("^a.*", "abc")).toBe(true);
    expect(search("^a.*", "bac")).toBe(false);
    expect(search("^d.*", "d")).toBe(true);
    expect(search("b", "abc")).toBe(true); // unanchored
    expect(search("x", "abc")).toBe(false);
  });
  it("handles classes, ranges and perl classes", () => {
    expect(search("^[a-c]+$", "abcabc")).toBe(true);
    expect(search("^[a-c]+$", "abcd")).toBe(false);
    expect(search("^[^0-9]+$", "abc")).toBe(true);
    expect(search("^[^0-9]+$", "ab1")).toBe(false);
    expect(search("^\\d{3}-\\d{4}$", "555-1234")).toBe(true);
    expect(search("^\\d{3}-\\d{4}$", "555-12345")).toBe(false);
    expect(search("^\\w+$", "a_B9")).toBe(true);
    expect(search("\\s", "a b")).toBe(true);
    expect(search("^\\S+$", "a b")).toBe(false);
    expect(search("^[-a]+$", "-a-")).toBe(true);
    expect(search("^[a-]+$", "a-")).toBe(true);
    expect(search("^[]a]+$", "]a")).toBe(true);
    expect(search("^[\\d.]+$", "1.2.3")).toBe(true);
  });
  it("handles alternation, groups and counted repetition", () => {
    expect(search("^(gpt-4|claude)-", "claude-3")).toBe(true);
    expect(search("^(gpt-4|claude)-", "gpt-4-turbo")).toBe(true);
    expect(search("^(gpt-4|claude)-", "gpt-3-x")).toBe(false);
    expect(search("^(?:ab){2,3}$", "abab")).toBe(true);
    expect(search("^(?:ab){2,3}$", "ababab")).toBe(true);
    expect(search("^(?:ab){2,3}$", "abababab")).toBe(false);
    expect(search("^a{2,}$", "a")).toBe(false);
    expect(search("^a{2,}$", "aaaa")).toBe(true);
    expect(search("^a{,2}$", "a{,2}")).toBe(true); // not a repetition: literal
    expect(search("^(a*)*$", "aaaa")).toBe(true);
    expect(search("^(a|)+b$", "aab")).toBe(true);
    expect(search("^colou?r$", "color")).toBe(true);
    expect(search("^a+?b*?$", "aabb")).toBe(true);
    expect(search("^(?P<name>x)y$", "xy")).toBe(true);
  });
  it("escapes punctuation and supports \\x and \\u", () => {
    expect(search("^1\\.2$", "1.2")).toBe(true);
    expect(search("^1\\.2$", "1x2")).toBe(false);
    expect(search("^\\x41\\u0042$", "AB")).toBe(true);
    expect(search("\\$", "a$b")).toBe(true);
  });
  it("only restarts a search for patterns not anchored with ^", () => {
    expect(search("^(a|b)c", "xbc")).toBe(false);
    expect(search("^(a|b)c", "bcx")).toBe(true);
    expect(search("^a|bc", "xbc")).toBe(true);
    expect(search("x*^a", "a")).toBe(true);
  });
  it("case-insensitive with (?i)", () => {
    expect(search("(?i)^gpt-[a-c]$", "GPT-B")).toBe(true);
    expect(search("^gpt$", "GPT")).toBe(false);
  });
  it("runs in linear time on the classic blow-up pattern", () => {
    let s = "";
    for (let i = 0; i < 2000; i++) s += "a";
    expect(search("^(a+)+$", s + "b")).toBe(false);
    expect(search("^(a|aa)*$", s)).toBe(true);
  });
});

describe("regex full match (Envoy safe_regex semantics)", () => {
  it("requires the whole string", () => {
    expect(full("/v1/.*", "/v1/chat")).toBe(true);
    expect(full("/v1/", "/v1/chat")).toBe(false);
    expect(full("chat", "xchat")).toBe(false);
    expect(full("a|ab", "ab")).toBe(true);
    expect(full(".*", "")).toBe(true);
    expect(full("a.c", "a\nc")).toBe(false);
  });
});

describe("regex errors", () => {
  it("names the problem and the position", () => {
    expect(compileRegex("(ab").error).toBe("missing closing ) at position 3");
    expect(compileRegex("ab)").error).toBe("unexpected ) at position 2");
    expect(compileRegex("*a").error).toBe("missing argument to repetition operator at position 0");
    expect(compileRegex("a**").error).toBe("invalid nested repetition operator at position 3");
    expect(compileRegex("[a").error).toBe("missing closing ] at position 2");
    expect(compileRegex("[z-a]").error).toBe("invalid character class range at position 4");
    expect(compileRegex("\\1").error).toBe("unsupported escape \\1 at position 1");
    expect(compileRegex("(?=a)").error).toBe("unsupported group syntax (?= at position 2");
    expect(compileRegex("a{5000}").error).toBe("repetition count above 1000 at position 7");
    expect(compileRegex("(a{1000}){1000}").error).toBe("expression too large");
  });
});
