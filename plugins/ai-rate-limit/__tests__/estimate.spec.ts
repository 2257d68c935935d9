import { RequestFacts, EstimateConfig, scanRequestBody, estimateTokens, estimateInputTokens, mayUnderestimate, MODE_UPPER_BOUND } from "../estimate";

function facts(body: string): RequestFacts {
  const f = new RequestFacts();
  scanRequestBody(String.UTF8.encode(body), f);
  return f;
}

describe("scanRequestBody", () => {
  it("reads an OpenAI chat request", () => {
    const f = facts('{"model":"gpt-4o","messages":[{"role":"user","content":"hello there"}],"max_tokens":50,"stream":true}');
    expect(f.model).toBe("gpt-4o");
    expect(f.maxOutput).toBe(50);
    expect(f.stream).toBe(true);
    expect(f.isObject).toBe(true);
    // string values: gpt-4o (6) + user (4) + hello there (11)
    expect(f.textBytes).toBe(21);
  });
  it("takes the largest of several output caps", () => {
    const f = facts('{"max_completion_tokens":300,"max_tokens":100}');
    expect(f.maxOutput).toBe(300);
    expect(facts('{"max_output_tokens": 77}').maxOutput).toBe(77);
    expect(facts('{"max_tokens":100.0}').maxOutput).toBe(100);
    expect(facts('{"max_tokens":-5}').maxOutput).toBe(-1);
  });
  it("reads Gemini's generationConfig.maxOutputTokens but not nested look-alikes", () => {
    const f = facts('{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"temperature":0.5,"maxOutputTokens":256}}');
    expect(f.maxOutput).toBe(256);
    expect(f.model).toBe("");
    const g = facts('{"messages":[{"max_tokens":999,"model":"x","stream":true}],"stream":false}');
    expect(g.maxOutput).toBe(-1);
    expect(g.model).toBe("");
    expect(g.stream).toBe(false);
  });
  it("counts UTF-8 bytes, handles escapes, and treats data URLs as images", () => {
    const f = facts('{"model":"m","content":"h\\"é\\n","image":"data:image/png;base64,AAAA"}');
    expect(f.images).toBe(1);
    // m (1) + h\"é\n = 1 + 2 + 2 + 2 = 7
    expect(f.textBytes).toBe(8);
  });
  it("copes with non-JSON and truncated bodies", () => {
    const f = facts("--boundary\r\nbinary");
    expect(f.isObject).toBe(false);
    expect(f.bodyBytes).toBe(18);
    const g = facts('{"model":"abc","messages":[{"content":"unterminated');
    expect(g.model).toBe("abc");
  });
});

describe("estimateTokens", () => {
  it("is input text / bytes_per_token + images + the output cap", () => {
    const cfg = new EstimateConfig();
    cfg.bytesPerToken = 4;
    cfg.imageTokens = 500;
    cfg.defaultMaxTokens = 1000;
    const f = facts('{"model":"abcd","content":"12345678","max_tokens":10,"i":"data:x"}');
    // 12 text bytes -> 3 tokens, 1 image -> 500, cap 10
    expect(estimateTokens(f, cfg)).toBe(513);
    expect(estimateInputTokens(f, cfg)).toBe(503);
    const g = facts('{"content":"1"}');
    expect(estimateTokens(g, cfg)).toBe(1 + 1000);
    const h = facts("not json at all!");
    expect(estimateTokens(h, cfg)).toBe(4 + 1000);
  });
});

describe("upper_bound mode", () => {
  it("counts messages, system, tools, and structure below the top level", () => {
    const f = facts('{"model":"m","system":"be brief","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"yo"}]}],"tools":[{"name":"f","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"strict":true,"n":12}}]}');
    expect(f.messages).toBe(3); // system + 2 messages
    expect(f.hasTools).toBe(true);
    // keys below the top level: role content role content type text name input_schema type properties city type required strict n
    // = 4+7+4+7+4+4+4+12+4+10+4+4+8+6+1 = 83; literals: true (4); numbers: 12 (2)
    expect(f.structureBytes).toBe(89);
    const cfg = new EstimateConfig();
    cfg.mode = MODE_UPPER_BOUND;
    cfg.toolTokens = 100;
    // text: m be brief user hi assistant text yo f object string city = 1+8+4+2+9+4+2+1+6+6+4 = 47
    expect(f.textBytes).toBe(47);
    expect(estimateInputTokens(f, cfg)).toBe(47 + 89 + 3 * 4 + 3 + 100);
  });
  it("counts Gemini contents, Responses string input, and string items", () => {
    expect(facts('{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[]}],"systemInstruction":{"parts":[]}}').messages).toBe(3);
    expect(facts('{"model":"o","input":"hello"}').messages).toBe(1);
    expect(facts('{"input":["a","b",{"role":"user","content":"c"}]}').messages).toBe(3);
  });
  it("records where a cap could go and whether one is there", () => {
    const f = facts(' { "model" : "m" , "generationConfig" : { } }');
    expect(f.objectOpen).toBe(2);
    expect(f.objectEmpty).toBe(false);
    expect(f.genConfigOpen).toBe(41);
    expect(f.genConfigEmpty).toBe(true);
    expect(f.capKeySeen).toBe(false);
    expect(facts('{"max_tokens":null}').capKeySeen).toBe(true);
    expect(facts('{"max_tokens":null}').maxOutput).toBe(-1);
    expect(facts('{"generationConfig":null}').genConfigOpen).toBe(-2);
    expect(facts('{}').objectEmpty).toBe(true);
  });
  it("may underestimate without an output cap or with images", () => {
    expect(mayUnderestimate(facts('{"max_tokens":5}'))).toBe(false);
    expect(mayUnderestimate(facts('{"messages":[]}'))).toBe(true);
    expect(mayUnderestimate(facts('{"max_tokens":5,"u":"data:image/png;base64,AA"}'))).toBe(true);
    const f = facts('{"messages":[]}');
    f.injectedCap = 10;
    expect(mayUnderestimate(f)).toBe(false);
  });
});
