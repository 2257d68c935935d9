// Runs every fixture under plugins/ai-proxy/converters/fixtures/<direction>/ (bundled into
// fixtures.gen.ts by gen-fixtures.mjs) through its converter and compares field by field.
import { FIXTURES } from "./fixtures.gen";
import { converterFor, optionsOf, requestOf, optStr, optInt, optBool, O } from "./fixture-options";
import { jsonDiff } from "./json-diff";
import { runStream, sseDiff } from "./sse-run";

let next = 0;

function runCase(): string {
  const row = FIXTURES[next++];
  const conv = converterFor(row[0]);
  const kind = row[2];
  const opts = optionsOf(row[3]);
  const input = row[4];
  const want = row[5];
  if (kind == "request") {
    const r = conv.request(input, opts);
    if (r.error !== null) return "unexpected error: " + r.error!.message;
    O.parse(row[3]);
    if (O.get(0, "expectModel") >= 0 && r.model != optStr("expectModel", "")) return "model: got " + r.model;
    if (O.get(0, "expectStream") >= 0 && r.stream != optBool("expectStream", false)) return "stream flag differs";
    if (O.get(0, "expectIncludeUsage") >= 0 && r.includeUsage != optBool("expectIncludeUsage", false)) return "includeUsage flag differs";
    return jsonDiff(want, r.body);
  }
  if (kind == "request-error") {
    const r = conv.request(input, opts);
    if (r.error === null) return "expected an error, got body " + r.body;
    const e = r.error!;
    const got = '{"status":' + e.status.toString() + ',"message":' + quote(e.message) + ',"body":' + conv.clientErrorBody(e) + "}";
    return jsonDiff(want, got);
  }
  if (kind == "response") {
    const r = conv.response(input, requestOf(row[3]), opts);
    if (r.error !== null) return jsonDiff(want, '{"status":' + r.error!.status.toString() + ',"message":' + quote(r.error!.message) + "}");
    return jsonDiff(want, r.body);
  }
  if (kind == "error") {
    O.parse(row[3]);
    const e = conv.error(<i32>optInt("status", 0), input);
    return jsonDiff(want, '{"status":' + e.status.toString() + ',"body":' + e.body + "}");
  }
  // stream
  return sseDiff(want, runStream(conv, requestOf(row[3]), opts, input));
}

function quote(s: string): string {
  let o = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) o += "\\" + String.fromCharCode(c);
    else if (c < 0x20) o += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
    else o += String.fromCharCode(c);
  }
  return o + '"';
}

describe("converter fixtures", () => {
  for (let i = 0; i < FIXTURES.length; i++) {
    it(FIXTURES[i][0] + "/" + FIXTURES[i][1] + " (" + FIXTURES[i][2] + ")", () => {
      expect(runCase()).toBe("");
    });
  }
  it("ran every fixture", () => {
    expect(next).toBe(FIXTURES.length);
    expect(FIXTURES.length).toBeGreaterThan(0);
  });
});
