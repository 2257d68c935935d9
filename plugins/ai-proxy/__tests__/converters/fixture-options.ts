// Test helper: builds the converter, ConvertOptions and RequestResult a fixture's "options" name.
import { Converter, ConvertOptions, RequestResult, pickConverter, Protocol } from "../../converters/converter";
import { JsonDoc, K_STR, K_NUM, K_TRUE, K_FALSE } from "../../converters/json-tape";

export function converterFor(direction: string): Converter {
  if (direction == "openai-to-anthropic") return pickConverter(Protocol.OpenAI, Protocol.Anthropic)!;
  if (direction == "anthropic-to-openai") return pickConverter(Protocol.Anthropic, Protocol.OpenAI)!;
  if (direction == "openai-to-gemini") return pickConverter(Protocol.OpenAI, Protocol.Gemini)!;
  abort("unknown fixture direction " + direction);
  return unreachable();
}

export const O = new JsonDoc(32);

export function optStr(key: string, dflt: string): string {
  const t = O.get(0, key);
  return O.kind(t) == K_STR ? O.str(t) : dflt;
}
export function optInt(key: string, dflt: i64): i64 {
  const t = O.get(0, key);
  return O.kind(t) == K_NUM ? O.int(t) : dflt;
}
export function optBool(key: string, dflt: bool): bool {
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
