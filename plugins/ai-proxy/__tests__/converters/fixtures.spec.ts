// Runs every fixture under plugins/ai-proxy/converters/fixtures/<direction>/ (bundled into
// fixtures.gen.ts by gen-fixtures.mjs) through its converter and compares field by field.
import { FIXTURES } from "./fixtures.gen";
import { Converter, ConvertOptions, RequestResult, pickConverter, Protocol } from "../../converters/converter";
import { JsonDoc, K_STR, K_NUM, K_TRUE, K_FALSE } from "../../converters/json-tape";
import { jsonDiff } from "./json-diff";
import { runStream, sseDiff } from "./sse-run";

export function converterFor(direction: string): Converter {
  if (direction == "openai-to-anthropic") return pickConverter(Protocol.OpenAI, Protocol.Anthropic)!;
  if (direction == "anthropic-to-openai") return pickConverter(Protocol.Anthropic, Protocol.OpenAI)!;
  if (direction == "openai-to-gemini") return pickConverter(Protocol.OpenAI, Protocol.Gemini)!;
  abort("unknown fixture direction " + direction);
  return unreachable();
}

const O = new JsonDoc(32);

function optStr(key: string, dflt: string): string {
  const t = O.get(0, key);
  return O.kind(t) == K_STR ? O.str(t) : dflt;
}
function optInt(key: string, dflt: i64): i64 {
  const t = O.get(0, key);
  return O.kind(t) == K_NUM ? O.int(t) : dflt;
}
function optBool(key: string, dflt: bool): bool {
  const t = O.get(0, key);
  return O.kind(t) == K_TRUE ? true : O.kind(t) == K_FALSE ? false : dflt;
}

export function optionsOf(json: string): ConvertOptions {
  O.parse(json);
  const o = new ConvertOptions();
  o.model = optStr("model", "");
  o.defaultMaxTokens = optInt("defaultMaxTokens", 4096);
  o.nowSeconds = optInt("nowSeconds", 1700000000);
  o.fallbackId = optStr("fallbackId", "chatcmpl-gateway");
  o.openaiMaxTokensField = optStr("openaiMaxTokensField", "max_tokens");
  o.geminiJsonSchema = optBool("geminiJsonSchema", true);
  return o;
}

/** The request side a response or stream case assumes (model asked for, include_usage). */
export function requestOf(json: string): RequestResult {
  O.parse(json);
  const r = new RequestResult();
  r.model = optStr("requestModel", "requested-model");
  r.includeUsage = optBool("includeUsage", false);
  r.stream = optBool("stream", false);
  return r;
}

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
