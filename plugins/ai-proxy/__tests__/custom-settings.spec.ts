import { JSON } from "json-as";
import { JsonFields } from "../../shared/json-fields";
import { setJsonPath } from "../json-set-path";
import { CustomSetting, SettingColumn, parseCustomSettings, applyCustomSettings } from "../custom-settings";

function settings(json: string, warnings: string[] = []): CustomSetting[] {
  const f = new JsonFields();
  const list = parseCustomSettings(f, JSON.parse<JSON.Obj>(json), "providers[0]", warnings);
  expect(f.error).toBeNull();
  return list;
}

function parseError(json: string): string {
  const f = new JsonFields();
  parseCustomSettings(f, JSON.parse<JSON.Obj>(json), "providers[0]", []);
  return f.error === null ? "" : f.error!;
}

describe("json path set", () => {
  it("replaces an existing member in place, other bytes kept", () => {
    expect(setJsonPath('{ "a" : 1 , "b":[1, 2] }', ["a"], "7", true)!).toBe('{ "a" : 7 , "b":[1, 2] }');
  });
  it("keeps an existing member without overwrite", () => {
    expect(setJsonPath('{"a":1}', ["a"], "7", false)).toBeNull();
  });
  it("appends a missing member, creating nested objects", () => {
    expect(setJsonPath('{"a":1}', ["x", "y"], '"v"', true)!).toBe('{"a":1,"x":{"y":"v"}}');
    expect(setJsonPath("{ }", ["x"], "true", true)!).toBe('{ "x":true}');
  });
  it("descends into an existing object", () => {
    expect(setJsonPath('{"g":{"t":1}}', ["g", "k", "b"], "5", true)!).toBe('{"g":{"t":1,"k":{"b":5}}}');
  });
});

describe("customSettings", () => {
  it("auto maps names per protocol column (Higress table)", () => {
    const s = settings('{"customSettings":[{"name":"max_tokens","value":100},{"name":"top_k","value":3},{"name":"seed","value":9}]}');
    expect(s.length).toBe(3);
    expect(applyCustomSettings('{"model":"m"}', s, SettingColumn.OpenAI, "")!).toBe('{"model":"m","max_tokens":100,"seed":9}');
    expect(applyCustomSettings('{"model":"m"}', s, SettingColumn.Claude, "")!).toBe('{"model":"m","max_tokens":100,"top_k":3}');
    expect(applyCustomSettings("{}", s, SettingColumn.Gemini, "generation_config.")!).toBe('{"generation_config":{"maxOutputTokens":100,"topK":3}}');
    expect(applyCustomSettings("{}", s, SettingColumn.Qwen, "parameters.")!).toBe('{"parameters":{"max_tokens":100,"seed":9}}');
  });
  it("overwrite false only fills a missing value", () => {
    const s = settings('{"customSettings":[{"name":"temperature","value":0.5,"overwrite":false}]}');
    expect(applyCustomSettings('{"temperature":1}', s, SettingColumn.OpenAI, "")).toBeNull();
    expect(applyCustomSettings('{"n":1}', s, SettingColumn.OpenAI, "")!).toBe('{"n":1,"temperature":0.5}');
  });
  it("raw mode writes any dotted path and any JSON value", () => {
    const s = settings('{"customSettings":[{"name":"response_format.type","value":"json_object","mode":"raw"},{"name":"stop","value":["a"],"mode":"raw"}]}');
    expect(applyCustomSettings('{"model":"m"}', s, SettingColumn.OpenAI, "")!).toBe('{"model":"m","response_format":{"type":"json_object"},"stop":["a"]}');
  });
  it("an unknown auto name is skipped with a warning naming the field", () => {
    const w: string[] = [];
    const s = settings('{"customSettings":[{"name":"frequency_penalty","value":1}]}', w);
    expect(s.length).toBe(0);
    expect(w.length).toBe(1);
    expect(w[0].startsWith("providers[0].customSettings[0].name:")).toBe(true);
  });
  it("errors name the field", () => {
    expect(parseError('{"customSettings":[{"value":1}]}')).toBe("providers[0].customSettings[0].name: required");
    expect(parseError('{"customSettings":[{"name":"seed"}]}')).toBe("providers[0].customSettings[0].value: required");
    expect(parseError('{"customSettings":[{"name":"seed","value":1,"mode":"x"}]}')).toBe("providers[0].customSettings[0].mode: expected \"auto\" or \"raw\"");
    expect(parseError('{"customSettings":[{"name":"seed","value":1,"overwrite":"no"}]}')).toBe("providers[0].customSettings[0].overwrite: expected boolean, got string");
  });
});
