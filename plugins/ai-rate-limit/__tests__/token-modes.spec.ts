import { parseConfigText } from "../config";
import { RateLimitConfig } from "../config-types";
import { MODE_STRICT, MODE_UPPER_BOUND, MODE_ESTIMATE } from "../estimate";
import { exclusiveLimit } from "../exclusive";

function parse(text: string): RateLimitConfig | null {
  return parseConfigText(text).config;
}

function error(text: string): string {
  const r = parseConfigText(text);
  return r.error !== null ? r.error! : "";
}

describe("token_estimate modes", () => {
  it("parses mode, enforce_max_tokens and the OpenAI field", () => {
    const c = parse('{"rules":[{"token_per_minute":10}],"token_estimate":{"mode":"strict","enforce_max_tokens":true,"max_tokens_field":"max_completion_tokens","message_tokens":5,"reply_tokens":2,"tool_tokens":300}}')!;
    expect(c.estimate.mode).toBe(MODE_STRICT);
    expect(c.estimate.enforceMaxTokens).toBe(true);
    expect(c.estimate.openAiChatField).toBe("max_completion_tokens");
    expect(c.estimate.messageTokens).toBe(5);
    expect(c.estimate.replyTokens).toBe(2);
    expect(c.estimate.toolTokens).toBe(300);
    expect(parse('{"rules":[{"token_per_minute":10}],"token_estimate":{"mode":"upper_bound"}}')!.estimate.mode).toBe(MODE_UPPER_BOUND);
    expect(parse('{"rules":[{"token_per_minute":10}]}')!.estimate.mode).toBe(MODE_ESTIMATE);
  });
  it("names the field of a bad value", () => {
    expect(error('{"rules":[{"token_per_minute":10}],"token_estimate":{"mode":"exact"}}').startsWith("token_estimate.mode:")).toBe(true);
    expect(error('{"rules":[{"token_per_minute":10}],"token_estimate":{"max_tokens_field":"max_output"}}').startsWith("token_estimate.max_tokens_field:")).toBe(true);
    expect(error('{"rules":[{"token_per_minute":10}],"token_estimate":{"enforce_max_tokens":true,"default_max_tokens":0}}').startsWith("token_estimate.default_max_tokens:")).toBe(true);
  });
});

describe("exclusiveLimit", () => {
  it("is one slot, no queue, keyed apart from the item's other counters", () => {
    const c = parse('{"rules":[{"name":"r","limit_by_per_header":"x-k","query_per_minute":5,"token_per_minute":10,"max_concurrency":2}]}')!;
    const item = c.groups[0].rules[0].items[0];
    const x = exclusiveLimit(item);
    expect(x.maxInFlight).toBe(1);
    expect(x.maxQueue).toBe(0);
    expect(x.keyPrefix.endsWith(":x:")).toBe(true);
    expect(x.keyPrefix).not.toBe(item.concurrency!.keyPrefix);
    for (let i = 0; i < item.windows.length; i++) expect(item.windows[i].keyPrefix.startsWith(x.keyPrefix)).toBe(false);
    expect(exclusiveLimit(item)).toBe(x); // made once
  });
});
