// The one place that picks a converter per (client, upstream) protocol pair.
import { pickConverter, pairSupported, Protocol } from "../../converters/converter";

describe("pickConverter", () => {
  it("returns the converter of each supported direction, the same instance every time", () => {
    const oa = pickConverter(Protocol.OpenAI, Protocol.Anthropic)!;
    expect(oa.client()).toBe(Protocol.OpenAI);
    expect(oa.upstream()).toBe(Protocol.Anthropic);
    expect(pickConverter(Protocol.OpenAI, Protocol.Anthropic) === oa).toBe(true);
    const ao = pickConverter(Protocol.Anthropic, Protocol.OpenAI)!;
    expect(ao.client()).toBe(Protocol.Anthropic);
    expect(ao.upstream()).toBe(Protocol.OpenAI);
    const og = pickConverter(Protocol.OpenAI, Protocol.Gemini)!;
    expect(og.client()).toBe(Protocol.OpenAI);
    expect(og.upstream()).toBe(Protocol.Gemini);
  });
  it("returns null for same-protocol and unsupported pairs", () => {
    expect(pickConverter(Protocol.OpenAI, Protocol.OpenAI)).toBeNull();
    expect(pickConverter(Protocol.Anthropic, Protocol.Gemini)).toBeNull();
    expect(pickConverter(Protocol.Gemini, Protocol.OpenAI)).toBeNull();
    expect(pairSupported(Protocol.Gemini, Protocol.Gemini)).toBe(true);
    expect(pairSupported(Protocol.Anthropic, Protocol.Gemini)).toBe(false);
    expect(pairSupported(Protocol.Anthropic, Protocol.OpenAI)).toBe(true);
  });
});
