import { validateJson } from "../json/validate";

describe("validateJson", () => {
  it("accepts valid documents of every kind", () => {
    expect(validateJson('{"a":1,"b":[true,false,null],"c":{"d":"e\\n\\u00e9"},"f":-0.5e+10}')).toBe("");
    expect(validateJson("  []  ")).toBe("");
    expect(validateJson('"x"')).toBe("");
    expect(validateJson("0")).toBe("");
    expect(validateJson("{}")).toBe("");
  });

  it("rejects malformed input with the offset", () => {
    expect(validateJson('{"a":1,}')).toBe("offset 7: expected a string key");
    expect(validateJson('{"a" 1}')).toBe("offset 5: expected ':' after object key");
    expect(validateJson("[1 2]")).toBe("offset 3: expected ',' or ']' in array");
    expect(validateJson("{'a':1}")).toBe("offset 1: expected a string key");
    expect(validateJson('{"a":01}')).toBe("offset 6: expected ',' or '}' in object");
    expect(validateJson('{"a":1.}')).toBe("offset 7: invalid number: digit expected after '.'");
    expect(validateJson('{"a":tru}')).toBe("offset 8: invalid literal, expected true");
    expect(validateJson('{"a":"x')).toBe("offset 7: unterminated string");
    expect(validateJson('"\\x"')).toBe("offset 2: invalid escape");
    expect(validateJson('"\\u12G4"')).toBe("offset 5: invalid \\u escape");
    expect(validateJson("{} x")).toBe("offset 3: unexpected data after the JSON value");
    expect(validateJson("")).toBe("offset 0: unexpected end of input");
    expect(validateJson("NaN")).toBe("offset 0: unexpected character 'N'");
    expect(validateJson('"a\tb"')).toBe("offset 2: control character in string");
  });

  it("limits nesting depth", () => {
    let deep = "";
    for (let i = 0; i < 200; i++) deep += "[";
    for (let i = 0; i < 200; i++) deep += "]";
    expect(validateJson(deep).includes("nesting deeper than 128")).toBe(true);
  });
});
