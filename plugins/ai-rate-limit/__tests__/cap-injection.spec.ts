import { RequestFacts, scanRequestBody } from "../estimate";
import { capTarget, withOutputCap, CAP_NONE, CAP_CHAT, CAP_COMPLETIONS, CAP_RESPONSES, CAP_GEMINI } from "../cap-injection";

function inject(body: string, target: u8, field: string = "max_tokens"): string | null {
  const b = String.UTF8.encode(body);
  const f = new RequestFacts();
  scanRequestBody(b, f);
  const out = withOutputCap(b, f, target, field, 256);
  return out === null ? null : String.UTF8.decode(out);
}

describe("capTarget", () => {
  it("maps paths to the API's cap field", () => {
    expect(capTarget("/v1/chat/completions?x=1")).toBe(CAP_CHAT);
    expect(capTarget("/openai/deployments/d/chat/completions?api-version=1")).toBe(CAP_CHAT);
    expect(capTarget("/v1/completions")).toBe(CAP_COMPLETIONS);
    expect(capTarget("/v1/responses")).toBe(CAP_RESPONSES);
    expect(capTarget("/v1beta/models/g:streamGenerateContent?alt=sse")).toBe(CAP_GEMINI);
    expect(capTarget("/v1/messages")).toBe(CAP_NONE);
    expect(capTarget("/v1/embeddings")).toBe(CAP_NONE);
  });
});

describe("withOutputCap", () => {
  it("inserts the member after the top-level brace, every other byte unchanged", () => {
    expect(inject('{"model":"m", "messages":[{"content":"é\\n"}]}', CAP_CHAT)).toBe('{"max_tokens":256,"model":"m", "messages":[{"content":"é\\n"}]}');
    expect(inject(' {} ', CAP_CHAT, "max_completion_tokens")).toBe(' {"max_completion_tokens":256} ');
    expect(inject('{"input":"x"}', CAP_RESPONSES)).toBe('{"max_output_tokens":256,"input":"x"}');
    expect(inject('{"prompt":"x"}', CAP_COMPLETIONS, "max_completion_tokens")).toBe('{"max_tokens":256,"prompt":"x"}');
  });
  it("Gemini: into generationConfig, or a new generationConfig", () => {
    expect(inject('{"contents":[],"generationConfig":{"temperature":1}}', CAP_GEMINI)).toBe('{"contents":[],"generationConfig":{"maxOutputTokens":256,"temperature":1}}');
    expect(inject('{"generationConfig":{ }}', CAP_GEMINI)).toBe('{"generationConfig":{"maxOutputTokens":256 }}');
    expect(inject('{"contents":[]}', CAP_GEMINI)).toBe('{"generationConfig":{"maxOutputTokens":256},"contents":[]}');
    expect(inject('{"generationConfig":null}', CAP_GEMINI)).toBeNull();
  });
  it("writes nothing into invalid JSON, non-objects, or a body that has a cap member", () => {
    expect(inject('{"model":"m",}', CAP_CHAT)).toBeNull();
    expect(inject('{"model":"m"', CAP_CHAT)).toBeNull();
    expect(inject('["x"]', CAP_CHAT)).toBeNull();
    expect(inject('{"max_tokens":null}', CAP_CHAT)).toBeNull();
    expect(inject('{"max_completion_tokens":5}', CAP_CHAT)).toBeNull();
    expect(inject('{"a":"b"}', CAP_NONE)).toBeNull();
  });
  it("refuses bytes that are not UTF-8", () => {
    const b = new ArrayBuffer(9);
    const s = String.UTF8.encode('{"a":"');
    memory.copy(changetype<usize>(b), changetype<usize>(s), 6);
    store<u8>(changetype<usize>(b) + 6, 0xff);
    store<u8>(changetype<usize>(b) + 7, 0x22);
    store<u8>(changetype<usize>(b) + 8, 0x7d);
    const f = new RequestFacts();
    scanRequestBody(b, f);
    expect(withOutputCap(b, f, CAP_CHAT, "max_tokens", 1)).toBeNull();
  });
});
