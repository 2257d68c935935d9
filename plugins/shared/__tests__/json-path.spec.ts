import { JsonPath } from "../json-path";

const DOC = '{"model":"m","usage":{"prompt_tokens":3},"choices":[{"delta":{"content":"a\\"b"}},{"delta":{"content":"z"}}],"messages":[{"content":"first"},{"content":"last"}],"a.b":1}';

describe("JsonPath", () => {
  it("follows keys, indexes, @reverse and #", () => {
    expect(new JsonPath("model").valueText(DOC)).toBe("m");
    expect(new JsonPath("usage.prompt_tokens").valueText(DOC)).toBe("3");
    expect(new JsonPath("usage").valueText(DOC)).toBe('{"prompt_tokens":3}');
    expect(new JsonPath("choices.0.delta.content").valueText(DOC)).toBe('a"b');
    expect(new JsonPath("choices.1.delta.content").valueText(DOC)).toBe("z");
    expect(new JsonPath("messages.@reverse.0.content").valueText(DOC)).toBe("last");
    expect(new JsonPath("messages.#").valueText(DOC)).toBe("2");
    expect(new JsonPath("a\\.b").valueText(DOC)).toBe("1");
  });
  it("absent paths and bad paths", () => {
    expect(new JsonPath("choices.5.delta").valueText(DOC)).toBeNull();
    expect(new JsonPath("model.x").valueText(DOC)).toBeNull();
    expect(new JsonPath("nope").valueText("{broken")).toBeNull();
    expect(new JsonPath("a..b").error).toBe("empty segment in path 'a..b'");
    expect(new JsonPath("").error).toBe("empty path");
  });
});
