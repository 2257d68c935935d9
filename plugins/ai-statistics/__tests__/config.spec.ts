import { RouteRules } from "../../../assembly/rules";
import { StatsConfig, StatsConfigParser } from "../config";
import { Source, Rule, Builtin } from "../attribute-config";

function parse(text: string): RouteRules<StatsConfig> {
  const r = new RouteRules<StatsConfig>();
  r.parse(text, new StatsConfigParser());
  return r;
}

function errorOf(text: string): string {
  return parse(text).error;
}

describe("ai-statistics config", () => {
  it("empty config gives Higress defaults", () => {
    const c = parse("{}").global!;
    expect(c.valueLengthLimit).toBe(4000);
    expect(c.consumerHeader).toBe("x-mse-consumer");
    expect(c.variantHeader).toBe("x-ai-variant");
    expect(c.providerHeader).toBe("x-ai-provider");
    expect(c.logKey).toBe("ai_log");
    expect(c.logEscaped).toBe(true);
    expect(c.pathEnabled("/anything")).toBe(true);
    expect(c.contentTypeEnabled("text/html")).toBe(true);
    expect(c.sessionHeaders[0]).toBe("x-openclaw-session-key");
    expect(c.estimateUsage).toBe(false);
  });

  it("accepts the Higress README examples unchanged", () => {
    const text = '{"attributes":[' +
      '{"key":"consumer","value_source":"request_header","value":"x-mse-consumer","apply_to_log":true,"as_separate_log_field":true},' +
      '{"key":"question","value_source":"request_body","value":"messages.@reverse.0.content","apply_to_log":true},' +
      '{"key":"answer","value_source":"response_streaming_body","value":"choices.0.delta.content","rule":"append","apply_to_log":true},' +
      '{"key":"answer","value_source":"response_body","value":"choices.0.message.content","apply_to_log":true},' +
      '{"key":"model","value_source":"response_body","value":"usage.models.0.model_id","apply_to_log":true,"apply_to_span":false},' +
      '{"key":"reasoning_tokens","apply_to_log":true},{"key":"input_token_details","apply_to_log":true}],' +
      '"disable_openai_usage":false,"value_length_limit":100,"enable_path_suffixes":["/v1/chat/completions","/generateContent"],' +
      '"enable_content_types":["text/event-stream","application/json"],"session_id_header":"X-Session"}';
    const r = parse(text);
    expect(r.error).toBe("");
    const c = r.global!;
    expect(c.attributes.length).toBe(7);
    expect(c.attributes[0].source).toBe(Source.RequestHeader);
    expect(c.attributes[0].asSeparateLogField).toBe(true);
    expect(c.attributes[2].rule).toBe(Rule.Append);
    expect(c.attributes[5].builtin).toBe(Builtin.ReasoningTokens);
    expect(c.needRequestBody).toBe(true);
    expect(c.needResponseBody).toBe(true);
    expect(c.hasStreamAttributes).toBe(true);
    expect(c.valueLengthLimit).toBe(100);
    expect(c.sessionHeaders.length).toBe(1);
    expect(c.sessionHeaders[0]).toBe("x-session");
    expect(c.pathEnabled("/v1/chat/completions?x=1")).toBe(true);
    expect(c.pathEnabled("/v1beta/models/g:generateContent")).toBe(true);
    expect(c.pathEnabled("/v1/embeddings")).toBe(false);
    expect(c.contentTypeEnabled("application/json; charset=utf-8")).toBe(true);
    expect(c.contentTypeEnabled("text/plain")).toBe(false);
    expect(parse('{"enable_path_suffixes":["*"]}').global!.pathEnabled("/x")).toBe(true);
  });

  it("per-route rules", () => {
    const r = parse('{"slow_threshold_ms":100,"_rules_":[{"_match_route_":["r1"],"slow_threshold_ms":5}]}');
    expect(r.error).toBe("");
    expect(r.match("r1", "h", "c")!.slowThresholdMs).toBe(5);
    expect(r.match("r2", "h", "c")!.slowThresholdMs).toBe(100);
  });

  it("rejects bad config naming the field", () => {
    expect(errorOf('{"attributes":[{"key":"k","value_source":"request_header","value":"Authorization","apply_to_log":true}]}'))
      .toBe("attributes[0].value: refusing to log credential header 'authorization'");
    expect(errorOf('{"attributes":[{"key":"k","value_source":"nope","value":"x"}]}'))
      .toBe("attributes[0].value_source: expected fixed_value, request_header, request_body, response_header, response_body or response_streaming_body, got 'nope'");
    expect(errorOf('{"attributes":[{"value_source":"fixed_value","value":"x"}]}')).toBe("attributes[0].key: required");
    expect(errorOf('{"attributes":[{"key":"k","value_source":"fixed_value"}]}')).toBe("attributes[0].value: required for value_source fixed_value");
    expect(errorOf('{"attributes":[{"key":"k","value_source":"response_streaming_body","value":"a","rule":"last"}]}'))
      .toBe("attributes[0].rule: expected first, replace or append, got 'last'");
    expect(errorOf('{"attributes":[{"key":"k","value_source":"request_body","value":"a..b"}]}')).toBe("attributes[0].value: empty segment in path 'a..b'");
    expect(errorOf('{"attributes":[{"key":"k"}]}').startsWith("attributes[0].value_source: required")).toBe(true);
    expect(errorOf('{"attributes":[{"key":"k","value_source":"fixed_value","value":"v","aply_to_log":true}]}').startsWith("attributes[0].aply_to_log: unknown field")).toBe(true);
    expect(errorOf('{"value_length_limit":"big"}')).toBe("value_length_limit: expected integer, got string");
    expect(errorOf('{"value_length_limit":0}')).toBe("value_length_limit: must be between 1 and 16777216");
    expect(errorOf('{"consumer_header":"x-api-key"}')).toBe("consumer_header: refusing to use credential header 'x-api-key'");
    expect(errorOf('{"log_format":"xml"}')).toBe("log_format: expected escaped or json, got 'xml'");
    expect(errorOf('{"attributs":[]}')).toBe("attributes: unknown field".replace("attributes", "attributs"));
    expect(errorOf('{"attributes":{}}')).toBe("attributes: expected array, got object");
    expect(errorOf('{"_rules_":[{"_match_route_":["r"],"slow_ttft_ms":-1}]}')).toBe("_rules_[0].slow_ttft_ms: must be between 0 and 86400000");
    expect(errorOf("{bad")).not.toBe("");
  });
});
