import { Regex } from "../regex";

function replace(p: string, text: string, tpl: string): string {
  const re = Regex.compile(p);
  expect(re.error).toBeNull();
  return re.replaceAll(text, tpl);
}

describe("Regex: matching", () => {
  it("finds unanchored matches like Go MatchString", () => {
    expect(Regex.compile("gpt").test("my-gpt-4")).toBe(true);
    expect(Regex.compile("^gpt").test("my-gpt-4")).toBe(false);
    expect(Regex.compile("4o$").test("gpt-4o")).toBe(true);
    expect(Regex.compile("a|b").test("xxb")).toBe(true);
    expect(Regex.compile("\\d+").test("abc")).toBe(false);
  });
  it("classes, ranges, negation, shorthand", () => {
    expect(Regex.compile("^[a-c]+$").test("abcabc")).toBe(true);
    expect(Regex.compile("^[^a-c]+$").test("abd")).toBe(false);
    expect(Regex.compile("^[\\w.-]+$").test("qwen2.5-7b_x")).toBe(true);
    expect(Regex.compile("^\\S+$").test("a b")).toBe(false);
    expect(Regex.compile("^[]a]$").test("]")).toBe(true);
  });
  it("counted repetition and lazy quantifiers", () => {
    expect(Regex.compile("^a{2,3}$").test("aaa")).toBe(true);
    expect(Regex.compile("^a{2,3}$").test("aaaa")).toBe(false);
    expect(Regex.compile("^a{2,}$").test("aaaaa")).toBe(true);
    expect(Regex.compile("^a{3}$").test("aa")).toBe(false);
    const re = Regex.compile("<(.+?)>");
    expect(re.find("<a><b>", 0)).toBe(true);
    expect(re.caps[3]).toBe(2);
  });
  it("full match for status patterns", () => {
    const r = Regex.compile("4.*");
    expect(r.fullMatch("429")).toBe(true);
    expect(r.fullMatch("504")).toBe(false);
    expect(Regex.compile("5..").fullMatch("503")).toBe(true);
    expect(Regex.compile("4|45").fullMatch("45")).toBe(true);
    expect(Regex.compile("429").fullMatch("4290")).toBe(false);
  });
  it("case folding with (?i)", () => {
    expect(Regex.compile("(?i)^GPT-[a-z]+$").test("gpt-Turbo")).toBe(true);
  });
  it("does not blow up on nested stars", () => {
    const re = Regex.compile("^(a*)*$");
    expect(re.test("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")).toBe(false);
    expect(Regex.compile("(a|aa)*c").test("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")).toBe(false);
  });
  it("reports syntax errors instead of trapping", () => {
    expect(Regex.compile("(abc").error).not.toBeNull();
    expect(Regex.compile("abc)").error).not.toBeNull();
    expect(Regex.compile("[abc").error).not.toBeNull();
    expect(Regex.compile("*a").error).not.toBeNull();
    expect(Regex.compile("a**").error).not.toBeNull();
    expect(Regex.compile("\\p{L}").error).not.toBeNull();
    expect(Regex.compile("[z-a]").error).not.toBeNull();
    expect(Regex.compile("a{5,2}").error).not.toBeNull();
  });
  it("treats a non-repeat brace as a literal", () => {
    expect(Regex.compile("^a{x}$").test("a{x}")).toBe(true);
  });
});

describe("Regex: ReplaceAllString semantics", () => {
  it("expands numbered groups", () => {
    expect(replace("gpt-(\\d+)", "gpt-4", "qwen-max-$1")).toBe("qwen-max-4");
    expect(replace("gpt-(\\d+)", "gpt-4o", "qwen-max-$1")).toBe("qwen-max-4o");
    expect(replace("gpt(.*)", "gpt-4o", "openai/gpt$1")).toBe("openai/gpt-4o");
  });
  it("expands braces, names and $$", () => {
    expect(replace("(?P<v>\\d+)", "m7", "x${v}y")).toBe("mx7y");
    expect(replace("(\\d)", "a1", "${1}0")).toBe("a10");
    expect(replace("(\\d)", "a1", "$10")).toBe("a"); // $10 = group 10: empty, like Go
    expect(replace("a", "a", "$$")).toBe("$");
    expect(replace("a", "a", "$")).toBe("$");
  });
  it("replaces every match and handles empty matches like Go", () => {
    expect(replace("a", "banana", "o")).toBe("bonono");
    expect(replace("x*", "abc", "-")).toBe("-a-b-c-");
    expect(replace("a*", "baaac", "-")).toBe("-b-c-");
  });
});
