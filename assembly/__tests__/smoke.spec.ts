import { JSON } from "json-as";
describe("toolchain", () => {
  it("parses JSON with json-as", () => {
    const o = JSON.parse<JSON.Obj>('{"a":1}');
    expect(o.has("a")).toBe(true);
  });
});
