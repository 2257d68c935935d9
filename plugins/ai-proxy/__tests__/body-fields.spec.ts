import { scanBody, applySplices, modelSplice, includeUsageSplice, developerRoleSplices, sortSplices, Splice } from "../body-fields";

function edit(body: string, model: string, usage: bool, dev: bool): string {
  const buf = String.UTF8.encode(body);
  const f = scanBody(buf, "");
  expect(f.error).toBeNull();
  const s: Splice[] = [];
  if (model.length > 0) s.push(modelSplice(f, model));
  if (usage) {
    const u = includeUsageSplice(buf, f);
    if (u !== null) s.push(u);
  }
  if (dev) developerRoleSplices(buf, f, s);
  sortSplices(s);
  return String.UTF8.decode(applySplices(buf, s));
}

describe("body fields: scan", () => {
  it("reads model, stream, sticky field", () => {
    const f = scanBody(String.UTF8.encode(' { "stream" : true, "model":"gpt-\\u00e9\\"x", "user":"u-1", "n":1 } '), "user");
    expect(f.error).toBeNull();
    expect(f.model).toBe("gpt-é\"x");
    expect(f.stream).toBe(true);
    expect(f.sticky).toBe("u-1");
    expect(f.members).toBe(4);
  });
  it("numbers as sticky values, nested objects ignored", () => {
    const f = scanBody(String.UTF8.encode('{"metadata":{"model":"no"},"user":42,"model":"m"}'), "user");
    expect(f.model).toBe("m");
    expect(f.sticky).toBe("42");
  });
  it("reports wrong types and non-objects", () => {
    expect(scanBody(String.UTF8.encode('{"model":5}'), "").error).toBe("model: expected string");
    expect(scanBody(String.UTF8.encode('{"stream":"yes"}'), "").error).toBe("stream: expected boolean");
    expect(scanBody(String.UTF8.encode('[1]'), "").error).toBe("request body: expected a JSON object");
    expect(scanBody(String.UTF8.encode('{"a":'), "").error).toBe("request body: malformed JSON object");
  });
});

describe("body fields: edits keep other bytes", () => {
  it("replaces only the model", () => {
    expect(edit('{"model" : "gpt-4o",  "messages":[ ]}', "qwen-max", false, false)).toBe('{"model" : "qwen-max",  "messages":[ ]}');
  });
  it("injects stream_options when absent", () => {
    expect(edit('{"model":"m","stream":true}', "", true, false)).toBe('{"model":"m","stream":true,"stream_options":{"include_usage":true}}');
    expect(edit('{"model":"m","stream":true }', "", true, false)).toBe('{"model":"m","stream":true ,"stream_options":{"include_usage":true}}');
  });
  it("sets include_usage inside existing stream_options", () => {
    expect(edit('{"stream_options":{}}', "", true, false)).toBe('{"stream_options":{"include_usage":true}}');
    expect(edit('{"stream_options":{"x":1}}', "", true, false)).toBe('{"stream_options":{"include_usage":true,"x":1}}');
    expect(edit('{"stream_options":{"include_usage":false}}', "", true, false)).toBe('{"stream_options":{"include_usage":true}}');
    expect(edit('{"stream_options":{"include_usage": true}}', "", true, false)).toBe('{"stream_options":{"include_usage": true}}');
    expect(edit('{"stream_options":null}', "", true, false)).toBe('{"stream_options":{"include_usage":true}}');
  });
  it("turns developer messages into system, nothing else", () => {
    const b = '{"messages":[{"role":"developer","content":"be brief"},{"content":"role","role":"user"},{"name":"developer","role" : "developer"}],"model":"m"}';
    expect(edit(b, "x", false, true)).toBe('{"messages":[{"role":"system","content":"be brief"},{"content":"role","role":"user"},{"name":"developer","role" : "system"}],"model":"x"}');
  });
  it("keeps multi-byte text intact around splices", () => {
    expect(edit('{"messages":[{"role":"user","content":"héllo 世界 🌍"}],"model":"a","stream":true}', "bb", true, false))
      .toBe('{"messages":[{"role":"user","content":"héllo 世界 🌍"}],"model":"bb","stream":true,"stream_options":{"include_usage":true}}');
  });
});
