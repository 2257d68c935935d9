import { ReasoningMode, ReasoningStream, editReasoningBody, editReasoningChunk } from "../reasoning-content";

const BODY = '{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","reasoning_content":"Think"},"finish_reason":"stop"}],"usage":{"total_tokens":3}}';

describe("reasoningContentMode: whole answers", () => {
  it("passthrough leaves the body", () => {
    expect(editReasoningBody(BODY, ReasoningMode.Passthrough)).toBeNull();
  });
  it("ignore removes reasoning_content, other bytes kept", () => {
    expect(editReasoningBody(BODY, ReasoningMode.Ignore)!).toBe('{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"total_tokens":3}}');
  });
  it("concat moves it into content with think tags", () => {
    expect(editReasoningBody(BODY, ReasoningMode.Concat)!).toBe('{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"<think>Think</think>\\nHi"},"finish_reason":"stop"}],"usage":{"total_tokens":3}}');
  });
  it("reasoning first, content null, several choices", () => {
    const b = '{"choices":[{"message":{"reasoning_content":"A\\"q","content":null}},{"message":{"content":"x"}}]}';
    expect(editReasoningBody(b, ReasoningMode.Concat)!).toBe('{"choices":[{"message":{"content":"<think>A\\"q</think>\\n"}},{"message":{"content":"x"}}]}');
    expect(editReasoningBody(b, ReasoningMode.Ignore)!).toBe('{"choices":[{"message":{"content":null}},{"message":{"content":"x"}}]}');
  });
  it("no reasoning member: unchanged", () => {
    expect(editReasoningBody('{"choices":[{"message":{"content":"x"}}]}', ReasoningMode.Concat)).toBeNull();
  });
});

describe("reasoningContentMode: stream chunks", () => {
  it("concat opens and closes the think block across deltas", () => {
    const st = new ReasoningStream();
    const c1 = editReasoningChunk('{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"Let"}}]}', ReasoningMode.Concat, st)!;
    const c2 = editReasoningChunk('{"choices":[{"index":0,"delta":{"content":null,"reasoning_content":" me"}}]}', ReasoningMode.Concat, st)!;
    const c3 = editReasoningChunk('{"choices":[{"index":0,"delta":{"content":"Hi","reasoning_content":null}}]}', ReasoningMode.Concat, st)!;
    const c4 = editReasoningChunk('{"choices":[{"index":0,"delta":{"content":"!"}}]}', ReasoningMode.Concat, st);
    expect(c1).toBe('{"choices":[{"index":0,"delta":{"role":"assistant","content":"<think>Let"}}]}');
    expect(c2).toBe('{"choices":[{"index":0,"delta":{"content":" me"}}]}');
    expect(c3).toBe('{"choices":[{"index":0,"delta":{"content":"</think>\\nHi"}}]}');
    expect(c4).toBeNull();
  });
  it("concat closes the block on a content delta without a reasoning member", () => {
    const st = new ReasoningStream();
    editReasoningChunk('{"choices":[{"index":0,"delta":{"reasoning_content":"R"}}]}', ReasoningMode.Concat, st);
    expect(editReasoningChunk('{"choices":[{"index":0,"delta":{"content":"C"}}]}', ReasoningMode.Concat, st)!).toBe('{"choices":[{"index":0,"delta":{"content":"</think>\\nC"}}]}');
    expect(editReasoningChunk('{"choices":[{"index":0,"delta":{"content":"D"}}]}', ReasoningMode.Concat, st)).toBeNull();
  });
  it("ignore drops reasoning deltas", () => {
    const st = new ReasoningStream();
    expect(editReasoningChunk('{"choices":[{"index":0,"delta":{"reasoning_content":"x"}}]}', ReasoningMode.Ignore, st)!).toBe('{"choices":[{"index":0,"delta":{}}]}');
  });
});
