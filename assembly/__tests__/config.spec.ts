import { JSON } from "json-as";
import { ConfigReader, parseJsonObject, fieldPath, indexPath } from "../json/config";

function obj(text: string): JSON.Obj {
  const r = parseJsonObject(text);
  return r.value!;
}

describe("parseJsonObject", () => {
  it("returns an object for valid JSON and {} for empty text", () => {
    const r = parseJsonObject('{"a":"b"}');
    expect(r.error).toBe("");
    expect(r.value!.has("a")).toBe(true);
    expect(parseJsonObject("  \n").value!.size).toBe(0);
  });

  it("reports malformed JSON without trapping", () => {
    const r = parseJsonObject('{"a":}');
    expect(r.value).toBeNull();
    expect(r.error).toBe("configuration: invalid JSON at offset 5: unexpected character '}'");
  });

  it("refuses a top-level value that is not an object", () => {
    const r = parseJsonObject("[1,2]", "plugin config");
    expect(r.value).toBeNull();
    expect(r.error).toBe("plugin config: expected a JSON object");
  });
});

describe("ConfigReader", () => {
  it("reads typed fields with defaults for missing and null keys", () => {
    const o = obj('{"s":"x","b":true,"n":1.5,"i":42,"o":{"k":1},"a":["p","q"],"z":null}');
    const r = new ConfigReader();
    expect(r.string(o, "s", "")).toBe("x");
    expect(r.bool(o, "b", "")).toBe(true);
    expect(r.number(o, "n", "")).toBe(1.5);
    expect(r.int(o, "i", "", 0, 0, 100)).toBe(42);
    expect(r.object(o, "o", "")!.has("k")).toBe(true);
    expect(r.stringArray(o, "a", "").join(",")).toBe("p,q");
    expect(r.string(o, "missing", "", "def")).toBe("def");
    expect(r.string(o, "z", "", "def")).toBe("def");
    expect(r.int(o, "missing", "", 7)).toBe(7);
    expect(r.ok).toBe(true);
  });

  it("names the field and the types on a wrong type (the case json-as would trap on)", () => {
    const r = new ConfigReader();
    r.string(obj('{"model":5}'), "model", "providers[1]");
    expect(r.error).toBe("providers[1].model: expected string, got number");
  });

  it("keeps only the first error", () => {
    const o = obj('{"a":"x","b":"y"}');
    const r = new ConfigReader();
    r.int(o, "a", "");
    r.bool(o, "b", "");
    expect(r.error).toBe("a: expected integer, got string");
  });

  it("checks integers: fraction, range", () => {
    const o = obj('{"f":1.5,"big":1e30,"neg":-3}');
    const r1 = new ConfigReader();
    r1.int(o, "f", "p");
    expect(r1.error).toBe("p.f: expected integer");
    const r2 = new ConfigReader();
    r2.int(o, "big", "p");
    expect(r2.error).toBe("p.big: must be between -9223372036854775808 and 9223372036854775807");
    const r4 = new ConfigReader();
    expect(r4.int(obj('{"edge":9223372036854775808}'), "edge", "p", 5)).toBe(5);
    expect(r4.error).toBe("p.edge: must be between -9223372036854775808 and 9223372036854775807");
    const r3 = new ConfigReader();
    r3.int(o, "neg", "p", 0, 0, 10);
    expect(r3.error).toBe("p.neg: must be between 0 and 10");
  });

  it("reports required fields and bad array elements by index", () => {
    const o = obj('{"list":["a",3],"objs":[{},1]}');
    const r1 = new ConfigReader();
    expect(r1.require(o, "name", "cfg")).toBe(false);
    expect(r1.error).toBe("cfg.name: required");
    const r2 = new ConfigReader();
    r2.stringArray(o, "list", "");
    expect(r2.error).toBe("list[1]: expected string, got number");
    const r3 = new ConfigReader();
    const arr = r3.array(o, "objs", "")!;
    expect(r3.objectAt(arr, 0, "objs")).not.toBeNull();
    expect(r3.objectAt(arr, 1, "objs")).toBeNull();
    expect(r3.error).toBe("objs[1]: expected object, got number");
  });

  it("builds paths", () => {
    expect(fieldPath("", "a")).toBe("a");
    expect(fieldPath("a", "b")).toBe("a.b");
    expect(indexPath("a", 3)).toBe("a[3]");
  });
});
