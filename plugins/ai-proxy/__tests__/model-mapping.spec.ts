import { ModelMapping } from "../model-mapping";

function mapping(pairs: string[]): ModelMapping {
  const m = new ModelMapping();
  for (let i = 0; i < pairs.length; i += 2) expect(m.add(pairs[i], pairs[i + 1])).toBeNull();
  return m;
}

describe("ModelMapping", () => {
  it("maps exact names first", () => {
    const m = mapping(["gpt-4*", "qwen-max", "gpt-4o", "qwen-vl-plus", "*", "qwen-turbo"]);
    expect(m.map("gpt-4o")).toBe("qwen-vl-plus");
    expect(m.map("gpt-4-turbo")).toBe("qwen-max");
    expect(m.map("other")).toBe("qwen-turbo");
  });
  it("keeps the name when nothing matches or the value is empty", () => {
    expect(mapping(["a", "b"]).map("c")).toBe("c");
    expect(mapping(["*", ""]).map("gpt-4o")).toBe("gpt-4o");
    expect(mapping(["gpt-*", ""]).map("gpt-4o")).toBe("gpt-4o");
    expect(new ModelMapping().isEmpty).toBe(true);
  });
  it("applies ~regex with Go ReplaceAllString templates", () => {
    const m = mapping(["~gpt(.*)", "openai/gpt$1"]);
    expect(m.map("gpt-4o")).toBe("openai/gpt-4o");
    expect(mapping(["~^gpt-(\\d+)$", "qwen-max-$1"]).map("gpt-4")).toBe("qwen-max-4");
    expect(mapping(["~^gpt-(\\d+)$", "qwen-max-$1"]).map("gpt-4o")).toBe("gpt-4o");
  });
  it("checks prefix and regex rules in config order, before the catch-all", () => {
    const m = mapping(["~^claude", "c", "cl*", "p", "*", "d"]);
    expect(m.map("claude-3")).toBe("c-3"); // ReplaceAllString keeps the unmatched tail
    expect(m.map("cl-x")).toBe("p");
    expect(m.map("zzz")).toBe("d");
  });
  it("rejects invalid regex keys", () => {
    const m = new ModelMapping();
    expect(m.add("~gpt(", "x")).not.toBeNull();
  });
});
