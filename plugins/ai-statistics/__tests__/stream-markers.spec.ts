import { eventMatters } from "../stream-markers";

describe("stream markers", () => {
  it("skips plain text deltas of every provider", () => {
    expect(eventMatters('{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":" hi"},"logprobs":null,"finish_reason":null}],"usage":null}')).toBe(false);
    expect(eventMatters('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" hi"}}')).toBe(false);
    expect(eventMatters('{"type":"ping"}')).toBe(false);
    expect(eventMatters('{"type":"response.output_text.delta","item_id":"x","delta":"hi"}')).toBe(false);
    expect(eventMatters('{ "usage" : null , "finish_reason" :\tnull, "error": null }')).toBe(false);
  });
  it("keeps usage, finish reasons, terminal and error events", () => {
    expect(eventMatters("[DONE]")).toBe(true);
    expect(eventMatters('{"id":"c1","choices":[],"usage":{"prompt_tokens":5}}')).toBe(true);
    expect(eventMatters('{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null}')).toBe(true);
    expect(eventMatters('{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":3}}')).toBe(true);
    expect(eventMatters('{"candidates":[{"finishReason":"STOP"}]}')).toBe(true);
    expect(eventMatters('{"type":"message_start","message":{"id":"msg","usage":{"input_tokens":5}}}')).toBe(true);
    expect(eventMatters('{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}')).toBe(true);
    expect(eventMatters('{"type":"message_stop"}')).toBe(true);
    expect(eventMatters('{"type": "error", "error": {"type": "overloaded_error"}}')).toBe(true);
    expect(eventMatters('{"error":{"message":"boom","type":"server_error"}}')).toBe(true);
    expect(eventMatters('{"type":"response.completed","response":{"usage":{"input_tokens":1}}}')).toBe(true);
    expect(eventMatters('{"type":"response.created","response":{"id":"resp_1","model":"m"}}')).toBe(true);
  });
  it("escaped quotes in text are no keys; a nested key counts (only costs the full read)", () => {
    expect(eventMatters('{"delta":{"text":"\\"usage\\": {"},"usage":null}')).toBe(false);
    expect(eventMatters('{"delta":{"text":"say \\"usage\\":1"}}')).toBe(false);
    expect(eventMatters('{"delta":{"meta":{"usage":{"n":1}}}}')).toBe(true);
  });
});
