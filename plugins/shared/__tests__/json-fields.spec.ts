import { JSON } from "json-as";
import { JsonFields } from "../json-fields";

describe("JsonFields", () => {
  it("reads typed values and defaults", () => {
    const o = JSON.parse<JSON.Obj>('{"s":"x","n":2.5,"i":7,"b":true,"o":{"k":1},"a":["p","q"],"z":null}');
    const f = new JsonFields();
    expect(f.str(o, "s", "", "d")).toBe("x");
    expect(f.str(o, "missing", "", "d")).toBe("d");
    expect(f.str(o, "z", "", "d")).toBe("d");
    expect(f.num(o, "n", "", 0)).toBe(2.5);
    expect(f.int(o, "i", "", 0)).toBe(7);
    expect(f.bool(o, "b", "", false)).toBe(true);
    expect(f.obj(o, "o", "") !== null).toBe(true);
    const a = f.strings(o, "a", "");
    expect(a.length).toBe(2);
    expect(a[1]).toBe("q");
    expect(f.error).toBeNull();
  });
  it("names the field path on a wrong type, first error wins", () => {
    const o = JSON.parse<JSON.Obj>('{"s":5,"n":"x","a":[1]}');
    const f = new JsonFields();
    expect(f.str(o, "s", "providers[0]", "d")).toBe("d");
    expect(f.error).toBe("providers[0].s: expected string, got number");
    f.num(o, "n", "", 0);
    expect(f.error).toBe("providers[0].s: expected string, got number");
    const g = new JsonFields();
    g.strings(o, "a", "cfg");
    expect(g.error).toBe("cfg.a[0]: expected string, got number");
    const h = new JsonFields();
    h.int(JSON.parse<JSON.Obj>('{"t":1.5}'), "t", "", 0);
    expect(h.error).toBe("t: expected an integer from 0 to 9223372036854775807");
    const k = new JsonFields();
    k.rejectUnknown(JSON.parse<JSON.Obj>('{"key":1,"kye":2}'), ["key"], "attributes[1]");
    expect(k.error).toBe("attributes[1].kye: unknown field");
    const r = new JsonFields();
    expect(r.require(JSON.parse<JSON.Obj>("{}"), "key", "attributes[0]")).toBe(false);
    expect(r.error).toBe("attributes[0].key: required");
  });
});
